/**
 * A 1 GiB object through the reverse proxy on its embedded store with the aws CLI at its
 * default settings (multipart, 8 MiB parts, 10 at once, 60 s read timeout): the upload
 * succeeds on the first try, reads back byte-exact, a near-copy uploaded next is stored as
 * a delta, and the proxy's node process peaks under LARGE_OBJECT_RSS_BUDGET (the xdelta3
 * child's peak is reported beside it). The proxy runs as its own process (dist/, as users start it) so
 * its VmHWM is the server's alone.
 *
 * It runs with DGP_CODEC=xdelta3, in .ci/run's second pass: the TypeScript codec encodes a
 * 1 GiB near-copy in about 9 minutes on this project's 2-core CI machine (issue 17), past
 * what one test may cost; scripts/large-objects.sh measures that codec on the same path.
 *
 * The rest of the matrix (5 GiB, middleware, s3rver, rclone, boto3, lib-storage) is
 * scripts/large-objects.sh; figures in bench/RESULTS.md.
 */
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FileSystemStore } from '../../src/index.js';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'reverse-proxy', 'cli.js');
const MIB = 1024 * 1024;
const SIZE = 1024 * MIB;
/** The goal for the proxy process's peak RSS, whatever the object size. */
const LARGE_OBJECT_RSS_BUDGET = 300 * MIB;
/** Disk the test needs: two source files, the download, the proxy's parts, assembly and store. */
const DISK_NEEDED = 7 * SIZE;

const XDELTA3 = (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, 'xdelta3')));

const skip = !existsSync(AWS)
  ? `${AWS} missing (apt-get install awscli)`
  : !XDELTA3
    ? 'xdelta3 not on PATH: this test runs with DGP_CODEC=xdelta3 (.ci/run pass 2), the TypeScript codec takes ~9 min for a 1 GiB encode here'
    : !existsSync(CLI)
    ? `${CLI} missing: run npm run build first`
    : statfsSync(tmpdir()).bavail * statfsSync(tmpdir()).bsize < DISK_NEEDED
      ? `less than ${DISK_NEEDED / MIB} MiB free in ${tmpdir()}`
      : false;

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/** Writes `size` random bytes without holding them in memory. */
function writeRandomFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4 * MIB);
  try {
    for (let done = 0; done < size; done += chunk.length) writeSync(fd, randomFillSync(chunk), 0, Math.min(chunk.length, size - done));
  } finally {
    closeSync(fd);
  }
}

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // the process ended between the listing and the read
  }
}

/** Samples the RSS of a process's children (the xdelta3 codec processes) until stopped; returns the peak. */
function sampleChildren(pid: number, everyMs = 100): () => number {
  let peak = 0;
  const timer = setInterval(() => {
    let sum = 0;
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)) sum += statusField(Number(child), 'VmRSS');
    } catch {
      return;
    }
    peak = Math.max(peak, sum);
  }, everyMs);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

t.test('1 GiB through the reverse proxy on the embedded store with the aws CLI at default settings', { skip, timeout: 900_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'dg-large-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const v1 = join(work, 'v1.zip');
  const v2 = join(work, 'v2.zip');
  writeRandomFile(v1, SIZE);
  // The near-copy: the same bytes with three small edits.
  copyFileSync(v1, v2);
  const fd = openSync(v2, 'r+');
  for (const at of [5_000_000, 500_000_000, SIZE - 100]) writeSync(fd, Buffer.from('a small edit'), 0, 12, at);
  closeSync(fd);

  const dataDir = join(work, 'data');
  const port = await freePort();
  const proxy = spawn(process.execPath, [CLI], {
    env: { ...process.env, DGP_LISTEN_ADDR: `127.0.0.1:${port}`, DGP_UI_ADDR: 'off', DGP_DATA_DIR: dataDir, DGP_LOG_LEVEL: 'warn', DGP_CODEC: 'xdelta3', TMPDIR: work },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  t.teardown(() => void proxy.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(url).then(() => true, () => false)) break;
    if (i > 100) throw new Error('the proxy did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Default settings: no config file, no retries beyond the CLI's own (a retry would show in --debug, not here:
  // the uploads must succeed as they are, so the CLI's exit code is the check).
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_MAX_ATTEMPTS: '1' };
  const aws = (args: string[]) => run(AWS, ['--endpoint-url', url, ...args], { env, maxBuffer: 16 * MIB });

  await aws(['s3', 'mb', 's3://large']);
  const childPeak = sampleChildren(proxy.pid!);
  const t0 = performance.now();
  await aws(['s3', 'cp', '--no-progress', v1, 's3://large/big/v1.zip']);
  const up1 = performance.now() - t0;
  await aws(['s3', 'cp', '--no-progress', v2, 's3://large/big/v2.zip']);
  const up2 = performance.now() - t0 - up1;
  const out = join(work, 'v2.out');
  await aws(['s3', 'cp', '--no-progress', 's3://large/big/v2.zip', out]);
  // Deferred encoding (the default): the near-copy was acknowledged as it arrived and the
  // compactor encodes it now; the memory budget covers that encode too.
  const c0 = performance.now();
  for (;;) {
    const stats = (await (await fetch(`${url}/_/stats`)).json()) as { compaction: { queued: number; running: number; completed: number } };
    if (stats.compaction.completed >= 1 && stats.compaction.queued + stats.compaction.running === 0) break;
    if (performance.now() - c0 > 15 * 60_000) throw new Error(`the compactor did not finish in 15 minutes: ${JSON.stringify(stats.compaction)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const compacted = performance.now() - c0;
  const peak = statusField(proxy.pid!, 'VmHWM');
  const codecPeak = childPeak();
  t.comment(`1 GiB reference upload ${(up1 / 1000).toFixed(1)} s, near-copy ${(up2 / 1000).toFixed(1)} s, stored as a delta ${(compacted / 1000).toFixed(1)} s after its download, proxy VmHWM ${(peak / MIB).toFixed(0)} MiB, xdelta3 peak ${(codecPeak / MIB).toFixed(0)} MiB`);

  await run('cmp', [out, v2]).then(
    () => t.pass('the near-copy reads back byte-exact'),
    (err: Error) => t.fail(`downloaded bytes differ: ${err.message}`),
  );
  rmSync(out);
  const store = new FileSystemStore(dataDir);
  const ref = await store.headObject('large', 'big/reference.bin');
  t.equal(ref?.size, SIZE, 'the first upload is the reference');
  const selfDelta = await store.headObject('large', 'big/v1.zip.delta');
  t.ok(selfDelta && selfDelta.size < 4096, `its self-delta is tiny (${selfDelta?.size} bytes)`);
  const delta = await store.headObject('large', 'big/v2.zip.delta');
  t.ok(delta && delta.size < MIB, `the near-copy is stored as a delta (${delta?.size} bytes)`);
  // The node process is the budget's subject (with the default codec the workers are its
  // threads); the xdelta3 child (about 170 MiB at a 64 MiB source window) is reported beside it.
  t.ok(peak <= LARGE_OBJECT_RSS_BUDGET, `proxy peak RSS ${(peak / MIB).toFixed(0)} MiB <= ${LARGE_OBJECT_RSS_BUDGET / MIB} MiB (xdelta3 child peak ${(codecPeak / MIB).toFixed(0)} MiB)`);
});
