/**
 * Auth with credentials set: every operation without a signature, with a wrong key id,
 * a wrong secret, an expired date or a tampered signature (or tampered request) is
 * refused with 403 and the right code, for header-signed requests, presigned URLs and
 * the chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD uploads. Nothing changes.
 * The proxy's UI and its JSON API refuse every request without a live session (forged
 * cookies included), and /_/stats on the S3 port wants a signature. Secrets are only
 * ever compared in constant time.
 */
import t from 'tap';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { ENDPOINT_KINDS, getBytes, raw, recordResults, ROOT, startEndpoint, walkFiles, xmlCode } from './helpers.js';

const CREDS = { accessKeyId: 'AKIDRELIABILITY', secretAccessKey: 'reliability-secret-key' };
const BUCKET = 'authb';
const REGION = 'us-east-1';
const data = versions(20 * 1024, 2, 41);
const figures = { requests: 0, refused: 0, wrongCode: 0, accepted: 0, tamperedChunks: 0, uiRequests: 0, uiRefused: 0, adminRequests: 0, adminRefused: 0, comparisonsScanned: 0 };
const PASSWORD = 'reliability admin password';
const UI_HEADER = { 'X-DeltaGlider-UI': '1' };

class Sha256 {
  readonly #h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#h = secret !== undefined ? createHmac('sha256', toBuf(secret)) : createHash('sha256');
  }
  update(d: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(toBuf(d));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#h.digest());
  }
}

function toBuf(d: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof d === 'string') return Buffer.from(d);
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

const sha256Hex = (d: string | Buffer): string => createHash('sha256').update(d).digest('hex');

interface Op {
  name: string;
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer;
}

function ops(): Op[] {
  const del = Buffer.from('<Delete><Object><Key>k.zip</Key></Object></Delete>');
  const complete = Buffer.from('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>');
  return [
    { name: 'ListBuckets', method: 'GET', path: '/' },
    { name: 'CreateBucket', method: 'PUT', path: '/authb-new' },
    { name: 'HeadBucket', method: 'HEAD', path: `/${BUCKET}` },
    { name: 'GetBucketLocation', method: 'GET', path: `/${BUCKET}`, query: { location: '' } },
    { name: 'ListObjectsV2', method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2' } },
    { name: 'ListObjects', method: 'GET', path: `/${BUCKET}` },
    { name: 'DeleteBucket', method: 'DELETE', path: `/${BUCKET}` },
    { name: 'PutObject', method: 'PUT', path: `/${BUCKET}/new.zip`, body: data[1] as Buffer },
    { name: 'GetObject', method: 'GET', path: `/${BUCKET}/k.zip` },
    { name: 'HeadObject', method: 'HEAD', path: `/${BUCKET}/k.zip` },
    { name: 'DeleteObject', method: 'DELETE', path: `/${BUCKET}/k.zip` },
    { name: 'DeleteObjects', method: 'POST', path: `/${BUCKET}`, query: { delete: '' }, body: del, headers: { 'content-md5': createHash('md5').update(del).digest('base64') } },
    { name: 'CopyObject', method: 'PUT', path: `/${BUCKET}/copy.zip`, headers: { 'x-amz-copy-source': `/${BUCKET}/k.zip` } },
    { name: 'CreateMultipartUpload', method: 'POST', path: `/${BUCKET}/mp.zip`, query: { uploads: '' } },
    { name: 'UploadPart', method: 'PUT', path: `/${BUCKET}/mp.zip`, query: { partNumber: '1', uploadId: 'UPLOADID' }, body: data[1] as Buffer },
    { name: 'CompleteMultipartUpload', method: 'POST', path: `/${BUCKET}/mp.zip`, query: { uploadId: 'UPLOADID' }, body: complete },
    { name: 'AbortMultipartUpload', method: 'DELETE', path: `/${BUCKET}/mp.zip`, query: { uploadId: 'UPLOADID' } },
    { name: 'ListParts', method: 'GET', path: `/${BUCKET}/mp.zip`, query: { uploadId: 'UPLOADID' } },
    { name: 'ListMultipartUploads', method: 'GET', path: `/${BUCKET}`, query: { uploads: '' } },
  ];
}

function qs(query: Record<string, string> = {}): string {
  const parts = Object.entries(query).map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`));
  return parts.length ? `?${parts.join('&')}` : '';
}

async function signed(url: string, op: Op, creds: typeof CREDS, opts: { date?: Date; presign?: number; payloadHash?: string } = {}): Promise<{ path: string; headers: Record<string, string> }> {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials: creds, region: REGION, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const headers: Record<string, string> = { host: u.host, ...(op.headers ?? {}) };
  // Presigned URLs sign UNSIGNED-PAYLOAD, as @aws-sdk/s3-request-presigner does.
  headers['x-amz-content-sha256'] = opts.presign ? 'UNSIGNED-PAYLOAD' : (opts.payloadHash ?? sha256Hex(op.body ?? Buffer.alloc(0)));
  if (op.body) headers['content-length'] = String(op.body.length);
  const req = new HttpRequest({ method: op.method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: op.path, query: op.query ?? {}, headers, body: op.body });
  const out = opts.presign
    ? await signer.presign(req, { expiresIn: opts.presign, signingDate: opts.date })
    : await signer.sign(req, { signingDate: opts.date });
  const q = Object.entries(out.query ?? {}).map(([k, v]) => (v === '' || v === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`));
  return { path: op.path + (q.length ? `?${q.join('&')}` : ''), headers: out.headers as Record<string, string> };
}

