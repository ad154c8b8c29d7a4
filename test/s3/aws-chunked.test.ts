import t from 'tap';
import { Buffer } from 'node:buffer';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { getAwsChunkedEncodingStream } from '@smithy/util-stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { IncompleteBodyError } from '../../src/core/errors.js';
import { AwsChunkedDecoder, awsChunkedOptionsFor, type AwsChunkedOptions, type ChunkSigningContext } from '../../src/s3/aws-chunked.js';
import { crc32 } from 'node:zlib';
import { BodyDigester, DigestVerifyStream, checksumAlgorithmsFromTrailer, expectedDigestsFromTrailers } from '../../src/s3/checksums.js';
import { S3Error, renderErrorXml, toS3Error } from '../../src/s3/error-table.js';
import { EMPTY_SHA256, deriveSigningKey, verifySigV4, type SigV4Context } from '../../src/s3/sigv4/index.js';
import { Sha256 } from '../../src/reverse-proxy/sha256.js';

const sha256 = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: Uint8Array, s: string) => createHmac('sha256', k).update(s).digest('hex');

function crc32b64(data: Buffer): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(data));
  return b.toString('base64');
}

/** Frames `data` exactly like a SigV4 streaming signer (aws-chunked with chunk signatures). */
function signedBody(data: Buffer, chunkSize: number, signing: ChunkSigningContext, trailers?: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  let prev = signing.seedSignature;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const chunk of chunks) {
    const sig = hmac(signing.signingKey, `AWS4-HMAC-SHA256-PAYLOAD\n${signing.amzDate}\n${signing.scope}\n${prev}\n${EMPTY_SHA256}\n${sha256(chunk)}`);
    prev = sig;
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`));
    if (chunk.length > 0) parts.push(chunk, Buffer.from('\r\n'));
  }
  if (trailers) {
    const canonical = Object.entries(trailers).map(([n, v]) => `${n}:${v}\n`).join('');
    const tsig = hmac(signing.signingKey, `AWS4-HMAC-SHA256-TRAILER\n${signing.amzDate}\n${signing.scope}\n${prev}\n${sha256(canonical)}`);
    for (const [n, v] of Object.entries(trailers)) parts.push(Buffer.from(`${n}:${v}\r\n`));
    parts.push(Buffer.from(`x-amz-trailer-signature:${tsig}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Frames `data` like the SDK's unsigned aws-chunked encoder with a trailing checksum. */
function unsignedBody(data: Buffer, chunkSize: number, trailers: Record<string, string> | undefined): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) {
    const c = data.subarray(i, i + chunkSize);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n'));
  if (trailers) {
    for (const [n, v] of Object.entries(trailers)) parts.push(Buffer.from(`${n}:${v}\r\n`));
    parts.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

async function decode(pieces: Buffer[], opts: AwsChunkedOptions): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const decoder = new AwsChunkedDecoder(opts);
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces, { objectMode: false }), decoder, async (s) => {
    for await (const c of s) out.push(c as Buffer);
  });
  return { data: Buffer.concat(out), trailers: decoder.trailers };
}

async function failure(pieces: Buffer[], opts: AwsChunkedOptions): Promise<{ code: string; err: unknown }> {
  try {
    await decode(pieces, opts);
    return { code: 'no error', err: undefined };
  } catch (err) {
    return { code: toS3Error(err).code, err };
  }
}

const KEY = deriveSigningKey('secret', '20250304', 'us-east-1');
const SIGNING: ChunkSigningContext = {
  signingKey: KEY,
  amzDate: '20250304T050607Z',
  scope: '20250304/us-east-1/s3/aws4_request',
  seedSignature: 'a'.repeat(64),
};

