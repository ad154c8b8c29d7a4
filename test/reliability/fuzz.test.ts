/**
 * Hostile input against the proxy and the middleware, each over s3rver and over the
 * filesystem store: generated malformed S3 requests through a keep-alive agent, 8 at a
 * time, plus raw-socket cases the HTTP client refuses to send (negative / huge
 * Content-Length, NUL in the path, 50 MB of headers), and slowloris connections. Every
 * answer is the S3 4xx its input calls for (501 for unimplemented subresources, 2xx for
 * the valid requests among them) or a closed connection, never a 5xx; the process stays
 * up; memory stays bounded; nothing is written outside the data, temp and s3rver
 * directories (they live four levels down a sandbox, so a `../` escape would land in it).
 */
import t from 'tap';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { prng } from '../helpers/data.js';
import { isValidBucketName } from '../../src/index.js';
import { ENDPOINT_KINDS, raw, recordResults, SOAK, sleep, startEndpoint, walkFiles, xmlCode, type RawResponse } from './helpers.js';

/**
 * Generated requests per endpoint. CI: 10,000 on the proxy over the filesystem store (the
 * default deployment), 3,000 on each other endpoint (19,000 in all, about 3 minutes on
 * 2 busy cores); SOAK=1: 20,000 each.
 */
const PER_ENDPOINT: Record<(typeof ENDPOINT_KINDS)[number], number> = SOAK
  ? { 'proxy/filesystem': 20_000, 'proxy/s3rver': 20_000, 'middleware/filesystem': 20_000, 'middleware/s3rver': 20_000 }
  : { 'proxy/filesystem': 10_000, 'proxy/s3rver': 3_000, 'middleware/filesystem': 3_000, 'middleware/s3rver': 3_000 };
const CONCURRENCY = 8;
const BUCKET = 'fuzz';
/**
 * Memory bounds per endpoint, from after warm-up to the end. The endpoint runs in the test
 * process, so the strict check is the heap that survives a full GC (what the server
 * retains); RSS, which also holds the fuzzer's garbage and pages V8 keeps, gets a loose one.
 */
const RETAINED_HEAP_GROWTH_LIMIT_MB = 32;
const RSS_GROWTH_LIMIT_MB = 256;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full garbage collection, in MB. */
function retainedHeapMb(): number {
  gc();
  gc();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
}

const totals = { generated: 0, backendLimits: 0, unsent: 0, rawSocket: 0, status2xx: 0, status4xx: 0, status501: 0, closed: 0, status5xx: 0, wrongAnswer: 0, slowloris: 0, hugeHeaderBytesRefused: 0 };
const perEndpoint: string[] = [];

type Req = { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; label: string };

