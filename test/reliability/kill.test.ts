/**
 * The proxy process killed with SIGKILL in the middle of uploads, then restarted on
 * the same data and temp directories: no partial object becomes visible, the dead
 * process's spool and staging files are swept at start, the completed objects read
 * back byte-exact.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { clientFor, getBytes, recordResults, ROOT, sleep, walkFiles } from './helpers.js';

const CLI = join(ROOT, 'dist', 'reverse-proxy', 'cli.js');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startProxyProcess(port: number, dataDir: string, tempDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI], {
    env: { ...process.env, DGP_LISTEN_ADDR: `127.0.0.1:${port}`, DGP_UI_ADDR: 'off', DGP_DATA_DIR: dataDir, DGP_TEMP_DIR: tempDir, DGP_LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/_/health`).then((r) => r.ok, () => false);
    if (up) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('proxy did not start');
}

/** Starts a PUT that sends `sent` of `total` declared bytes, then stalls. */
function stalledPut(port: number, key: string, total: number, sent: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/kill/${key}`, headers: { 'content-length': total } });
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      resolve();
    });
    req.write(sent);
  });
}

t.test('SIGKILL during uploads, then restart', { skip: existsSync(CLI) ? false : 'needs the build (npm run build): dist/reverse-proxy/cli.js' }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-kill-data-'));
  const tempDir = mkdtempSync(join(tmpdir(), 'dg-kill-temp-'));
  const port = await freePort();
  let proxy = await startProxyProcess(port, dataDir, tempDir);
  t.teardown(() => void proxy.kill('SIGKILL'));
  const client = clientFor(`http://127.0.0.1:${port}`);
  const vs = versions(2 * 1024 * 1024, 2, 41);
  await client.send(new CreateBucketCommand({ Bucket: 'kill' }));
  await client.send(new PutObjectCommand({ Bucket: 'kill', Key: 'done/v0.zip', Body: vs[0] }));
  await client.send(new PutObjectCommand({ Bucket: 'kill', Key: 'done/v1.zip', Body: vs[1] }));

  // Four uploads in flight, each half sent, then the process dies.
  const inflight = [0, 1, 2, 3].map((i) => stalledPut(port, `partial/p${i}.zip`, vs[1]!.length, vs[1]!.subarray(0, vs[1]!.length / 2)));
  await sleep(500);
  const spoolsBefore = walkFiles(tempDir).length;
  t.ok(spoolsBefore > 0, `the uploads were being spooled (${spoolsBefore} temp files)`);
  const deadPid = proxy.pid as number;
  proxy.kill('SIGKILL');
  await Promise.all(inflight);
  if (proxy.exitCode === null && proxy.signalCode === null) await new Promise((r) => proxy.once('exit', r));
  t.ok(readdirSync(tempDir).some((n) => n.startsWith(`${deadPid}-`)), 'the killed process left its temp directory behind');

  proxy = await startProxyProcess(port, dataDir, tempDir);
  t.notOk(readdirSync(tempDir).some((n) => n.startsWith(`${deadPid}-`)), 'the restart swept the dead process\'s temp directory');
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'kill' }));
  t.same((listed.Contents ?? []).map((o) => o.Key).sort(), ['done/v0.zip', 'done/v1.zip'], 'no partial upload is visible');
  for (let i = 0; i < 4; i++) t.equal((await getBytes(client, 'kill', `partial/p${i}.zip`)).status, 404, `partial/p${i}.zip does not exist`);
  for (const [i, v] of vs.entries()) {
    const got = await getBytes(client, 'kill', `done/v${i}.zip`);
    t.equal(got.status, 200);
    t.equal(sha(got.body ?? Buffer.alloc(0)), sha(v), `done/v${i}.zip byte-exact after the restart`);
  }
  const staging = join(dataDir, '.tmp');
  t.same(existsSync(staging) ? readdirSync(staging).filter((n) => n.startsWith(`${deadPid}-`)) : [], [], 'no staged file of the dead process remains');
  const leftover = walkFiles(tempDir).length;
  recordResults('kill', { uploadsInFlightWhenKilled: 4, tempFilesBeforeKill: spoolsBefore, tempFilesAfterRestart: leftover, partialObjectsVisible: 0 });
  proxy.kill('SIGKILL');
});
