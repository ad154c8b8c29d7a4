/**
 * A 200 from the embedded store means the bytes are on disk: the proxy runs as a child
 * process under Debian's `strace`, and the trace of a PUT, a DELETE (with reference
 * collection) and a multipart upload shows every published file flushed before it was
 * published, its directory flushed after, and both before the response was written to
 * the socket. With DGP_FSYNC=never the same requests flush nothing.
 */
import t, { type Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'reverse-proxy', 'cli.js');
const TRACED = 'fsync,fdatasync,rename,link,unlink,renameat,renameat2,linkat,unlinkat,openat,write,writev,sendto,sendmsg';
/** Long enough for the deepest path these tests write and the start of an HTTP status line. */
const STRING_LIMIT = 1024;

const straceMissing = spawnSync('strace', ['-V']).error ? 'strace is not installed (apt-get install strace; .ci/run installs it)' : undefined;
const straceBlocked =
  straceMissing ?? (spawnSync('strace', ['-f', '-o', '/dev/null', 'true']).status !== 0 ? 'strace cannot trace here (ptrace not permitted in this container)' : undefined);
const skip = straceBlocked ?? (existsSync(CLI) ? undefined : 'dist/ is not built (npm run build)');

/** One traced system call: where it started and where it returned, in trace order. */
interface Call {
  name: string;
  args: string;
  start: number;
  end: number;
  ok: boolean;
}

/** Parses `strace -f -y` output, joining `<unfinished ...>` with its `<... resumed>`. */
function parseTrace(text: string): Call[] {
  const calls: Call[] = [];
  const pending = new Map<string, Call>();
  text.split('\n').forEach((line, i) => {
    const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$/.exec(line);
    if (resumed) {
      const call = pending.get(resumed[1] as string);
      if (!call) return;
      pending.delete(resumed[1] as string);
      call.args += resumed[3];
      call.end = i;
      call.ok = /= (\d+)/.test(resumed[3] as string);
      return;
    }
    const m = /^(\d+)\s+(\w+)\((.*)$/.exec(line);
    if (!m) return;
    const call: Call = { name: m[2] as string, args: m[3] as string, start: i, end: i, ok: false };
    calls.push(call);
    if (line.endsWith('<unfinished ...>')) pending.set(m[1] as string, call);
    else call.ok = /\) += \d+/.test(line);
  });
  return calls;
}

/** The quoted strings of a call's arguments (paths, for the calls here). */
const quoted = (c: Call): string[] => [...c.args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] as string);
/** The path strace -y prints for a call's first descriptor argument. */
const fdPath = (c: Call): string | undefined => /^\d+<([^>]*)>/.exec(c.args)?.[1];
const isResponse = (c: Call): boolean => ['write', 'writev', 'sendto', 'sendmsg'].includes(c.name) && /"HTTP\/1\.1 \d{3} /.test(c.args);
const isPublish = (c: Call): boolean => c.ok && ['rename', 'renameat', 'renameat2', 'link', 'linkat'].includes(c.name);
const isUnlink = (c: Call): boolean => c.ok && ['unlink', 'unlinkat'].includes(c.name);

interface Traced {
  client: S3Client;
  /** Stops the proxy and strace; resolves to the parsed trace. */
  finish(): Promise<Call[]>;
  dataDir: string;
  tempDir: string;
}

async function tracedProxy(t: Test, fsync: 'always' | 'never'): Promise<Traced> {
  const work = mkdtempSync(join(tmpdir(), 'dg-fsync-trace-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const dataDir = join(work, 'data');
  const tempDir = join(work, 'temp');
  const traceFile = join(work, 'trace');
  const child: ChildProcess = spawn('strace', ['-f', '-y', '-s', String(STRING_LIMIT), '-e', `trace=${TRACED}`, '-o', traceFile, process.execPath, CLI], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DGP_LISTEN_ADDR: '127.0.0.1:0', DGP_UI_ADDR: 'off', DGP_LOG_LEVEL: 'info', DGP_DATA_DIR: dataDir, DGP_TEMP_DIR: tempDir, DGP_FSYNC: fsync },
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  // Signals go to the traced proxy itself: strace killed alone would leave it running, detached.
  const proxyPid = (): number | undefined => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined;
  const signalProxy = (signal: NodeJS.Signals): void => {
    try {
      const pid = proxyPid();
      if (pid) process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  };
  t.teardown(() => {
    signalProxy('SIGKILL');
    child.kill('SIGKILL');
  });
  const url = await new Promise<string>((ok, fail) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(seen);
      if (m) ok(m[1] as string);
    });
    child.once('exit', (code) => fail(new Error(`the traced proxy exited (${code}) before listening`)));
  });
  const client = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
  t.teardown(() => client.destroy());
  return {
    client,
    dataDir,
    tempDir,
    async finish() {
      client.destroy();
      signalProxy('SIGTERM');
      await exited;
      return parseTrace(readFileSync(traceFile, 'utf8'));
    },
  };
}

