// Child process: an s3rver on a free port with a private directory.
// Prints {"endpoint": ...} once listening. Needs --openssl-legacy-provider.
import S3rver from 's3rver';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const directory = mkdtempSync(join(process.env.BENCH_TMP || tmpdir(), 'dg-bench-s3rver-'));
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, resetOnClose: true, configureBuckets: [{ name: 'bench' }] });
const addr = await server.run();
process.stdout.write(JSON.stringify({ endpoint: `http://127.0.0.1:${addr.port}`, directory, pid: process.pid }) + '\n');
const stop = async () => { await server.close().catch(() => {}); rmSync(directory, { recursive: true, force: true }); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
