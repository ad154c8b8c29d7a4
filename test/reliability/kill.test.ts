/**
 * The server process (the proxy, then the middleware in its host server) killed with
 * SIGKILL in the middle of uploads, then restarted on the same data and temp
 * directories, over the filesystem store and over s3rver: no partial object becomes
 * visible, the dead process's spool and staging files are swept at start, the completed
 * objects read back byte-exact.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { startMiddleware, startProxy, type Running } from '../../bench/lib/servers.js';
import { clientFor, ENDPOINT_KINDS, getBytes, recordResults, ROOT, sleep, startRestartableS3rver, walkFiles } from './helpers.js';

const BUILT = existsSync(join(ROOT, 'dist', 'reverse-proxy', 'cli.js')) && existsSync(join(ROOT, 'dist', 'middleware', 'index.js'));
const UPLOADS = 4;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const rows: string[] = [];
let partialVisible = 0;

/** Starts a PUT that sends `sent` of `total` declared bytes, then stalls. */
function stalledPut(url: string, key: string, total: number, sent: Buffer): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = request({ host: u.hostname, port: u.port, method: 'PUT', path: `/kill/${key}`, headers: { 'content-length': total } });
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      resolve();
    });
    req.write(sent);
  });
}

for (const kind of ENDPOINT_KINDS) {
  t.test(`SIGKILL during uploads, then restart: ${kind}`, { skip: BUILT ? false : 'needs the build (npm run build): dist/' }, async (t) => {
    const [way, backend] = kind.split('/') as ['proxy' | 'middleware', 'filesystem' | 's3rver'];
    const dataDir = backend === 'filesystem' ? mkdtempSync(join(tmpdir(), 'dg-kill-data-')) : undefined;
    const tempDir = mkdtempSync(join(tmpdir(), 'dg-kill-temp-'));
    const s3 = backend === 's3rver' ? await startRestartableS3rver() : undefined;
    t.teardown(async () => {
      await s3?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      rmSync(tempDir, { recursive: true, force: true });
    });
    const start = (): Promise<Running> =>
      way === 'proxy'
        ? startProxy({ s3Endpoint: s3?.endpoint, dataDir, env: { DGP_TEMP_DIR: tempDir } })
        : startMiddleware(s3 ? 's3' : 'fs', (s3?.endpoint ?? dataDir) as string, { DG_TEMP_DIR: tempDir });
    let server = await start();
    t.teardown(() => void server.child.kill('SIGKILL'));
    let client = clientFor(server.url);
    const vs = versions(2 * 1024 * 1024, 2, 41);
    await client.send(new CreateBucketCommand({ Bucket: 'kill' }));
    await client.send(new PutObjectCommand({ Bucket: 'kill', Key: 'done/v0.zip', Body: vs[0] }));
    await client.send(new PutObjectCommand({ Bucket: 'kill', Key: 'done/v1.zip', Body: vs[1] }));

    // Uploads in flight, each half sent, then the process dies.
    const inflight = Array.from({ length: UPLOADS }, (_, i) => stalledPut(server.url, `partial/p${i}.zip`, vs[1]!.length, vs[1]!.subarray(0, vs[1]!.length / 2)));
    await sleep(500);
    const spoolsBefore = walkFiles(tempDir).length;
    t.ok(spoolsBefore > 0, `the uploads were being spooled (${spoolsBefore} temp files)`);
    const deadPid = server.pid;
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await Promise.all(inflight);
    await exited;
    client.destroy();
    t.ok(readdirSync(tempDir).some((n) => n.startsWith(`${deadPid}-`)), 'the killed process left its temp directory behind');

    server = await start();
    client = clientFor(server.url);
    t.teardown(() => client.destroy());
    t.notOk(readdirSync(tempDir).some((n) => n.startsWith(`${deadPid}-`)), "the restart swept the dead process's temp directory");
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'kill' }));
    t.same((listed.Contents ?? []).map((o) => o.Key).sort(), ['done/v0.zip', 'done/v1.zip'], 'no partial upload is visible');
    let visible = (listed.Contents ?? []).filter((o) => o.Key?.startsWith('partial/')).length;
    for (let i = 0; i < UPLOADS; i++) {
      const status = (await getBytes(client, 'kill', `partial/p${i}.zip`)).status;
      t.equal(status, 404, `partial/p${i}.zip does not exist`);
      if (status !== 404) visible++;
    }
    partialVisible += visible;
    for (const [i, v] of vs.entries()) {
      const got = await getBytes(client, 'kill', `done/v${i}.zip`);
      t.equal(got.status, 200);
      t.equal(sha(got.body ?? Buffer.alloc(0)), sha(v), `done/v${i}.zip byte-exact after the restart`);
    }
    if (dataDir) {
      const staging = join(dataDir, '.tmp');
      t.same(existsSync(staging) ? readdirSync(staging).filter((n) => n.startsWith(`${deadPid}-`)) : [], [], 'no staged file of the dead process remains');
    }
    const leftover = walkFiles(tempDir).length;
    rows.push(`| ${kind} | ${UPLOADS} | ${spoolsBefore} | ${leftover} | ${visible} |`);
  });
}

t.teardown(() => {
  if (rows.length === 0) return;
  recordResults('kill', { endpoints: ENDPOINT_KINDS.join(', '), 'uploads in flight when killed (per endpoint)': UPLOADS, 'partial objects visible after the restart': partialVisible }, [
    'The server runs as its own process (proxy: `node dist/reverse-proxy/cli.js`; middleware: bench/lib/middleware-child.mjs), is killed with SIGKILL while four 2 MiB uploads are half sent, and is started again on the same data and temp directories.',
  ], [
    '| endpoint | uploads in flight | temp files before the kill | temp files after the restart | partial objects visible |',
    '|---|---|---|---|---|',
    ...rows,
  ]);
});
