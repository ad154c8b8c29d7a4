// Child process: the filesystem store's "straight to the backend" bar for section 8. An
// HTTP server that does what any S3 does with a PUT and what the embedded store does
// with DGP_FSYNC=always (its default): MD5 of the body (the ETag), the bytes written to
// a temp file, fdatasync, rename into place, fsync of the directory, then 200. No auth,
// no metadata, no delta logic: the cost of the proxy is everything above this.
// Prints {"endpoint": ...} once listening; argv[2] is the data directory.
import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.argv[2];
const server = createServer(async (req, res) => {
  if (req.method !== 'PUT') {
    res.writeHead(req.method === 'HEAD' || req.method === 'GET' ? 404 : 200).end();
    return;
  }
  const name = encodeURIComponent(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const tmp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  const md5 = createHash('md5');
  const fh = await open(tmp, 'w');
  try {
    for await (const chunk of req) {
      md5.update(chunk);
      await fh.write(chunk);
    }
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
  const d = await open(dir, 'r');
  await d.sync();
  await d.close();
  res.writeHead(200, { ETag: `"${md5.digest('hex')}"` }).end();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ endpoint: `http://127.0.0.1:${server.address().port}`, pid: process.pid }) + '\n');
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