function tamperSig(sig: string): string {
  const last = sig.slice(-1);
  return sig.slice(0, -1) + (last === '0' ? '1' : '0');
}

for (const kind of ENDPOINT_KINDS) {
  t.test(kind, async (t) => {
    const ep = await startEndpoint(kind, { credentials: CREDS });
    t.teardown(() => ep.close());
    await ep.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k.zip', Body: data[0] }));

    const expect403 = async (label: string, op: Op, path: string, headers: Record<string, string>, code: string | RegExp): Promise<void> => {
      const r = await raw(ep.url, op.method, path, headers, op.body);
      figures.requests++;
      t.equal(r.status, 403, `${label}: 403`);
      if (r.status === 403) figures.refused++;
      else figures.accepted++;
      if (op.method !== 'HEAD') {
        const got = xmlCode(r.body) ?? '';
        const ok = typeof code === 'string' ? got === code : code.test(got);
        if (!ok) figures.wrongCode++;
        t.ok(ok, `${label}: code ${got}`);
      }
    };

    for (const op of ops()) {
      const plainHeaders: Record<string, string> = { ...(op.headers ?? {}) };
      if (op.body) plainHeaders['content-length'] = String(op.body.length);
      await expect403(`${op.name} unsigned`, op, op.path + qs(op.query), plainHeaders, 'AccessDenied');

      const wrongKey = await signed(ep.url, op, { ...CREDS, accessKeyId: 'AKIDNOTKNOWN' });
      await expect403(`${op.name} unknown key id`, op, wrongKey.path, wrongKey.headers, 'InvalidAccessKeyId');

      const wrongSecret = await signed(ep.url, op, { ...CREDS, secretAccessKey: 'wrong-secret' });
      await expect403(`${op.name} wrong secret`, op, wrongSecret.path, wrongSecret.headers, 'SignatureDoesNotMatch');

      const good = await signed(ep.url, op, CREDS);
      const tampered = { ...good.headers, authorization: good.headers.authorization!.replace(/Signature=([0-9a-f]+)/, (_m, s: string) => `Signature=${tamperSig(s)}`) };
      await expect403(`${op.name} tampered signature`, op, good.path, tampered, 'SignatureDoesNotMatch');

      // The signature is fine, the request was changed after signing.
      const changedPath = good.path.replace(`/${BUCKET}`, `/${BUCKET}x`).replace(/^\/(\?|$)/, '/x$1');
      await expect403(`${op.name} tampered request`, op, changedPath, good.headers, 'SignatureDoesNotMatch');

      const old = await signed(ep.url, op, CREDS, { date: new Date(Date.now() - 60 * 60 * 1000) });
      await expect403(`${op.name} expired (1 h old)`, op, old.path, old.headers, /RequestTimeTooSkewed|AccessDenied/);

      // Presigned URLs.
      const pExpired = await signed(ep.url, op, CREDS, { presign: 60, date: new Date(Date.now() - 2 * 60 * 60 * 1000) });
      await expect403(`${op.name} presigned, expired`, op, pExpired.path, pExpired.headers, 'AccessDenied');
      const pGood = await signed(ep.url, op, CREDS, { presign: 600 });
      const pTampered = pGood.path.replace(/X-Amz-Signature=([0-9a-f]+)/, (_m, s: string) => `X-Amz-Signature=${tamperSig(s)}`);
      await expect403(`${op.name} presigned, tampered signature`, op, pTampered, pGood.headers, 'SignatureDoesNotMatch');
      const pWrongKey = await signed(ep.url, op, { ...CREDS, accessKeyId: 'AKIDNOTKNOWN' }, { presign: 600 });
      await expect403(`${op.name} presigned, unknown key id`, op, pWrongKey.path, pWrongKey.headers, 'InvalidAccessKeyId');
      const pWrongSecret = await signed(ep.url, op, { ...CREDS, secretAccessKey: 'nope' }, { presign: 600 });
      await expect403(`${op.name} presigned, wrong secret`, op, pWrongSecret.path, pWrongSecret.headers, 'SignatureDoesNotMatch');
    }

    await t.test('a valid presigned GET works (the checks are not simply refusing everything)', async (t) => {
      const op: Op = { name: 'GetObject', method: 'GET', path: `/${BUCKET}/k.zip` };
      const p = await signed(ep.url, op, CREDS, { presign: 600 });
      const r = await raw(ep.url, 'GET', p.path, p.headers);
      t.equal(r.status, 200, `status (${xmlCode(r.body)}: ${r.body.toString().slice(0, 300)})`);
      t.ok(r.body.equals(data[0] as Buffer), 'byte-exact');
    });

    await t.test('streaming upload: chunk signatures', async (t) => {
      const payload = Buffer.concat([data[1] as Buffer, data[1] as Buffer, data[1] as Buffer]).subarray(0, 50_000);
      const chunkSize = 16 * 1024;
      const build = async (key: string, tamper?: (i: number, chunk: Buffer) => Buffer) => {
        const date = new Date();
        const op: Op = { name: 'PutObject', method: 'PUT', path: `/${BUCKET}/${key}`, headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(payload.length) } };
        const chunks: Buffer[] = [];
        for (let i = 0; i < payload.length; i += chunkSize) chunks.push(payload.subarray(i, i + chunkSize));
        chunks.push(Buffer.alloc(0));
        const sigLen = 64;
        const encodedLen = chunks.reduce((n, c) => n + c.length.toString(16).length + ';chunk-signature='.length + sigLen + 2 + c.length + 2, 0);
        op.body = Buffer.alloc(encodedLen);
        const s = await signed(ep.url, op, CREDS, { date, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
        let prev = /Signature=([0-9a-f]+)/.exec(s.headers.authorization!)![1] as string;
        const amzDate = s.headers['x-amz-date'] as string;
        const scope = `${amzDate.slice(0, 8)}/${REGION}/s3/aws4_request`;
        const kDate = createHmac('sha256', `AWS4${CREDS.secretAccessKey}`).update(amzDate.slice(0, 8)).digest();
        const kRegion = createHmac('sha256', kDate).update(REGION).digest();
        const kService = createHmac('sha256', kRegion).update('s3').digest();
        const kSigning = createHmac('sha256', kService).update('aws4_request').digest();
        const parts: Buffer[] = [];
        for (const [i, c] of chunks.entries()) {
          const sts = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, prev, sha256Hex(''), sha256Hex(c)].join('\n');
          const sig = createHmac('sha256', kSigning).update(sts).digest('hex');
          prev = sig;
          const sent = tamper ? tamper(i, c) : c;
          parts.push(Buffer.from(`${c.length.toString(16)};chunk-signature=${sig}\r\n`), sent, Buffer.from('\r\n'));
        }
        const body = Buffer.concat(parts);
        return raw(ep.url, 'PUT', s.path, { ...s.headers, 'content-length': String(body.length) }, body);
      };
      const ok = await build('streamed.zip');
      t.equal(ok.status, 200, 'a correctly signed streaming upload is accepted');
      const flipped = await build('tampered.zip', (i, c) => {
        if (i !== 1) return c;
        const x = Buffer.from(c);
        x[100] = (x[100] as number) ^ 1;
        return x;
      });
      figures.requests++;
      figures.tamperedChunks++;
      t.equal(flipped.status, 403, 'a tampered chunk is refused');
      t.equal(xmlCode(flipped.body), 'SignatureDoesNotMatch');
      if (flipped.status === 403) figures.refused++;
      else figures.accepted++;
      const swapped = await build('swapped.zip', (i, c) => (i === 0 ? Buffer.from(c).reverse() : c));
      figures.requests++;
      figures.tamperedChunks++;
      t.equal(swapped.status, 403, 'a replaced first chunk is refused');
      if (swapped.status === 403) figures.refused++;
      else figures.accepted++;
      const list = await ep.client.send(new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({ Bucket: BUCKET }));
      t.notOk(list.Contents?.some((o) => o.Key === 'tampered.zip' || o.Key === 'swapped.zip'), 'tampered uploads were not stored');
    });

    await t.test('nothing changed', async (t) => {
      const { ListObjectsV2Command, ListBucketsCommand } = await import('@aws-sdk/client-s3');
      const list = await ep.client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      t.same(list.Contents?.map((o) => o.Key).sort(), ['k.zip', 'streamed.zip'], 'only the legitimately written objects');
      const buckets = await ep.client.send(new ListBucketsCommand({}));
      t.same(buckets.Buckets?.map((b) => b.Name), [BUCKET], 'no bucket created or deleted');
      t.ok((await getBytes(ep.client, BUCKET, 'k.zip')).body?.equals(data[0] as Buffer), 'k.zip intact');
    });
  });
}