t.test('AWS documentation example: seed request and chunk signatures', async (t) => {
  // "Signature Calculations for the Authorization Header: Transferring Payload in
  // Multiple Chunks" (S3 API reference): 66560 x 'a' in 64 KiB chunks.
  const creds = [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }];
  const seed = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
  const ctx = await verifySigV4(
    {
      method: 'PUT',
      path: '/examplebucket/chunkObject.txt',
      query: '',
      headers: {
        host: 's3.amazonaws.com',
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${seed}`,
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '66560',
        'content-length': '66824',
      },
    },
    creds,
    { now: new Date('2013-05-24T00:00:00Z') },
  );
  t.equal(ctx.seedSignature, seed);
  t.equal(ctx.payloadMode, 'streaming-signed');
  const data = Buffer.alloc(66560, 'a');
  const body = Buffer.concat([
    Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'),
    data.subarray(0, 65536),
    Buffer.from('\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n'),
    data.subarray(65536),
    Buffer.from('\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
  ]);
  t.equal(body.length, 66824, 'content-length from the example');
  const out = await decode([body], awsChunkedOptionsFor(ctx));
  t.same(out.data, data);
  const bad = Buffer.from(body);
  bad[100] ^= 1; // flip one data bit in chunk 1
  t.equal((await failure([bad], awsChunkedOptionsFor(ctx))).code, 'SignatureDoesNotMatch');
});

t.test('signed chunks from a seed request signed by the real signer', async (t) => {
  const creds = { accessKeyId: 'AKID', secretAccessKey: 'secret/key+' };
  const data = randomBytes(200_000);
  const signer = new SignatureV4({ credentials: creds, region: 'eu-west-1', service: 's3', sha256: Sha256, uriEscapePath: false });
  const signedReq = await signer.sign(
    new HttpRequest({
      method: 'PUT',
      protocol: 'http:',
      hostname: 'h',
      path: '/b/k',
      headers: {
        host: 'h',
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(data.length),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
    }),
    { signingDate: new Date() },
  );
  const ctx: SigV4Context = await verifySigV4(
    { method: 'PUT', path: '/b/k', query: '', headers: Object.fromEntries(Object.entries(signedReq.headers).map(([k, v]) => [k.toLowerCase(), v])) },
    [creds],
  );
  t.equal(ctx.payloadMode, 'streaming-signed-trailer');
  const opts = awsChunkedOptionsFor(ctx);
  t.same(opts.trailerNames, ['x-amz-checksum-crc32']);
  t.ok(opts.signedTrailer);
  const trailers = { 'x-amz-checksum-crc32': crc32b64(data) };
  const body = signedBody(data, 65536, { signingKey: ctx.signingKey, amzDate: ctx.amzDate, scope: ctx.scope, seedSignature: ctx.seedSignature }, trailers);

  // Chain the checksum check behind the decoder, as an adapter would.
  const decoder = new AwsChunkedDecoder(opts);
  const algs = checksumAlgorithmsFromTrailer('x-amz-checksum-crc32');
  const verify = new DigestVerifyStream(() => expectedDigestsFromTrailers(decoder.trailers), { algorithms: algs });
  const out: Buffer[] = [];
  await pipeline(Readable.from([body.subarray(0, 70001), body.subarray(70001)]), decoder, verify, async (s) => {
    for await (const c of s) out.push(c as Buffer);
  });
  t.same(Buffer.concat(out), data);
  t.same(decoder.trailers, trailers);

  // Same body, wrong trailer value (re-signed so the signature is valid): BadDigest downstream.
  const wrong = signedBody(data, 65536, { signingKey: ctx.signingKey, amzDate: ctx.amzDate, scope: ctx.scope, seedSignature: ctx.seedSignature }, { 'x-amz-checksum-crc32': 'AAAAAA==' });
  const decoder2 = new AwsChunkedDecoder(opts);
  const verify2 = new DigestVerifyStream(() => expectedDigestsFromTrailers(decoder2.trailers), { algorithms: algs });
  const err = await pipeline(Readable.from([wrong]), decoder2, verify2, async (s) => {
    for await (const _ of s) void _;
  }).catch((e: unknown) => e);
  t.equal(toS3Error(err).code, 'BadDigest');
});

t.test('split reads at every byte boundary', async (t) => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog: 0123456789');
  const trailers = { 'x-amz-checksum-crc32': crc32b64(data) };
  const cases: [string, Buffer, AwsChunkedOptions][] = [
    ['signed', signedBody(data, 16, SIGNING), { signing: SIGNING, decodedContentLength: data.length }],
    ['signed+trailer', signedBody(data, 16, SIGNING, trailers), { signing: SIGNING, signedTrailer: true, trailerNames: ['x-amz-checksum-crc32'], decodedContentLength: data.length }],
    ['unsigned+trailer', unsignedBody(data, 16, trailers), { trailerNames: ['x-amz-checksum-crc32'], decodedContentLength: data.length }],
    ['unsigned, no trailer (SDK ends after 0\\r\\n)', unsignedBody(data, 16, undefined), { decodedContentLength: data.length }],
  ];
  for (const [name, body, opts] of cases) {
    let ok = 0;
    for (let i = 0; i <= body.length; i++) {
      for (let j = i; j <= body.length; j += 13) {
        const out = await decode([body.subarray(0, i), body.subarray(i, j), body.subarray(j)], opts);
        if (out.data.equals(data) && (opts.trailerNames ? out.trailers['x-amz-checksum-crc32'] === trailers['x-amz-checksum-crc32'] : true)) ok++;
        else t.fail(`${name}: split ${i}/${j}`);
      }
    }
    t.ok(ok > body.length, `${name}: ${ok} splits decoded identically`);
    const bytes = [...body].map((b) => Buffer.from([b]));
    t.same((await decode(bytes, opts)).data, data, `${name}: one byte at a time`);
  }
});

t.test('bodies framed by the SDK encoder (getAwsChunkedEncodingStream)', async (t) => {
  const data = randomBytes(100_000);
  const pieces = [data.subarray(0, 1), data.subarray(1, 50_000), data.subarray(50_000)];
  const encoded = getAwsChunkedEncodingStream(Readable.from(pieces), {
    base64Encoder: (b: Uint8Array) => Buffer.from(b).toString('base64'),
    bodyLengthChecker: (b: unknown) => (b as Buffer).length,
    checksumAlgorithmFn: undefined as never,
    checksumLocationName: 'x-amz-checksum-crc32',
    streamHasher: (async (_alg: unknown, stream: Readable) => {
      const d = new BodyDigester({ algorithms: ['crc32'] });
      for await (const c of stream) d.update(c as Buffer);
      return Buffer.from((await d.digest()).checksums.crc32!, 'base64');
    }) as never,
  } as never) as Readable;
  const wire: Buffer[] = [];
  for await (const c of encoded) wire.push(Buffer.from(c as Buffer));
  const body = Buffer.concat(wire);
  t.match(body.subarray(-40).toString(), /0\r\n/);
  const out = await decode([body], { decodedContentLength: data.length });
  t.same(out.data, data);
});

t.test('framing, length and signature errors', async (t) => {
  const data = Buffer.from('0123456789abcdef0123456789');
  const good = signedBody(data, 10, SIGNING);
  const opts: AwsChunkedOptions = { signing: SIGNING, decodedContentLength: data.length };
  t.same((await decode([good], opts)).data, data);

  t.equal((await failure([good.subarray(0, good.length - 5)], opts)).code, 'IncompleteBody', 'truncated');
  t.equal((await failure([good.subarray(0, 30)], opts)).code, 'IncompleteBody', 'truncated mid-chunk');
  t.equal((await failure([], opts)).code, 'IncompleteBody', 'empty body');
  const short = await failure([good], { ...opts, decodedContentLength: data.length + 1 });
  t.equal(short.code, 'IncompleteBody', 'decoded shorter than declared');
  t.ok(short.err instanceof IncompleteBodyError);
  t.equal((await failure([good], { ...opts, decodedContentLength: data.length - 1 })).code, 'IncompleteBody', 'decoded longer than declared');

  const otherSeed = signedBody(data, 10, { ...SIGNING, seedSignature: 'b'.repeat(64) });
  t.equal((await failure([otherSeed], opts)).code, 'SignatureDoesNotMatch', 'chunks from another request');
  const otherKey = signedBody(data, 10, { ...SIGNING, signingKey: deriveSigningKey('other', '20250304', 'us-east-1') });
  t.equal((await failure([otherKey], opts)).code, 'SignatureDoesNotMatch', 'wrong key');
  const tampered = Buffer.from(good);
  tampered[good.indexOf('\r\n') + 3] ^= 0x20;
  t.equal((await failure([tampered], opts)).code, 'SignatureDoesNotMatch', 'tampered data');

  // Signed mode and an unsigned body.
  t.equal((await failure([unsignedBody(data, 10, undefined)], opts)).code, 'InvalidRequest', 'missing chunk-signature');
  // No data may leave before its chunk verified.
  const leaked: Buffer[] = [];
  const dec = new AwsChunkedDecoder(opts);
  dec.on('data', (c: Buffer) => leaked.push(c));
  await pipeline(Readable.from([tampered]), dec).catch(() => undefined);
  t.equal(leaked.length, 0, 'tampered first chunk never emitted');

  const hostile = Buffer.from(`ffffffff;chunk-signature=${'0'.repeat(64)}\r\n`);
  const h = await failure([hostile], opts);
  t.equal(h.code, 'InvalidRequest', 'hostile chunk size');
  t.match((h.err as S3Error).message, /maximum chunk size/);
  t.equal((await failure([Buffer.from('zz\r\n')], {})).code, 'InvalidRequest', 'bad hex');
  t.equal((await failure([Buffer.from('1'.repeat(5000))], {})).code, 'InvalidRequest', 'endless header line');
  t.equal((await failure([Buffer.from('3\r\nabcXY0\r\n\r\n')], {})).code, 'InvalidRequest', 'missing CRLF after data');
  t.equal((await failure([Buffer.from('3\nabc\r\n0\r\n\r\n')], {})).code, 'InvalidRequest', 'bare LF');
  t.equal((await failure([Buffer.from('3\r\nabc\r\n0\r\n\r\nxyz')], {})).code, 'InvalidRequest', 'garbage after end');
  t.same((await decode([Buffer.from('3\r\nabc\r\n0\r\n\r\n\r\n')], {})).data, Buffer.from('abc'), 'stray CRLF tolerated');
  t.same((await decode([Buffer.from('3;foo=bar\r\nabc\r\n0\r\n\r\n')], {})).data, Buffer.from('abc'), 'unknown extensions ignored when unsigned');
  t.equal((await failure([Buffer.from('10\r\nabc\r\n0\r\n\r\n')], { maxChunkSize: 8 })).code, 'InvalidRequest', 'configurable cap');
});

t.test('trailer errors', async (t) => {
  const data = Buffer.from('hello trailer');
  const trailers = { 'x-amz-checksum-crc32': crc32b64(data) };
  const opts: AwsChunkedOptions = { signing: SIGNING, signedTrailer: true, trailerNames: ['x-amz-checksum-crc32'] };
  t.same((await decode([signedBody(data, 5, SIGNING, trailers)], opts)).trailers, trailers);

  const body = signedBody(data, 5, SIGNING, trailers).toString('latin1');
  const swapValue = Buffer.from(body.replace(trailers['x-amz-checksum-crc32'], 'AAAAAA=='), 'latin1');
  t.equal((await failure([swapValue], opts)).code, 'SignatureDoesNotMatch', 'tampered trailer value');
  const noSig = Buffer.from(body.replace(/x-amz-trailer-signature:[0-9a-f]+\r\n/, ''), 'latin1');
  t.equal((await failure([noSig], opts)).code, 'SignatureDoesNotMatch', 'missing trailer signature');
  const other = signedBody(data, 5, SIGNING, { 'x-amz-checksum-sha256': createHash('sha256').update(data).digest('base64') });
  t.equal((await failure([other], opts)).code, 'InvalidRequest', 'unannounced trailer');
  t.equal(
    (await failure([unsignedBody(data, 5, undefined)], { trailerNames: ['x-amz-checksum-crc32'] })).code,
    'InvalidRequest',
    'announced trailer missing',
  );
  t.equal((await failure([signedBody(data, 5, SIGNING, trailers)], { signing: SIGNING })).code, 'InvalidRequest', 'trailer in plain signed mode');
  t.equal((await failure([Buffer.from('0\r\nx-amz-checksum-crc32')], { trailerNames: ['x-amz-checksum-crc32'] })).code, 'IncompleteBody', 'cut inside trailer');
  t.equal((await failure([Buffer.from('0\r\nno-colon\r\n\r\n')], {})).code, 'InvalidRequest', 'malformed trailer line');
  t.equal((await failure([Buffer.from(`0\r\nx:${'y'.repeat(20000)}\r\n\r\n`)], {})).code, 'InvalidRequest', 'oversized trailer');
});

t.test('end to end: S3Client streaming upload (STREAMING-UNSIGNED-PAYLOAD-TRAILER)', async (t) => {
  const creds = { accessKeyId: 'AKIDE2E', secretAccessKey: 'e2e-secret' };
  const received: { ctx: SigV4Context; data: Buffer; trailers: Record<string, string> }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      try {
        const ctx = await verifySigV4({ method: req.method!, path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: req.headers }, [creds]);
        const chunks: Buffer[] = [];
        const sink = async (s: AsyncIterable<Buffer>) => {
          for await (const c of s) chunks.push(c);
        };
        if (ctx.payloadMode.startsWith('streaming')) {
          const decoder = new AwsChunkedDecoder(awsChunkedOptionsFor(ctx));
          const verify = new DigestVerifyStream(() => expectedDigestsFromTrailers(decoder.trailers), {
            algorithms: checksumAlgorithmsFromTrailer(req.headers['x-amz-trailer'] as string | undefined),
          });
          await pipeline(req, decoder, verify, sink);
          received.push({ ctx, data: Buffer.concat(chunks), trailers: decoder.trailers });
        } else {
          await pipeline(req, sink);
          received.push({ ctx, data: Buffer.concat(chunks), trailers: {} });
        }
        res.setHeader('etag', '"x"');
        res.end();
      } catch (err) {
        const info = toS3Error(err);
        res.statusCode = info.status;
        res.end(renderErrorXml({ code: info.code, message: info.message, requestId: 'r' }));
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as AddressInfo;
  const s3 = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: creds, maxAttempts: 1 });
  t.teardown(() => s3.destroy());

  const data = randomBytes(300_000);
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += 65_000) pieces.push(data.subarray(i, i + 65_000));
  await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'dir/stream d.bin', Body: Readable.from(pieces), ContentLength: data.length }));
  const got = received[received.length - 1]!;
  t.equal(got.ctx.payloadMode, 'streaming-unsigned-trailer');
  t.equal(got.ctx.decodedContentLength, data.length);
  t.same(got.data, data);
  t.equal(got.trailers['x-amz-checksum-crc32'], crc32b64(data));
});