const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><Delete><Object><Key>&lol9;</Key></Object></Delete>`;
const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>`;
const bigDelete = `<Delete>${Array.from({ length: 10_000 }, (_, i) => `<Object><Key>k/${i}.zip</Key></Object>`).join('')}</Delete>`;
const hostileKeys = ['..', '../../etc/passwd', '%2e%2e/%2e%2e/etc/fuzz-escape', 'a/../../../fuzz-escape', '%C0%AE%C0%AE/%C0%AE%C0%AE/x', 'a/%00/b', '%00', 'x%00.zip', '.', './.', 'a//b', '%2F%2F..%2F..%2Fx', 'reference.bin', 'a/reference.bin', 'v1.zip.delta', 'x'.repeat(1100), `${'%E2%82%AC'.repeat(400)}`, '%ZZ', '%', 'a%2', '%FF%FE', '\\..\\..\\x', 'CON', 'a/.tmp/x', '.tmp/../x', '_x', '~x'];
const hostileBuckets = ['A', 'ab', '..', '.', 'a'.repeat(70), '%2e%2e', '192.168.0.1', 'bad_bucket', '-abc', 'abc-', 'a..b', 'xn--abc', '%00abc', '.tmp', 'fuzz%2F..'];
const badXml = ['', '<', '<Delete>', '<Delete><Object></Object></Delete>', '<Delete><Object><Key></Key></Object></Delete>', '<<<>>>', '\u0000\u0001', '<Delete><Quiet>maybe</Quiet></Delete>', '<?xml version="1.0" encoding="UTF-7"?><Delete/>', '<a><b><c><d><e><f>'.repeat(2000), laughs, xxe];
const badComplete = ['', '<CompleteMultipartUpload>', '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>', '<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>', '<CompleteMultipartUpload><Part><PartNumber>99999999999</PartNumber><ETag>"a"</ETag></Part></CompleteMultipartUpload>', '<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>"a"</ETag></Part><Part><PartNumber>1</PartNumber><ETag>"b"</ETag></Part></CompleteMultipartUpload>', laughs.replace(/Delete/g, 'CompleteMultipartUpload'), xxe];
const badRanges = ['bytes=abc', 'bytes=5-1', 'bytes=-0', 'bytes=99999999-', 'bytes=0-1,3-4', 'bytes=--1', 'bytes=1-2-3', 'chars=0-1', 'bytes=', 'bytes=-99999999999999999999', `bytes=0-${'9'.repeat(400)}`];
const methods = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'PROPFIND'];
const subresources = ['acl', 'tagging', 'versioning', 'uploads', 'delete', 'location', 'policy', 'list-type=2&max-keys=-1', 'list-type=2&max-keys=abc', 'list-type=2&continuation-token=%ZZ', 'list-type=2&continuation-token=AAAA', 'list-type=2&encoding-type=bogus', 'uploadId=nope&partNumber=0', 'uploadId=nope&partNumber=10001', 'uploadId=nope&partNumber=-5', 'uploadId=nope', 'partNumber=1', 'max-parts=-1&uploadId=x', 'x-id=GetObject', '%ZZ=1'];

/**
 * The i-th generated request. `keyPrefix` namespaces the hostile keys per worker where the
 * backend cannot take a PUT and a DELETE racing in one directory (see below).
 */