for (const kind of ['proxy/filesystem', 'proxy/s3rver'] as const) {
  t.test(`${kind}: the UI, its API and /_/stats are closed too`, async (t) => {
    const ep = await startEndpoint(kind, { credentials: CREDS, ui: { adminPassword: PASSWORD } });
    t.teardown(() => ep.close());
    await ep.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k.zip', Body: data[0] }));
    const ui = ep.uiUrl as string;
    const refusedUi = async (label: string, res: Response, status = 401): Promise<void> => {
      const body = await res.text();
      figures.uiRequests++;
      t.equal(res.status, status, `${label}: ${status}`);
      if (res.status === status) figures.uiRefused++;
      t.notMatch(body, new RegExp(BUCKET), `${label}: no bucket name in the answer`);
    };

    await t.test('every UI data endpoint refuses requests without a live session', async () => {
      const reads = ['/stats', '/metrics', '/api/buckets', `/api/objects?bucket=${BUCKET}`, `/api/object?bucket=${BUCKET}&key=k.zip`, `/api/deltaspaces?bucket=${BUCKET}`, `/api/download?bucket=${BUCKET}&key=k.zip`];
      const cookies = [undefined, 'dg_session=forged', `dg_session=${'A'.repeat(43)}`, 'dg_session=', 'dg_session=../../etc/passwd', `other=1; dg_session=${'x'.repeat(5000)}`];
      for (const path of reads) {
        for (const cookie of cookies) await refusedUi(`GET ${path} ${cookie ? `with ${cookie.slice(0, 40)}` : 'without a session'}`, await fetch(ui + path, { headers: cookie ? { cookie } : {} }));
      }
      await refusedUi('upload without a session', await fetch(`${ui}/api/upload?bucket=${BUCKET}&key=b.txt`, { method: 'PUT', headers: UI_HEADER, body: 'x' }));
      await refusedUi('delete without a session', await fetch(`${ui}/api/object?bucket=${BUCKET}&key=k.zip`, { method: 'DELETE', headers: UI_HEADER }));
    });

    await t.test('logins with a wrong key id, secret or password are refused; cross-site logins too', async () => {
      const login = (body: unknown, headers: Record<string, string> = UI_HEADER) => fetch(`${ui}/api/login`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      await refusedUi('login with a wrong secret', await login({ accessKeyId: CREDS.accessKeyId, secretAccessKey: 'wrong' }));
      await refusedUi('login with an unknown key id', await login({ accessKeyId: 'AKIDNOTKNOWN', secretAccessKey: CREDS.secretAccessKey }));
      await refusedUi('login with a wrong password', await login({ password: 'wrong' }));
      await refusedUi('login with nothing', await login({}));
      await refusedUi('login with non-strings', await login({ accessKeyId: [CREDS.accessKeyId], secretAccessKey: { s: CREDS.secretAccessKey }, password: [PASSWORD] }));
      await refusedUi('login without the UI header (a cross-site form)', await login(CREDS, {}), 403);
      await refusedUi('login from another origin', await login(CREDS, { ...UI_HEADER, Origin: 'http://evil.example' }), 403);
      // The checks are not simply refusing everything: the right keys open a session.
      const ok = await login(CREDS);
      t.equal(ok.status, 200, 'the right keys log in');
      const cookie = ok.headers.get('set-cookie')?.split(';')[0] as string;
      const buckets = await fetch(`${ui}/api/buckets`, { headers: { cookie } });
      t.equal(buckets.status, 200, 'and see the buckets');
      t.match(await buckets.text(), new RegExp(BUCKET));
      await refusedUi('a state change with a session but without the UI header', await fetch(`${ui}/api/object?bucket=${BUCKET}&key=k.zip`, { method: 'DELETE', headers: { cookie } }), 403);
      await fetch(`${ui}/api/logout`, { method: 'POST', headers: { ...UI_HEADER, cookie } });
      await refusedUi('the session after logout', await fetch(`${ui}/api/buckets`, { headers: { cookie } }));
      t.equal((await fetch(`${ui}/health`)).status, 200, '/health stays open for monitors');
    });

    await t.test('/_/stats on the S3 port needs a signature; /_/health and /_/metrics name no bucket', async () => {
      const op: Op = { name: 'AdminStats', method: 'GET', path: '/_/stats' };
      const refusedAdmin = async (label: string, path: string, headers: Record<string, string>, code: string) => {
        const r = await raw(ep.url, 'GET', path, headers);
        figures.adminRequests++;
        t.equal(r.status, 403, `${label}: 403`);
        t.equal(xmlCode(r.body), code, `${label}: ${code}`);
        if (r.status === 403) figures.adminRefused++;
        t.notMatch(r.body.toString(), new RegExp(BUCKET), `${label}: no bucket name`);
      };
      await refusedAdmin('unsigned', '/_/stats', {}, 'AccessDenied');
      const wrongSecret = await signed(ep.url, op, { ...CREDS, secretAccessKey: 'wrong-secret' });
      await refusedAdmin('wrong secret', wrongSecret.path, wrongSecret.headers, 'SignatureDoesNotMatch');
      const wrongKey = await signed(ep.url, op, { ...CREDS, accessKeyId: 'AKIDNOTKNOWN' });
      await refusedAdmin('unknown key id', wrongKey.path, wrongKey.headers, 'InvalidAccessKeyId');
      const good = await signed(ep.url, op, CREDS);
      await refusedAdmin('tampered signature', good.path, { ...good.headers, authorization: good.headers.authorization!.replace(/Signature=([0-9a-f]+)/, (_m, sig: string) => `Signature=${tamperSig(sig)}`) }, 'SignatureDoesNotMatch');
      const expired = await signed(ep.url, op, CREDS, { presign: 60, date: new Date(Date.now() - 2 * 60 * 60 * 1000) });
      await refusedAdmin('presigned, expired', expired.path, expired.headers, 'AccessDenied');
      const ok = await raw(ep.url, 'GET', good.path, good.headers);
      t.equal(ok.status, 200, 'a signed /_/stats answers');
      t.match(ok.body.toString(), new RegExp(BUCKET), 'with the buckets');
      const presigned = await signed(ep.url, op, CREDS, { presign: 300 });
      t.equal((await raw(ep.url, 'GET', presigned.path, presigned.headers)).status, 200, 'a presigned /_/stats answers');
      for (const path of ['/_/health', '/_/metrics']) {
        const r = await raw(ep.url, 'GET', path);
        t.equal(r.status, 200, `${path} stays open (load balancers, Prometheus)`);
        t.notMatch(r.body.toString(), new RegExp(BUCKET), `${path} names no bucket`);
      }
    });
  });
}

t.test('secrets are compared in constant time', async (t) => {
  // Signatures (header, presigned, chunk and trailer), UI secrets and passwords go through
  // crypto.timingSafeEqual: src/s3/sigv4/signing.ts signaturesEqual, src/ui/auth.ts safeEqual.
  const { signaturesEqual } = await import('../../src/s3/sigv4/index.js');
  const { safeEqual } = await import('../../src/ui/auth.js');
  const sig = 'a'.repeat(64);
  t.ok(signaturesEqual(sig, sig) && !signaturesEqual(sig, `${'a'.repeat(63)}b`) && !signaturesEqual(sig, 'a'.repeat(63)), 'signaturesEqual compares');
  t.ok(safeEqual('secret', 'secret') && !safeEqual('secret', 'secreT') && !safeEqual('secret', 'secret2'), 'safeEqual compares');
  for (const [file, fn] of [['src/s3/sigv4/signing.ts', 'signaturesEqual'], ['src/ui/auth.ts', 'safeEqual']] as const) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const body = text.slice(text.indexOf(`export function ${fn}`), text.indexOf('\n}\n', text.indexOf(`export function ${fn}`)));
    t.match(body, /timingSafeEqual\(/, `${fn} uses crypto.timingSafeEqual`);
  }
  // No comparison in src/ puts a signature, secret, password or session token on either
  // side of ===, !==, == or != (checks against undefined, null, literals and typeof aside).
  const CMP = /(typeof\s+)?([\w$.#]+|'[^']*'|"[^"]*"|`[^`]*`)\s*([!=]==?)\s*([\w$.#]+|'[^']*'|"[^"]*")/g;
  const literal = (x: string): boolean => /^(undefined|null|true|false|-?\d[\d_.]*|'.*'|".*"|`.*`)$/.test(x);
  const secretName = (x: string): boolean => /(signature|secret|password|token)/i.test(x) && !/continuation/i.test(x) && !/^[A-Z_]+$/.test(x.split('.').pop() as string);
  const offenders: string[] = [];
  for (const file of walkFiles(join(ROOT, 'src')).filter((f) => f.endsWith('.ts'))) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      for (const m of line.matchAll(CMP)) {
        figures.comparisonsScanned++;
        const [, isTypeof, a = '', , b = ''] = m;
        if (isTypeof || literal(a) || literal(b)) continue;
        if (secretName(a) || secretName(b)) offenders.push(`${relative(ROOT, file)}:${i + 1}: ${m[0]}`);
      }
    });
  }
  t.ok(figures.comparisonsScanned > 100, `${figures.comparisonsScanned} comparisons scanned`);
  t.same(offenders, [], 'no secret compared with === / !==');
});