/** The first response written after the given trace position. */
function responseAfter(calls: Call[], position: number): Call {
  const r = calls.find((c) => isResponse(c) && c.start > position);
  if (!r) throw new Error(`no response written after trace line ${position}`);
  return r;
}

/** A flush of `path` that returned after `after` and before `before`, if any. */
function flushOf(calls: Call[], name: 'fsync' | 'fdatasync', path: string, after: number, before: number): Call | undefined {
  return calls.find((c) => c.name === name && c.ok && fdPath(c) === path && c.start > after && c.end < before);
}

const PUTS = versions(256 * 1024, 3, 7);

t.test('PUT, DELETE and multipart completion on the embedded store flush before they answer', { skip }, async (t) => {
  const p = await tracedProxy(t, 'always');
  const bucket = join(p.dataDir, 'durable');
  await p.client.send(new CreateBucketCommand({ Bucket: 'durable' }));
  // The first upload makes the deltaspace's reference; the second is stored as a delta naming it.
  await p.client.send(new PutObjectCommand({ Bucket: 'durable', Key: 'releases/v1/app.zip', Body: PUTS[0] }));
  await p.client.send(new PutObjectCommand({ Bucket: 'durable', Key: 'releases/v2/app.zip', Body: PUTS[1] }));
  await p.client.send(new DeleteObjectCommand({ Bucket: 'durable', Key: 'releases/v1/app.zip' }));
  // The last object of the deltaspace: its delete collects the reference.
  await p.client.send(new DeleteObjectCommand({ Bucket: 'durable', Key: 'releases/v2/app.zip' }));
  const { UploadId } = await p.client.send(new CreateMultipartUploadCommand({ Bucket: 'durable', Key: 'big/blob.bin' }));
  const part = Buffer.alloc(64 * 1024, 7);
  const { ETag } = await p.client.send(new UploadPartCommand({ Bucket: 'durable', Key: 'big/blob.bin', UploadId, PartNumber: 1, Body: part }));
  await p.client.send(new CompleteMultipartUploadCommand({ Bucket: 'durable', Key: 'big/blob.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
  const calls = await p.finish();

  // The listing index (.dg-index.delta.delta) is a cache written after the writes it
  // describes, acknowledged to no one: its publishes and unlinks answer no request.
  const ours = (path: string | undefined): boolean => (path ?? '').startsWith(bucket + '/') && !(path ?? '').includes('dg-index');
  const publishes = calls.filter((c) => isPublish(c) && ours(quoted(c)[1]));
  const published = publishes.map((c) => (quoted(c)[1] as string).slice(bucket.length + 1));
  t.ok(published.some((f) => f.includes('reference')), `a reference was published (${published.join(', ')})`);
  t.ok(published.filter((f) => f.includes('delta')).length >= 2, 'both uploads were published as deltas');
  t.ok(published.some((f) => f.startsWith('_big/')), 'the multipart object was published');
  for (const pub of publishes) {
    const [staged, target] = quoted(pub) as [string, string];
    const name = target.slice(bucket.length + 1);
    const response = responseAfter(calls, pub.end);
    const dataFlush = calls.find((c) => c.name === 'fdatasync' && c.ok && fdPath(c) === staged && c.end < pub.start);
    t.ok(dataFlush, `${name}: the staged file was fdatasync'd before it was published`);
    const dirFlush = flushOf(calls, 'fsync', dirname(target), pub.end, response.start);
    t.ok(dirFlush, `${name}: its directory was fsync'd after the ${pub.name} and before the response`);
  }
  // The first object made `_releases/_v1/`: the entries of both new directories are flushed too.
  const first = publishes[0]!;
  const firstDir = dirname(quoted(first)[1] as string);
  const firstResponse = responseAfter(calls, first.end);
  t.ok(flushOf(calls, 'fsync', dirname(firstDir), first.end, firstResponse.start), 'the new directory\'s parent was fsync\'d before the response');
  t.ok(flushOf(calls, 'fsync', bucket, first.end, firstResponse.start), 'the bucket directory, holding the new top directory, was fsync\'d before the response');
  // Order between objects: the reference is durable (data and directory) before any delta naming it is published.
  const refPub = publishes.find((c) => (quoted(c)[1] as string).includes('reference'))!;
  const refDirFlush = flushOf(calls, 'fsync', dirname(quoted(refPub)[1] as string), refPub.end, Infinity)!;
  const firstDelta = publishes.find((c) => (quoted(c)[1] as string).includes('delta'))!;
  t.ok(refDirFlush.end < firstDelta.start, 'the reference and its directory were flushed before the first delta was published');

  const unlinks = calls.filter((c) => isUnlink(c) && ours(quoted(c)[0]) && !(quoted(c)[0] as string).endsWith('/.segment'));
  const removed = unlinks.map((c) => (quoted(c)[0] as string).slice(bucket.length + 1));
  t.ok(removed.filter((f) => f.includes('delta')).length >= 2 && removed.some((f) => f.includes('reference')), `both deltas and the reference were deleted (${removed.join(', ')})`);
  for (const u of unlinks) {
    const path = quoted(u)[0] as string;
    const response = responseAfter(calls, u.end);
    t.ok(flushOf(calls, 'fsync', dirname(path), u.end, response.start), `${path.slice(bucket.length + 1)}: its directory was fsync'd after the unlink and before the response`);
  }
  const refUnlink = unlinks.find((c) => (quoted(c)[0] as string).includes('reference'))!;
  const lastDeltaUnlink = unlinks.filter((c) => (quoted(c)[0] as string).includes('delta') && c.end < refUnlink.start).pop()!;
  t.ok(lastDeltaUnlink, 'the last delta was deleted before its reference');
  t.ok(flushOf(calls, 'fsync', dirname(quoted(lastDeltaUnlink)[0] as string), lastDeltaUnlink.end, refUnlink.start), 'the delta\'s removal was flushed before the reference was removed');

  const partFlush = calls.filter((c) => c.name === 'fdatasync' && c.ok && (fdPath(c) ?? '').startsWith(p.tempDir + '/') && /-spool$/.test(fdPath(c) ?? ''));
  t.ok(partFlush.length >= 1, 'the multipart part was fdatasync\'d');
  const partResponse = responseAfter(calls, partFlush[0]!.end);
  t.match(partResponse.args, /"HTTP\/1\.1 200 /, 'the part was flushed before its 200');
});

t.test('DGP_FSYNC=never publishes the same objects without flushing', { skip }, async (t) => {
  const p = await tracedProxy(t, 'never');
  await p.client.send(new CreateBucketCommand({ Bucket: 'fast' }));
  await p.client.send(new PutObjectCommand({ Bucket: 'fast', Key: 'releases/v1/app.zip', Body: PUTS[0] }));
  await p.client.send(new DeleteObjectCommand({ Bucket: 'fast', Key: 'releases/v1/app.zip' }));
  const calls = await p.finish();
  const bucket = join(p.dataDir, 'fast');
  t.ok(calls.some((c) => isPublish(c) && (quoted(c)[1] ?? '').startsWith(bucket + '/')), 'objects were published');
  const flushes = calls.filter((c) => (c.name === 'fsync' || c.name === 'fdatasync') && (fdPath(c) ?? '').startsWith(dirname(p.dataDir)));
  t.same(flushes.map((c) => `${c.name} ${fdPath(c)}`), [], 'nothing under the data or temp directory was flushed');
});