function generate(i: number, next: () => number, uploadId: string, keyPrefix = ''): Req {
  const pick = <T>(a: T[]): T => a[next() % a.length] as T;
  switch (i % 12) {
    case 0:
      return { label: 'DeleteObjects bad XML', method: 'POST', path: `/${BUCKET}?delete`, body: pick(badXml), headers: { 'content-type': 'application/xml' } };
    case 1:
      return { label: 'CompleteMultipartUpload bad XML', method: 'POST', path: `/${BUCKET}/mp.zip?uploadId=${next() % 3 === 0 ? 'nope' : uploadId}`, body: pick(badComplete) };
    case 2:
      return { label: 'bad range', method: 'GET', path: `/${BUCKET}/${pick(['obj.zip', 'plain.bin', 'missing.zip'])}`, headers: { range: pick(badRanges) } };
    case 3:
      return { label: 'invalid bucket', method: pick(methods), path: `/${pick(hostileBuckets)}/${next() % 2 ? 'k.zip' : ''}` };
    case 4:
      return { label: 'hostile key PUT', method: 'PUT', path: `/${BUCKET}/${keyPrefix}${pick(hostileKeys)}`, body: Buffer.from(`fuzz ${i}`) };
    case 5:
      return { label: 'hostile key GET/HEAD/DELETE', method: pick(['GET', 'HEAD', 'DELETE']), path: `/${BUCKET}/${keyPrefix}${pick(hostileKeys)}` };
    case 6:
      return { label: 'subresource', method: pick(methods), path: `/${BUCKET}${next() % 2 ? '/k.zip' : ''}?${pick(subresources)}` };
    case 7:
      // The body is never sent: `connection: close` keeps the lying socket out of the pool.
      return { label: 'huge Content-Length', method: 'PUT', path: `/${BUCKET}/cl${i % 50}.zip`, headers: { connection: 'close', 'content-length': pick(['99999999999999', '6000000000000', '18446744073709551616']) }, body: undefined };
    case 8:
      return { label: 'bad headers', method: 'PUT', path: `/${BUCKET}/h${i % 50}.zip`, body: 'x', headers: pick<Record<string, string>>([{ 'content-md5': 'not-base64' }, { 'x-amz-content-sha256': 'deadbeef' }, { 'x-amz-content-sha256': 'a'.repeat(64) }, { 'x-amz-checksum-crc32': '!!!!' }, { 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }, { 'x-amz-copy-source': '/../../etc/passwd' }, { 'x-amz-copy-source': '%ZZ' }, { 'x-amz-copy-source': `/${BUCKET}` }, { 'x-amz-decoded-content-length': '-1', 'content-encoding': 'aws-chunked' }, { 'if-match': '"nope"' }, { 'x-amz-meta-a': '\u00ff\u00fe' }]) };
    case 9:
      return { label: 'aws-chunked garbage', method: 'PUT', path: `/${BUCKET}/chunk${i % 50}.zip`, headers: { 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-decoded-content-length': '10' }, body: pick(['zz\r\nabc', 'ffffffffffff\r\n', '5\r\nabc\r\n0\r\n\r\n', '0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n', '-1\r\n']) };
    case 10:
      return { label: 'random path', method: pick(methods), path: '/' + Buffer.from(Array.from({ length: next() % 40 }, () => 33 + (next() % 94))).toString('latin1').replace(/[#?]/g, '').replace(/ /g, '') };
    default:
      return i % 1000 === 11
        ? { label: '10,000-key DeleteObjects', method: 'POST', path: `/${BUCKET}?delete`, body: bigDelete }
        : { label: 'large listing params', method: 'GET', path: `/${BUCKET}?list-type=2&prefix=${'%2e%2e%2f'.repeat(200)}&delimiter=${'x'.repeat(2000)}&start-after=${'z'.repeat(1100)}` };
  }
}

/** Sends raw bytes on a fresh socket; resolves the status line's code, 0 if closed without one. */
function rawSocket(url: string, text: string | Buffer, waitMs = 5000): Promise<number> {
  const u = new URL(url);
  return new Promise((ok) => {
    const s = connect(Number(u.port), u.hostname);
    let buf = '';
    const done = (code: number): void => {
      s.destroy();
      ok(code);
    };
    const timer = setTimeout(() => done(-1), waitMs);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      if (m) {
        clearTimeout(timer);
        done(Number(m[1]));
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      ok(/^HTTP\/1\.1 (\d{3})/.exec(buf) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)![1]) : 0);
    });
    s.write(text);
  });
}

/**
 * Streams `totalBytes` of one header line (after a valid request line) until the server
 * answers or closes; resolves the status (0 = closed) and how many bytes it took.
 */
function hugeHeader(url: string, totalBytes: number): Promise<{ code: number; sent: number }> {
  const u = new URL(url);
  return new Promise((ok) => {
    const s = connect(Number(u.port), u.hostname);
    let sent = 0;
    let buf = '';
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      s.destroy();
      ok({ code: Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? 0), sent });
    };
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (/^HTTP\/1\.1 \d{3}/.test(buf)) done();
    });
    s.on('error', done);
    s.on('close', done);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    s.write(`GET /${BUCKET}/obj.zip HTTP/1.1\r\nHost: ${u.host}\r\nX-Huge: `);
    const pump = (): void => {
      while (!finished && sent < totalBytes) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      if (!finished) s.write('\r\n\r\n');
    };
    pump();
    setTimeout(done, 30_000).unref();
  });
}

/**
 * What each kind of generated request may be answered ("<status> <S3 code>", `-` when the
 * body has no code). Requests for operations deltaglider does not serve (odd methods,
 * unknown subresources) may get any S3 4xx, 405 or 501: the proxy forwards them to an S3
 * backend, whose own 4xx then answers.
 */