t.teardown(() => {
  recordResults('auth', {
    endpoints: ENDPOINT_KINDS.join(', '),
    'operations covered': ops().length,
    'forged requests (unsigned, unknown key, wrong secret, tampered signature, tampered request, expired; presigned: expired, tampered, unknown key, wrong secret)': figures.requests,
    'refused with 403': figures.refused,
    'accepted (must be 0)': figures.accepted,
    'wrong error code': figures.wrongCode,
    'tampered aws-chunked uploads': figures.tamperedChunks,
    'UI requests without a live session, forged cookies or wrong logins (proxy x filesystem, s3rver)': figures.uiRequests,
    'UI requests refused (401, or 403 for cross-site)': figures.uiRefused,
    'unsigned or forged /_/stats requests refused with 403': `${figures.adminRefused} of ${figures.adminRequests}`,
    'comparisons in src/ scanned for secrets compared with ===': figures.comparisonsScanned,
  }, [
    'The UI runs with the proxy only (the middleware has none), so the UI checks run on proxy/filesystem and proxy/s3rver.',
    'With client keys set, /_/stats (it names every bucket) needs a SigV4 signature on the S3 port; /_/health and /_/metrics carry no bucket or object name and stay open for load balancers and Prometheus.',
    'Constant time: signatures (header, presigned, aws-chunked chunk and trailer) are compared by signaturesEqual (src/s3/sigv4/signing.ts), UI keys and the admin password by safeEqual (src/ui/auth.ts), both crypto.timingSafeEqual; a scan of src/ finds no secret on either side of === or !==.',
  ]);
});
