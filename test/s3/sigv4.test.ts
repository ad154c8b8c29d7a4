import t from 'tap';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Error, renderErrorXml, toS3Error } from '../../src/s3/error-table.js';
import {
  EMPTY_SHA256,
  PayloadHashVerifier,
  canonicalQueryString,
  canonicalUriCandidates,
  deriveSigningKey,
  detectAuthType,
  parseRawQuery,
  uriEncode,
  verifySigV4,
  type SigV4Context,
  type SigV4Options,
  type SigV4Request,
} from '../../src/s3/sigv4/index.js';
import { parseDeleteObjects } from '../../src/s3/xml-parse.js';
import { renderDeleteResult, renderListObjectsV2Result } from '../../src/s3/xml-render.js';
import { Sha256 } from '../../src/reverse-proxy/sha256.js';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const OTHER = { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' };
const KEYS = [CREDS, OTHER];
const NOW = new Date('2025-03-04T05:06:07Z');

function signer(creds = CREDS, region = 'us-east-1') {
  return new SignatureV4({ credentials: creds, region, service: 's3', sha256: Sha256, uriEscapePath: false });
}

/** What the S3 SDK puts on the wire for a key: each segment extended-encodeURIComponent'ed. */
function sdkPath(bucket: string, key: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `/${bucket}/${key.split('/').map(enc).join('/')}`;
}

function rawQuery(query: Record<string, string | string[] | null | undefined>): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined) parts.push(enc(k));
    else for (const one of Array.isArray(v) ? v : [v]) parts.push(`${enc(k)}=${enc(one)}`);
  }
  return parts.join('&');
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

interface Spec {
  method?: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

async function signed(spec: Spec, opts: { creds?: typeof CREDS; date?: Date; region?: string } = {}): Promise<SigV4Request> {
  const req = new HttpRequest({
    method: spec.method ?? 'GET',
    protocol: 'http:',
    hostname: 'localhost',
    port: 9000,
    path: spec.path,
    query: spec.query ?? {},
    headers: {
      host: 'localhost:9000',
      'x-amz-content-sha256': spec.body === undefined ? EMPTY_SHA256 : createHash('sha256').update(spec.body).digest('hex'),
      ...spec.headers,
    },
  });
  const out = await signer(opts.creds, opts.region).sign(req, { signingDate: opts.date ?? NOW });
  return { method: out.method, path: out.path, query: rawQuery(out.query as Record<string, string>), headers: lower(out.headers) };
}

async function presigned(spec: Spec, opts: { creds?: typeof CREDS; date?: Date; expiresIn?: number } = {}): Promise<SigV4Request> {
  const req = new HttpRequest({
    method: spec.method ?? 'GET',
    protocol: 'http:',
    hostname: 'localhost',
    port: 9000,
    path: spec.path,
    query: spec.query ?? {},
    // What @aws-sdk/s3-request-presigner does before presigning.
    headers: { host: 'localhost:9000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...spec.headers },
  });
  const out = await signer(opts.creds).presign(req, { signingDate: opts.date ?? NOW, expiresIn: opts.expiresIn ?? 3600 });
  return { method: out.method, path: out.path, query: rawQuery(out.query as Record<string, string>), headers: lower(out.headers) };
}

async function failCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    return err instanceof S3Error ? err.s3Code : `non-S3Error: ${String(err)}`;
  }
}

const verifyAt = (req: SigV4Request, options: SigV4Options = {}) => verifySigV4(req, KEYS, { now: NOW, ...options });

const TRICKY_KEYS = [
  'plain.txt',
  'with space.bin',
  'ünïcødé/файл/文件.dat',
  'a+b=c&d',
  '100%/50%25',
  'a//b///c',
  '~tilde-_.',
  "star*quote'(paren)!",
  'emoji/😀 x',
  'dir/',
  'semi;colon,comma:colon@at$dollar',
];