const ALLOWED: Record<string, RegExp> = {
  'DeleteObjects bad XML': /^(400 MalformedXML|200 -)$/,
  'CompleteMultipartUpload bad XML': /^(400 (MalformedXML|InvalidPart|InvalidPartOrder)|404 NoSuchUpload)$/,
  'bad range': /^(200 -|206 -|416 InvalidRange|404 NoSuchKey)$/,
  'invalid bucket': /^(4\d\d \w+|501 NotImplemented|200 -|204 -)$/,
  'hostile key PUT': /^(200 -|400 (InvalidArgument|KeyTooLongError|InvalidURI))$/,
  'hostile key GET/HEAD/DELETE': /^(200 -|204 -|404 NoSuchKey|400 (InvalidArgument|KeyTooLongError|InvalidURI))$/,
  subresource: /^(4\d\d \w+|501 NotImplemented|200 -|204 -)$/,
  // 2^64 does not parse: Node's HTTP parser answers a bare 400 before any S3 code runs.
  'huge Content-Length': /^(400 (EntityTooLarge|-)|0 closed)$/,
  'bad headers': /^(200 -|400 \w+|403 \w+|404 NoSuchKey|412 PreconditionFailed)$/,
  'aws-chunked garbage': /^(400 \w+|403 \w+)$/,
  'random path': /^(4\d\d \w+|501 NotImplemented|200 -|204 -)$/,
  '10,000-key DeleteObjects': /^400 MalformedXML$/,
  'large listing params': /^(200 -|400 \w+)$/,
};

/** A key with an empty segment (`a//b`): valid S3, but s3rver 3.7.1's router answers it 404 without an S3 code. */
function hasEmptyKeySegment(path: string): boolean {
  return /^\/[^/?]+\/([^?]*\/\/|\/)/.test(path);
}

interface Tally {
  generated: number;
  /** s3rver refusing what it cannot store (keys with empty segments): 503 from the backend. */
  backendLimits: number;
  unsent: number;
  status2xx: number;
  status4xx: number;
  status501: number;
  closed: number;
  status5xx: number;
  wrongAnswer: number;
  answers: Map<string, Map<string, number>>;
  problems: string[];
}

/** Is this the answer the input calls for? 5xx never; 501 only where ALLOWED says so. */
function acceptable(req: Req, r: RawResponse, answer: string): boolean {
  const allowed = ALLOWED[req.label];
  if (!allowed) return false;
  // HEAD answers carry no body and so no code: their status alone is judged.
  if (req.method === 'HEAD' && r.status >= 400) return ['Code', ...(allowed.source.match(/[A-Z]\w+/g) ?? [])].some((code) => allowed.test(`${r.status} ${code}`));
  return allowed.test(answer);
}

function classify(tally: Tally, r: RawResponse, req: Req, s3rverBackend: boolean): void {
  if (r.status === -1) {
    // Node's HTTP client refused to send it (an invalid character in the path or a header).
    tally.unsent++;
    return;
  }
  if (r.status === 503 && s3rverBackend && hasEmptyKeySegment(req.path)) {
    tally.backendLimits++;
    return;
  }
  tally.generated++;
  const answer = r.status === 0 ? '0 closed' : `${r.status} ${xmlCode(r.body) ?? '-'}`;
  const byLabel = tally.answers.get(req.label) ?? new Map<string, number>();
  tally.answers.set(req.label, byLabel);
  byLabel.set(answer, (byLabel.get(answer) ?? 0) + 1);
  if (r.status === 0) tally.closed++;
  else if (r.status === 501) tally.status501++;
  else if (r.status >= 500) tally.status5xx++;
  else if (r.status >= 400) tally.status4xx++;
  else tally.status2xx++;
  if (!acceptable(req, r, answer)) {
    tally.wrongAnswer++;
    if (tally.problems.length < 20) tally.problems.push(`${req.label}: ${req.method} ${req.path.slice(0, 80)} -> ${answer} ${r.body.toString().slice(0, 160)}`);
  }
}

