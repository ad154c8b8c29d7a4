/**
 * Hostile input: at least 10,000 generated malformed S3 requests against the proxy
 * (filesystem store) through a keep-alive agent, 8 at a time, plus raw-socket cases
 * the HTTP client refuses to send (negative / huge Content-Length, NUL in the path),
 * oversize headers and slowloris connections. Every answer is an S3 4xx (501 for
 * unimplemented subresources) or a closed connection, never a 5xx; the process stays
 * up; memory stays bounded; nothing is written outside the data and temp directories.
 */
import t from 'tap';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { prng } from '../helpers/data.js';
import { raw, recordResults, SOAK, sleep, startProxy, walkFiles, type RawResponse } from './helpers.js';

const TOTAL = SOAK ? 50_000 : 10_000;
const CONCURRENCY = 8;
const BUCKET = 'fuzz';

const figures = { generated: 0, rawSocket: 0, status2xx: 0, status4xx: 0, status501: 0, closed: 0, status5xx: 0, rssStartMb: 0, rssEndMb: 0, slowloris: 0 };
const fiveHundreds: string[] = [];
const closedBy = new Map<string, number>();

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

function generate(i: number, next: () => number, uploadId: string): Req {
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
      return { label: 'hostile key PUT', method: 'PUT', path: `/${BUCKET}/${pick(hostileKeys)}`, body: Buffer.from(`fuzz ${i}`) };
    case 5:
      return { label: 'hostile key GET/HEAD/DELETE', method: pick(['GET', 'HEAD', 'DELETE']), path: `/${BUCKET}/${pick(hostileKeys)}` };
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

function classify(r: RawResponse, label: string): void {
  if (r.status === 0) {
    figures.closed++;
    closedBy.set(label, (closedBy.get(label) ?? 0) + 1);
  }
  else if (r.status === 501) figures.status501++;
  else if (r.status >= 500) {
    figures.status5xx++;
    if (fiveHundreds.length < 20) fiveHundreds.push(`${label}: ${r.status} ${r.body.toString().slice(0, 200)}`);
  } else if (r.status >= 400) figures.status4xx++;
  else figures.status2xx++;
}

t.test('fuzz the proxy (filesystem store)', async (t) => {
  // data/ and temp/ side by side in a sentinel directory: anything else appearing in it
  // (or above it) was written outside the allowed directories.
  const sentinel = await mkdtemp(join(tmpdir(), 'dg-rel-fuzz-'));
  const tempDir = join(sentinel, 'temp');
  await mkdir(tempDir);
  t.teardown(() => rm(sentinel, { recursive: true, force: true }));
  const ep = await startProxy({ tempDir });
  t.teardown(() => ep.close());
  const { CreateBucketCommand, PutObjectCommand, CreateMultipartUploadCommand } = await import('@aws-sdk/client-s3');
  await ep.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'obj.zip', Body: Buffer.alloc(10_000, 7) }));
  await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain.bin', Body: Buffer.alloc(10_000, 8) }));
  const { UploadId } = await ep.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp.zip' }));
  const tmpBefore = new Set(readdirSync(tmpdir()));

  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  t.teardown(() => agent.destroy());
  const next = prng(20260101);
  let i = 0;
  const started = Date.now();
  const deadline = started + (SOAK ? 600_000 : 120_000);
  const worker = async (): Promise<void> => {
    while (i < TOTAL && Date.now() < deadline) {
      const n = i++;
      if (n === 1000) figures.rssStartMb = Math.round(process.memoryUsage().rss / 2 ** 20);
      const req = generate(n, next, UploadId as string);
      const r = await raw(ep.url, req.method, req.path, req.headers ?? {}, req.body, agent, 5_000);
      figures.generated++;
      classify(r, req.label);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  figures.rssEndMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  t.ok(figures.generated >= Math.min(TOTAL, 10_000) || Date.now() >= deadline, `${figures.generated} generated requests in ${Date.now() - started} ms`);

  // What the HTTP client will not send: raw bytes on a socket.
  const host = new URL(ep.url).host;
  const rawCases: [string, string | Buffer][] = [
    ['negative Content-Length', `PUT /${BUCKET}/neg.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -1\r\n\r\n`],
    ['non-numeric Content-Length', `PUT /${BUCKET}/nn.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 12abc\r\n\r\n`],
    ['two Content-Lengths', `PUT /${BUCKET}/two.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx`],
    ['Content-Length and chunked', `PUT /${BUCKET}/cl-te.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['NUL in the path', `GET /${BUCKET}/a\u0000b HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    ['raw ../ in the path', `PUT /${BUCKET}/../../../tmp/fuzz-raw-escape HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 1\r\n\r\nx`],
    ['raw overlong UTF-8', Buffer.concat([Buffer.from(`GET /${BUCKET}/`), Buffer.from([0xc0, 0xae, 0xc0, 0xae]), Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\n\r\n`)])],
    ['16 KB+ headers', `GET /${BUCKET}/obj.zip HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['garbage request line', 'HELLO WORLD\r\n\r\n'],
    ['HTTP/0.9', `GET /\r\n\r\n`],
    ['truncated body', `PUT /${BUCKET}/trunc.zip HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100000\r\n\r\nabc`],
  ];
  for (const [label, text] of rawCases) {
    const code = await rawSocket(ep.url, text, label === 'truncated body' ? 1500 : 5000);
    figures.rawSocket++;
    // A raw `../` or an HTTP/0.9-style line is still a valid request for a (safely encoded) key or ListBuckets.
    t.ok(code <= 0 || code < 500 || code === 501, `${label}: ${code} (no 5xx)`);
    if (code >= 500 && code !== 501) figures.status5xx++;
  }
  t.comment(`closed connections by input: ${JSON.stringify(Object.fromEntries(closedBy))}`);
  t.equal(figures.status5xx, 0, `no 5xx: ${fiveHundreds.join(' | ')}`);

  await t.test('slowloris connections do not starve others and are bounded by headersTimeout', async (t) => {
    t.ok(ep.proxy!.server.headersTimeout > 0 && ep.proxy!.server.headersTimeout <= 60_000, `headersTimeout ${ep.proxy!.server.headersTimeout} ms`);
    const sockets = Array.from({ length: 64 }, () => {
      const s = connect(Number(new URL(ep.url).port), '127.0.0.1');
      s.on('error', () => undefined);
      s.write(`GET /${BUCKET}/obj.zip HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `);
      return s;
    });
    figures.slowloris += sockets.length;
    const drip = setInterval(() => sockets.forEach((s) => s.writable && s.write('a')), 200);
    await sleep(500);
    const r = await raw(ep.url, 'GET', `/${BUCKET}/obj.zip`);
    t.equal(r.status, 200, 'a normal request is served while 64 slow connections hang');
    clearInterval(drip);
    sockets.forEach((s) => s.destroy());
  });

  await t.test('afterwards', async (t) => {
    const r = await raw(ep.url, 'GET', `/${BUCKET}/obj.zip`);
    t.equal(r.status, 200, 'the process is up and serving');
    t.ok(r.body.equals(Buffer.alloc(10_000, 7)), 'data intact');
    const growth = figures.rssEndMb - figures.rssStartMb;
    t.ok(growth < 200, `RSS bounded: ${figures.rssStartMb} MB after warm-up -> ${figures.rssEndMb} MB`);
    // Nothing written outside data/ and temp/.
    const entries = readdirSync(sentinel).sort();
    t.same(entries, ['temp'].concat(ep.dataDir?.startsWith(sentinel) ? ['data'] : []).sort(), 'only temp/ (and data/) in the sentinel directory');
    const dataFiles = walkFiles(ep.dataDir as string).map((f) => relative(ep.dataDir as string, f));
    const escaped = dataFiles.filter((f) => f.split('/').some((seg) => seg === '..' || seg === '.'));
    t.same(escaped, [], 'no path segment . or .. in the data directory');
    const bad = dataFiles.filter((f) => !f.split('/').every((seg, idx, all) => (idx === 0 ? seg === '.tmp' || seg === BUCKET : /^[_~.]/.test(seg) || (idx === all.length - 1 && seg === '.bucket'))));
    t.same(bad, [], 'every stored file has an encoded name');
    const tmpAfter = readdirSync(tmpdir()).filter((n) => !tmpBefore.has(n) && /fuzz|passwd|escape/i.test(n));
    t.same(tmpAfter, [], `no escape files in ${tmpdir()}`);
    t.same(readdirSync(join(tmpdir())).filter((n) => n === 'fuzz-escape' || n === 'fuzz-raw-escape'), [], 'no ../ escape target exists');
  });
});

t.teardown(() => {
  recordResults('fuzz', {
    'generated requests (keep-alive, 8 concurrent)': figures.generated,
    'raw-socket cases (negative/duplicate Content-Length, NUL, overlong UTF-8, 16 KB+ headers, ...)': figures.rawSocket,
    'slowloris connections': figures.slowloris,
    'answered 4xx': figures.status4xx,
    'answered 501 NotImplemented': figures.status501,
    'answered 2xx (valid S3 requests among the generated ones, e.g. keys with ..)': figures.status2xx,
    'connection closed by the server': figures.closed,
    '5xx (must be 0)': figures.status5xx,
    'RSS after warm-up (MB, whole test process)': figures.rssStartMb,
    'RSS at the end (MB)': figures.rssEndMb,
  }, [
    'Inputs: bad XML in DeleteObjects and CompleteMultipartUpload, billion laughs, XXE, 10,000-key DeleteObjects, huge Content-Length, bad ranges, invalid bucket names, keys with .., ../../etc, %00, %C0%AE, overlong keys, unknown subresources, aws-chunked garbage, random paths.',
    'The filesystem store encodes every key segment (`_` + percent-encoding), so `..` cannot address a path: checked by walking the data directory.',
  ]);
});