t.test('uriEncode and canonical query follow the AWS rules', async (t) => {
  t.equal(uriEncode('a b+c~d_e-f.g/h*i'), 'a%20b%2Bc~d_e-f.g%2Fh%2Ai');
  t.equal(uriEncode('a/b', false), 'a/b');
  t.equal(uriEncode('ü'), '%C3%BC');
  t.same(parseRawQuery('uploads&prefix=a%20b&x=1=2&&y='), [
    ['uploads', ''],
    ['prefix', 'a b'],
    ['x', '1=2'],
    ['y', ''],
  ]);
  t.equal(canonicalQueryString(parseRawQuery('b=2&a=2&a=1&uploads&c=%7e')), 'a=1&a=2&b=2&c=~&uploads=');
  t.equal(canonicalQueryString(parseRawQuery('X-Amz-Signature=abc&a=1'), 'X-Amz-Signature'), 'a=1');
  t.throws(() => parseRawQuery('a=%zz'), S3Error);
  t.equal(await failCode(Promise.resolve().then(() => parseRawQuery('a=%zz'))), 'InvalidURI');
  t.same(canonicalUriCandidates('/b/a(1)'), ['/b/a(1)', '/b/a%281%29']);
  t.same(canonicalUriCandidates('/b/%7e%2f'), ['/b/%7e%2f', '/b/~%2F']);
  t.same(canonicalUriCandidates('/b/%zz'), ['/b/%zz']);
  t.same(canonicalUriCandidates(''), ['/']);
});