for (const kind of ENDPOINT_KINDS) {
  t.test(`fuzz ${kind}`, async (t) => {
    // The endpoint's data/, temp/ and s3rver/ directories sit four levels below the
    // sandbox: a key escaping with ../ (up to four levels) would land in the sandbox.
    const sandbox = await mkdtemp(join(tmpdir(), 'dg-rel-fuzz-'));
    const root = join(sandbox, 'l1', 'l2', 'l3', 'l4');
    t.teardown(() => rm(sandbox, { recursive: true, force: true }));
    const ep = await startEndpoint(kind, { root });
    t.teardown(() => ep.close());
    const { CreateBucketCommand, PutObjectCommand, CreateMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    await ep.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'obj.zip', Body: Buffer.alloc(10_000, 7) }));
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain.bin', Body: Buffer.alloc(10_000, 8) }));
    const { UploadId } = await ep.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp.zip' }));

    const total = PER_ENDPOINT[kind];
    const tally: Tally = { generated: 0, backendLimits: 0, unsent: 0, status2xx: 0, status4xx: 0, status501: 0, closed: 0, status5xx: 0, wrongAnswer: 0, answers: new Map(), problems: [] };
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    t.teardown(() => agent.destroy());
    const next = prng(20260101);
    let i = 0;
    let rssWarm = 0;
    let heapWarm = 0;
    const started = Date.now();
    const deadline = started + (SOAK ? 1_200_000 : 600_000);
    // s3rver 3.7.1 dies (an uncaught ENOENT in its putObject) when a DELETE prunes the
    // directory a concurrent PUT is writing into: on s3rver each worker writes its hostile
    // keys under its own prefix, so PUT and DELETE of one directory never race there. The
    // filesystem store takes that race (test/core/fs-store.test.ts), so there they share keys.
    const worker = async (w: number): Promise<void> => {
      while (i < total && Date.now() < deadline) {
        const n = i++;
        if (n === Math.min(1000, total / 4)) {
          heapWarm = retainedHeapMb();
          rssWarm = Math.round(process.memoryUsage().rss / 2 ** 20);
        }
        const req = generate(n, next, UploadId as string, ep.s3 ? `w${w}/` : '');
        const r = await raw(ep.url, req.method, req.path, req.headers ?? {}, req.body, agent, 10_000);
        classify(tally, r, req, ep.s3 !== undefined);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    const seconds = Math.round((Date.now() - started) / 1000);
    t.equal(tally.generated + tally.backendLimits + tally.unsent, total, `${tally.generated} generated requests answered in ${seconds} s (${tally.unsent} the HTTP client refused to send)`);

    // What the HTTP client will not send: raw bytes on a socket.
    const host = new URL(ep.url).host;
    const rawCases: [string, string | Buffer][] = [
      ['negative Content-Length', `PUT /${BUCKET}/neg.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -1\r\n\r\n`],
      ['non-numeric Content-Length', `PUT /${BUCKET}/nn.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 12abc\r\n\r\n`],
      ['two Content-Lengths', `PUT /${BUCKET}/two.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx`],
      ['Content-Length and chunked', `PUT /${BUCKET}/cl-te.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
      ['NUL in the path', `GET /${BUCKET}/a\u0000b HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
      ['raw ../ in the path', `PUT /${BUCKET}/../../../../../fuzz-raw-escape HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1\r\n\r\nx`],
      ['raw overlong UTF-8', Buffer.concat([Buffer.from(`GET /${BUCKET}/`), Buffer.from([0xc0, 0xae, 0xc0, 0xae]), Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\n\r\n`)])],
      ['16 KB+ headers', `GET /${BUCKET}/obj.zip HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
      ['garbage request line', 'HELLO WORLD\r\n\r\n'],
      ['HTTP/0.9', `GET /\r\n\r\n`],
      ['truncated body', `PUT /${BUCKET}/trunc.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100000\r\n\r\nabc`],
    ];
    let rawFiveHundreds = 0;
    for (const [label, text] of rawCases) {
      const code = await rawSocket(ep.url, text, label === 'truncated body' ? 1500 : 5000);
      totals.rawSocket++;
      // A raw `../` is a key with .. segments (400); HTTP/0.9-style is ListBuckets.
      t.ok(code <= 0 || code < 500, `${label}: ${code <= 0 ? 'closed' : code} (no 5xx)`);
      if (code >= 500) rawFiveHundreds++;
    }

    await t.test('50 MB of headers: refused after the first kilobytes, never buffered', async (t) => {
      const rssBefore = process.memoryUsage().rss;
      const r = await hugeHeader(ep.url, 50 * 1024 * 1024);
      t.ok(r.code === 431 || r.code === 0 || r.code === 400, `answered ${r.code || 'by closing'}`);
      t.ok(r.sent < 50 * 1024 * 1024, `the server stopped it after ${Math.round(r.sent / 1024)} KiB of 50 MiB`);
      t.ok(process.memoryUsage().rss - rssBefore < 48 * 1024 * 1024, 'memory did not take the 50 MB');
      totals.rawSocket++;
      totals.hugeHeaderBytesRefused += 50 * 1024 * 1024 - r.sent;
    });

    await t.test('slowloris connections do not starve others', async (t) => {
      // The proxy bounds them with headersTimeout; the middleware lives in its host's
      // server (here a bare node:http server with Node's defaults).
      t.ok(ep.server.headersTimeout > 0 && ep.server.headersTimeout <= 60_000, `headersTimeout ${ep.server.headersTimeout} ms`);
      const sockets = Array.from({ length: 64 }, () => {
        const s = connect(Number(new URL(ep.url).port), '127.0.0.1');
        s.on('error', () => undefined);
        s.write(`GET /${BUCKET}/obj.zip HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `);
        return s;
      });
      totals.slowloris += sockets.length;
      const drip = setInterval(() => sockets.forEach((s) => s.writable && s.write('a')), 200);
      await sleep(500);
      const r = await raw(ep.url, 'GET', `/${BUCKET}/obj.zip`);
      t.equal(r.status, 200, 'a normal request is served while 64 slow connections hang');
      clearInterval(drip);
      sockets.forEach((s) => s.destroy());
    });

    const heapEnd = retainedHeapMb();
    const rssEnd = Math.round(process.memoryUsage().rss / 2 ** 20);
    t.comment(`answers by input: ${JSON.stringify(Object.fromEntries([...tally.answers].map(([k, v]) => [k, Object.fromEntries(v)])))}`);
    t.equal(tally.status5xx + rawFiveHundreds, 0, 'no 5xx');
    t.equal(tally.wrongAnswer, 0, `every answer is the S3 error its input calls for: ${tally.problems.join(' | ')}`);
    t.ok(heapEnd - heapWarm < RETAINED_HEAP_GROWTH_LIMIT_MB, `retained heap bounded: ${heapWarm} MB after warm-up -> ${heapEnd} MB after a full GC (limit +${RETAINED_HEAP_GROWTH_LIMIT_MB} MB)`);
    t.ok(rssEnd - rssWarm < RSS_GROWTH_LIMIT_MB, `RSS bounded: ${rssWarm} MB after warm-up -> ${rssEnd} MB (limit +${RSS_GROWTH_LIMIT_MB} MB)`);

    const r = await raw(ep.url, 'GET', `/${BUCKET}/obj.zip`);
    t.equal(r.status, 200, 'the process is up and serving');
    t.ok(r.body.equals(Buffer.alloc(10_000, 7)), 'data intact');

    // Nothing written outside data/, temp/ and s3rver/.
    const outside = walkFiles(sandbox).map((f) => relative(sandbox, f)).filter((f) => !/^l1\/l2\/l3\/l4\/(data|temp|s3rver)\//.test(f));
    t.same(outside, [], 'no file outside the data, temp and s3rver directories');
    const store = ep.dataDir ?? ep.s3?.directory ?? '';
    const storeFiles = walkFiles(store).map((f) => relative(store, f));
    t.same(storeFiles.filter((f) => f.split('/').some((seg) => seg === '..' || seg === '.')), [], 'no path segment . or .. in the store directory');
    if (ep.dataDir) {
      const bad = storeFiles.filter((f) => !f.split('/').every((seg, idx, all) => (idx === 0 ? seg === '.tmp' || isValidBucketName(seg) : /^[_~.]/.test(seg) || (idx === all.length - 1 && seg === '.bucket'))));
      t.same(bad, [], 'every stored file has an encoded name');
    } else {
      // s3rver keeps <bucket>/<key path>._S3rver_<resource>: every file is inside a bucket.
      const buckets = (await ep.client.send(new (await import('@aws-sdk/client-s3')).ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? [];
      t.same(storeFiles.filter((f) => !buckets.includes(f.split('/')[0])), [], `every s3rver file is inside a bucket (${buckets.join(', ')})`);
    }

    totals.generated += tally.generated;
    totals.backendLimits += tally.backendLimits;
    totals.unsent += tally.unsent;
    totals.status2xx += tally.status2xx;
    totals.status4xx += tally.status4xx;
    totals.status501 += tally.status501;
    totals.closed += tally.closed;
    totals.status5xx += tally.status5xx + rawFiveHundreds;
    totals.wrongAnswer += tally.wrongAnswer;
    perEndpoint.push(`${kind}: ${total} generated in ${seconds} s (${tally.status4xx} 4xx, ${tally.status501} 501, ${tally.status2xx} 2xx, ${tally.closed} closed, ${tally.status5xx + rawFiveHundreds} 5xx${tally.backendLimits ? `, ${tally.backendLimits} keys with empty segments refused by s3rver (503)` : ''}${tally.unsent ? `, ${tally.unsent} the HTTP client would not send` : ''}), heap after GC ${heapWarm} -> ${heapEnd} MB, RSS ${rssWarm} -> ${rssEnd} MB`);
  });
}

t.teardown(() => {
  recordResults('fuzz', {
    endpoints: ENDPOINT_KINDS.join(', '),
    'generated requests (keep-alive, 8 concurrent)': totals.generated + totals.backendLimits + totals.unsent,
    'raw-socket cases per endpoint (negative/duplicate Content-Length, NUL, overlong UTF-8, 16 KB+ and 50 MB headers, ...)': totals.rawSocket / ENDPOINT_KINDS.length,
    'slowloris connections': totals.slowloris,
    'answered 4xx': totals.status4xx,
    'answered 501 NotImplemented': totals.status501,
    'answered 2xx (valid S3 requests among the generated ones)': totals.status2xx,
    'connection closed by the server': totals.closed,
    'answers other than the S3 error their input calls for (must be 0)': totals.wrongAnswer,
    '5xx (must be 0)': totals.status5xx,
    'keys with an empty segment (a//b) refused by s3rver (503, a backend limit)': totals.backendLimits,
  }, [
    ...perEndpoint,
    `Requests per endpoint: ${Object.entries(PER_ENDPOINT).map(([k, v]) => `${k} ${v}`).join(', ')} (SOAK=1: 20,000 each). Memory is the test process's (endpoint, s3rver and fuzzer share it), after 1,000 requests and at the end: the heap that survives a full GC may grow at most ${RETAINED_HEAP_GROWTH_LIMIT_MB} MB, RSS at most ${RSS_GROWTH_LIMIT_MB} MB.`,
    'Inputs: bad XML in DeleteObjects and CompleteMultipartUpload, billion laughs, XXE, 10,000-key DeleteObjects, huge Content-Length, bad ranges, invalid bucket names, keys with .., ../../etc, %00, %C0%AE, overlong keys, unknown subresources, aws-chunked garbage, random paths; on raw sockets negative and duplicate Content-Length, NUL in the path, 50 MB of headers, slowloris.',
    's3rver 3.7.1 cannot store keys with an empty segment (`a//b`, valid S3): its router answers 404 without an S3 code, which deltaglider reports as 503 ServiceUnavailable (a backend failure); on the filesystem store such keys are stored. These are counted apart, and only on s3rver endpoints.',
    'Each endpoint\'s data, temp and s3rver directories sit four levels below a sandbox directory; the run checks that no file appears anywhere else in the sandbox, and that no stored path has a . or .. segment.',
  ]);
});
