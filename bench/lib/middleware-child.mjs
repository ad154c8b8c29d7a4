// Child process: deltaGliderMiddleware mounted in a plain node:http server (from dist/).
//   node middleware-child.mjs s3 <endpoint> | fs <dataDir>
// Prints {"url": ...} once listening. DG_ENCODE (inline | deferred) and DG_CODEC
// (typescript | xdelta3 | auto) set the middleware's encode and codec options when given.
import { createServer } from 'node:http';
import { deltaGliderMiddleware } from '../../dist/middleware/index.js';
import { S3Store, FileSystemStore } from '../../dist/index.js';
const [kind, where] = process.argv.slice(2);
const backend = kind === 's3'
  ? new S3Store({ endpoint: where, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  : new FileSystemStore(where);
const mw = deltaGliderMiddleware({
  backend,
  tempDir: process.env.DG_TEMP_DIR || undefined,
  ...(process.env.DG_ENCODE ? { encode: process.env.DG_ENCODE } : {}),
  ...(process.env.DG_CODEC ? { codec: process.env.DG_CODEC } : {}),
});
const server = createServer((req, res) => mw(req, res, () => { res.statusCode = 501; res.end(); }));
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, pid: process.pid }) + '\n');
});
const stop = () => { server.close(); mw.engine.close().finally(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