t.test('deriveSigningKey matches the AWS documentation example', async (t) => {
  // From the SigV4 docs ("Examples of how to derive a signing key").
  const key = deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
  t.equal(key.toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
});

t.test('header auth: real signer, tricky keys', async (t) => {
  for (const key of TRICKY_KEYS) {
    const req = await signed({ path: sdkPath('bucket', key), query: { 'response-content-type': 'text/plain; charset=utf-8', partNumber: '1' } });
    const ctx = await verifyAt(req);
    t.equal(ctx.accessKeyId, CREDS.accessKeyId, `verified ${JSON.stringify(key)}`);
    t.equal(ctx.payloadMode, 'sha256');
    t.equal(ctx.payloadHash, EMPTY_SHA256);
    t.equal(ctx.authType, 'header');
    t.equal(ctx.scope, '20250304/us-east-1/s3/aws4_request');
    t.equal(ctx.amzDate, '20250304T050607Z');
    t.equal(ctx.region, 'us-east-1');
    t.match(ctx.seedSignature, /^[0-9a-f]{64}$/);
    t.same(ctx.signingKey, deriveSigningKey(CREDS.secretAccessKey, '20250304', 'us-east-1'));
  }
});

t.test('header auth: path given with its query still attached', async (t) => {
  const req = await signed({ path: '/bucket/k', query: { uploads: '' } });
  const ctx = await verifySigV4({ method: req.method, path: `${req.path}?${req.query}`, headers: req.headers }, KEYS, { now: NOW });
  t.equal(ctx.accessKeyId, CREDS.accessKeyId);
});

t.test('header auth: client sent reserved characters raw but signed them encoded', async (t) => {
  const req = await signed({ path: '/bucket/a%28b%29%21%2A%27' });
  const ctx = await verifyAt({ ...req, path: "/bucket/a(b)!*'" });
  t.equal(ctx.accessKeyId, CREDS.accessKeyId);
  // Lower-case hex on the wire, upper-case in the signature.
  const req2 = await signed({ path: '/bucket/%C3%BC' });
  t.equal((await verifyAt({ ...req2, path: '/bucket/%c3%bc' })).accessKeyId, CREDS.accessKeyId);
});

t.test('header auth: credential lookup function (sync and async)', async (t) => {
  const req = await signed({ path: '/bucket/k' });
  t.equal((await verifySigV4(req, (id) => (id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined), { now: NOW })).accessKeyId, CREDS.accessKeyId);
  t.equal((await verifySigV4(req, async (id) => (id === CREDS.accessKeyId ? CREDS : undefined), { now: NOW })).accessKeyId, CREDS.accessKeyId);
  t.equal(await failCode(verifySigV4(req, async () => undefined, { now: NOW })), 'InvalidAccessKeyId');
});

t.test('header auth failures', async (t) => {
  const base = await signed({ path: sdkPath('bucket', 'a b/c'), query: { 'list-type': '2', prefix: 'x y' }, headers: { 'x-amz-meta-color': 'blue' } });
  t.equal((await verifyAt(base)).accessKeyId, CREDS.accessKeyId);

  t.equal(await failCode(verifySigV4(base, [{ ...CREDS, secretAccessKey: 'wrong' }], { now: NOW })), 'SignatureDoesNotMatch', 'wrong secret');
  t.equal(await failCode(verifySigV4(base, [OTHER], { now: NOW })), 'InvalidAccessKeyId', 'unknown access key');
  t.equal(await failCode(verifyAt({ ...base, headers: { ...base.headers, 'x-amz-meta-color': 'red' } })), 'SignatureDoesNotMatch', 'tampered header');
  t.equal(await failCode(verifyAt({ ...base, path: sdkPath('bucket', 'a b/d') })), 'SignatureDoesNotMatch', 'tampered path');
  t.equal(await failCode(verifyAt({ ...base, query: base.query!.replace('prefix=x%20y', 'prefix=x%20z') })), 'SignatureDoesNotMatch', 'tampered query');
  t.equal(await failCode(verifyAt({ ...base, query: `${base.query}&extra=1` })), 'SignatureDoesNotMatch', 'added query param');
  t.equal(await failCode(verifyAt({ ...base, method: 'DELETE' })), 'SignatureDoesNotMatch', 'tampered method');
  t.equal(await failCode(verifyAt({ ...base, headers: { ...base.headers, host: 'evil:9000' } })), 'SignatureDoesNotMatch', 'tampered host');
  t.equal(await failCode(verifyAt({ ...base, headers: { ...base.headers, 'x-amz-acl': 'public-read' } })), 'AccessDenied', 'unsigned x-amz header');
  t.equal((await verifyAt({ ...base, headers: { ...base.headers, 'x-amz-acl': 'public-read' } }, { requireSignedAmzHeaders: false })).accessKeyId, CREDS.accessKeyId);
  t.equal(await failCode(verifyAt(base, { now: NOW.getTime() + 16 * 60_000 })), 'RequestTimeTooSkewed', 'server clock ahead');
  t.equal(await failCode(verifyAt(base, { now: NOW.getTime() - 16 * 60_000 })), 'RequestTimeTooSkewed', 'server clock behind');
  t.equal((await verifyAt(base, { now: NOW.getTime() + 14 * 60_000 })).accessKeyId, CREDS.accessKeyId, 'within skew');
  t.equal(await failCode(verifyAt(base, { region: 'eu-west-1' })), 'AuthorizationHeaderMalformed', 'wrong region');
  t.equal((await verifyAt(base, { region: 'us-east-1' })).region, 'us-east-1');

  const { 'x-amz-content-sha256': _sha, ...noSha } = base.headers as Record<string, string>;
  void _sha;
  t.equal(await failCode(verifyAt({ ...base, headers: noSha })), 'InvalidRequest', 'missing x-amz-content-sha256');
  const { 'x-amz-date': _date, ...noDate } = base.headers as Record<string, string>;
  void _date;
  t.equal(await failCode(verifyAt({ ...base, headers: noDate })), 'AccessDenied', 'no date');

  const auth = base.headers.authorization as string;
  const withAuth = (a: string) => verifyAt({ ...base, headers: { ...base.headers, authorization: a } });
  t.equal(await failCode(withAuth('AWS AKIDEXAMPLE:abc')), 'InvalidRequest', 'SigV2');
  t.equal(await failCode(verifyAt({ method: 'GET', path: '/bucket/k', query: 'AWSAccessKeyId=AKIDEXAMPLE&Expires=1&Signature=abc', headers: { host: 'x' } })), 'InvalidRequest', 'SigV2 presigned URL');
  t.equal(await failCode(withAuth(auth.replace(/, Signature=.*/, ''))), 'AuthorizationHeaderMalformed', 'no Signature');
  t.equal(await failCode(withAuth(auth.replace('/s3/', '/ec2/'))), 'AuthorizationHeaderMalformed', 'wrong service');
  t.equal(await failCode(withAuth(auth.replace('20250304/', '20250305/'))), 'AuthorizationHeaderMalformed', 'credential date mismatch');
  t.equal(await failCode(withAuth(auth.replace('Credential=', 'Credential=x'))), 'InvalidAccessKeyId');
  t.equal(await failCode(withAuth(auth.replace(/Signature=[0-9a-f]{8}/, 'Signature=00000000'))), 'SignatureDoesNotMatch');
  t.equal(await failCode(withAuth(auth.replace(/Signature=[0-9a-f]+/, 'Signature=abc'))), 'SignatureDoesNotMatch', 'short signature');
  t.equal(await failCode(withAuth(auth.replace('SignedHeaders=host;', 'SignedHeaders='))), 'AuthorizationHeaderMalformed', 'host not signed');

  t.equal(await failCode(verifyAt({ ...base, query: `${base.query}&X-Amz-Algorithm=AWS4-HMAC-SHA256` })), 'InvalidArgument', 'two auth mechanisms');
  t.equal(await failCode(verifyAt({ method: 'GET', path: '/bucket/k', headers: { host: 'x' } })), 'AccessDenied', 'anonymous');

  // The error carries S3's diagnostics.
  try {
    await verifySigV4(base, [{ ...CREDS, secretAccessKey: 'wrong' }], { now: NOW });
  } catch (err) {
    const info = toS3Error(err);
    t.equal(info.status, 403);
    t.match(info.extra?.CanonicalRequest, /^GET\n\/bucket\/a%20b\/c\n/);
    t.match(info.extra?.StringToSign, /^AWS4-HMAC-SHA256\n20250304T050607Z\n/);
  }
});

t.test('payload modes from x-amz-content-sha256', async (t) => {
  const modes: [string, string][] = [
    ['UNSIGNED-PAYLOAD', 'unsigned'],
    ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'streaming-signed'],
    ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'streaming-signed-trailer'],
    ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'streaming-unsigned-trailer'],
  ];
  for (const [value, mode] of modes) {
    const headers: Record<string, string> = { 'x-amz-content-sha256': value, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '1234' };
    if (value.endsWith('TRAILER')) headers['x-amz-trailer'] = 'x-amz-checksum-crc32';
    const ctx: SigV4Context = await verifyAt(await signed({ method: 'PUT', path: '/b/k', headers }));
    t.equal(ctx.payloadMode, mode, value);
    if (mode !== 'unsigned') t.equal(ctx.decodedContentLength, 1234);
    if (value.endsWith('TRAILER')) t.same(ctx.trailerNames, ['x-amz-checksum-crc32']);
  }
  const noLen = await signed({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' } });
  t.equal(await failCode(verifyAt(noLen)), 'MissingContentLength');
  const bogus = await signed({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': 'nonsense' } });
  t.equal(await failCode(verifyAt(bogus)), 'InvalidArgument');
  const v4a = await signed({ method: 'PUT', path: '/b/k', headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' } });
  t.equal(await failCode(verifyAt(v4a)), 'NotImplemented');
});

t.test('PayloadHashVerifier', async (t) => {
  const body = Buffer.from('hello world');
  const hex = createHash('sha256').update(body).digest('hex');
  const out: Buffer[] = [];
  await pipeline(Readable.from([body.subarray(0, 4), body.subarray(4)]), new PayloadHashVerifier(hex.toUpperCase()), async (s) => {
    for await (const c of s) out.push(c as Buffer);
  });
  t.same(Buffer.concat(out), body);
  const err = await pipeline(Readable.from([Buffer.from('hello w0rld')]), new PayloadHashVerifier(hex), async (s) => {
    for await (const _ of s) void _;
  }).catch((e: unknown) => e);
  t.ok(err instanceof S3Error);
  t.equal((err as S3Error).s3Code, 'XAmzContentSHA256Mismatch');
  t.equal((err as S3Error).status, 400);
});

t.test('presigned URLs', async (t) => {
  for (const key of TRICKY_KEYS) {
    const req = await presigned({ path: sdkPath('bucket', key), query: { 'response-content-disposition': 'attachment; filename="x y.txt"' } });
    t.equal(detectAuthType(req), 'presigned');
    const ctx = await verifyAt(req);
    t.equal(ctx.authType, 'presigned', `presigned ${JSON.stringify(key)}`);
    t.equal(ctx.payloadMode, 'unsigned');
  }
  const req = await presigned({ method: 'PUT', path: '/bucket/k', headers: { 'content-type': 'text/plain' } }, { expiresIn: 600 });
  t.equal((await verifyAt(req, { now: NOW.getTime() + 599_000 })).accessKeyId, CREDS.accessKeyId, 'just before expiry');
  const code = await failCode(verifyAt(req, { now: NOW.getTime() + 601_000 }));
  t.equal(code, 'AccessDenied', 'expired');
  try {
    await verifyAt(req, { now: NOW.getTime() + 601_000 });
  } catch (err) {
    t.equal((err as Error).message, 'Request has expired');
  }
  t.equal(await failCode(verifyAt(req, { now: NOW.getTime() - 16 * 60_000 })), 'AccessDenied', 'not valid yet');
  t.equal((await verifyAt(req, { now: NOW.getTime() - 10 * 60_000 })).accessKeyId, CREDS.accessKeyId, 'future within skew');
  t.equal(await failCode(verifySigV4(req, [{ ...CREDS, secretAccessKey: 'nope' }], { now: NOW })), 'SignatureDoesNotMatch', 'wrong secret');
  t.equal(await failCode(verifySigV4(req, [OTHER], { now: NOW })), 'InvalidAccessKeyId', 'wrong access key');
  t.equal(await failCode(verifyAt({ ...req, path: '/bucket/k2' })), 'SignatureDoesNotMatch', 'tampered path');
  t.equal(await failCode(verifyAt({ ...req, method: 'GET' })), 'SignatureDoesNotMatch', 'tampered method');
  t.equal(await failCode(verifyAt({ ...req, headers: { ...req.headers, 'content-type': 'text/html' } })), 'SignatureDoesNotMatch', 'tampered signed header');
  t.equal(await failCode(verifyAt({ ...req, query: `${req.query}&x-id=PutObject` })), 'SignatureDoesNotMatch', 'added query param');
  t.equal(await failCode(verifyAt({ ...req, query: req.query!.replace('X-Amz-Expires=600', 'X-Amz-Expires=6000') })), 'SignatureDoesNotMatch', 'extended expiry');
  t.equal(
    await failCode(verifyAt({ ...req, query: req.query!.replace('X-Amz-Expires=600', 'X-Amz-Expires=604801') })),
    'AccessDenied',
    'expiry over a week: 403, as S3 and Ceph RGW answer',
  );
  t.equal(await failCode(verifyAt({ ...req, query: req.query!.replace('X-Amz-Expires=600', 'X-Amz-Expires=0') })), 'AccessDenied', 'expiry 0');
  t.equal(await failCode(verifyAt({ ...req, query: req.query!.replace(/&?X-Amz-Date=[^&]+/, '') })), 'AuthorizationQueryParametersError', 'missing param');
  t.equal(await failCode(verifyAt({ ...req, query: req.query!.replace('X-Amz-Expires=600', 'X-Amz-Expires=-1') })), 'AccessDenied', 'negative expiry');
  t.equal(await failCode(verifyAt({ ...req, query: req.query!.replace('X-Amz-Expires=600', 'X-Amz-Expires=soon') })), 'AuthorizationQueryParametersError', 'non-numeric expiry');
  t.equal(await failCode(verifyAt(req, { region: 'eu-central-1' })), 'AuthorizationQueryParametersError', 'wrong region');
});

// ---------------------------------------------------------------------------------------
// End to end: the real S3Client against a node:http server that verifies with verifySigV4.

interface Seen {
  ctx?: SigV4Context;
  body?: Buffer;
  path?: string;
}

function startServer(seen: Seen[]) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q + 1);
      try {
        const ctx = await verifySigV4({ method: req.method ?? 'GET', path, query, headers: req.headers }, KEYS);
        const chunks: Buffer[] = [];
        const sink = async (s: AsyncIterable<Buffer>) => {
          for await (const c of s) chunks.push(c);
        };
        if (ctx.payloadMode === 'sha256') await pipeline(req, new PayloadHashVerifier(ctx.payloadHash!), sink);
        else await pipeline(req, sink);
        const body = Buffer.concat(chunks);
        seen.push({ ctx, body, path });
        const pairs = parseRawQuery(query);
        const has = (n: string) => pairs.some(([k]) => k === n);
        if (req.method === 'POST' && has('delete')) {
          const parsed = parseDeleteObjects(body);
          res.setHeader('content-type', 'application/xml');
          res.end(renderDeleteResult({ deleted: parsed.keys, errors: [] }, { quiet: parsed.quiet }));
        } else if (req.method === 'GET' && has('list-type')) {
          const prefix = pairs.find(([k]) => k === 'prefix')?.[1] ?? '';
          res.setHeader('content-type', 'application/xml');
          res.end(
            renderListObjectsV2Result({
              bucket: 'bucket',
              prefix,
              maxKeys: 1000,
              result: {
                objects: [{ key: `${prefix}k+ü x`, size: 3, etag: 'abc', lastModified: new Date('2024-01-02T03:04:05.678Z'), storageType: 'delta', storedSize: 1 }],
                commonPrefixes: [],
                isTruncated: false,
              },
            }),
          );
        } else if (req.method === 'GET') {
          res.setHeader('etag', '"abc"');
          res.end(decodeURIComponent(path));
        } else {
          res.setHeader('etag', '"abc"');
          res.end();
        }
      } catch (err) {
        const info = toS3Error(err);
        res.statusCode = info.status;
        res.setHeader('content-type', 'application/xml');
        res.end(renderErrorXml({ code: info.code, message: info.message, resource: path, requestId: 'test', ...(info.extra ? { extra: info.extra } : {}) }));
      }
    })();
  });
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

t.test('end to end with @aws-sdk/client-s3', async (t) => {
  const seen: Seen[] = [];
  const srv = await startServer(seen);
  t.teardown(srv.close);
  const client = (creds = CREDS) =>
    new S3Client({ endpoint: srv.url, region: 'us-east-1', forcePathStyle: true, credentials: creds, maxAttempts: 1 });
  const s3 = client();
  t.teardown(() => s3.destroy());

  for (const key of TRICKY_KEYS) {
    const get = await s3.send(new GetObjectCommand({ Bucket: 'bucket', Key: key }));
    t.equal(await get.Body!.transformToString(), `/bucket/${key}`, `GET ${JSON.stringify(key)}`);
    await s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: key, Body: Buffer.from(`body of ${key}`) }));
    const last = seen[seen.length - 1]!;
    t.equal(last.body!.toString(), `body of ${key}`, `PUT ${JSON.stringify(key)}`);
  }

  const list = await s3.send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'p q+r/ü&=', EncodingType: undefined }));
  t.equal(list.Contents?.[0]?.Key, 'p q+r/ü&=k+ü x');
  t.equal(list.Contents?.[0]?.ETag, '"abc"');
  t.equal(list.Contents?.[0]?.LastModified?.toISOString(), '2024-01-02T03:04:05.678Z');

  const del = await s3.send(
    new DeleteObjectsCommand({ Bucket: 'bucket', Delete: { Objects: [{ Key: 'a&b<c>' }, { Key: ' spaced ' }], Quiet: false } }),
  );
  t.same(del.Deleted?.map((d) => d.Key), ['a&b<c>', ' spaced ']);

  const bad = client({ ...CREDS, secretAccessKey: 'wrong' });
  t.teardown(() => bad.destroy());
  const err = await bad.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'k' })).catch((e: unknown) => e);
  t.equal((err as { name?: string }).name, 'SignatureDoesNotMatch');
  t.equal((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 403);
  const unknown = client({ accessKeyId: 'NOPE', secretAccessKey: 'x' });
  t.teardown(() => unknown.destroy());
  const err2 = await unknown.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'k' })).catch((e: unknown) => e);
  t.equal((err2 as { name?: string }).name, 'InvalidAccessKeyId');
});
