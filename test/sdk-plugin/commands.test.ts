import t from 'tap';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { startPluginFixture } from './fixture.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

async function backendKeys(plain: S3Client, bucket = 'bkt', prefix?: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let token: string | undefined;
  do {
    const r = await plain.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) out.set(o.Key!, o.Size!);
    token = r.NextContinuationToken;
  } while (token);
  return out;
}

t.test('the SDK plugin against s3rver', async (t) => {
  const fx = await startPluginFixture();
  t.teardown(() => fx.close());
  const { client, plain } = fx;
  const vs = versions(300_000, 3, 11);

  t.test('PutObject of the first eligible file writes a reference and a self-delta, and returns the original ETag', async (t) => {
    const r = await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'rel/v0.zip', Body: vs[0], ContentType: 'application/zip', Metadata: { Build: '0' } }));
    t.equal(r.ETag, `"${md5(vs[0]!)}"`);
    t.equal(r.$metadata.httpStatusCode, 200);
    const keys = await backendKeys(plain, 'bkt', 'rel/');
    t.same([...keys.keys()].sort(), ['rel/reference.bin', 'rel/v0.zip.delta']);
    t.ok(keys.get('rel/v0.zip.delta')! < 1000, 'the self-delta is tiny');
  });

  t.test('PutObject of a second version stores a small delta', async (t) => {
    const r = await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'rel/v1.zip', Body: vs[1] }));
    t.equal(r.ETag, `"${md5(vs[1]!)}"`);
    const keys = await backendKeys(plain, 'bkt', 'rel/');
    t.ok(keys.has('rel/v1.zip.delta'));
    t.notOk(keys.has('rel/v1.zip'));
    t.ok(keys.get('rel/v1.zip.delta')! < vs[1]!.length / 10, `delta ${keys.get('rel/v1.zip.delta')} bytes`);
  });

  t.test('GetObject returns an SDK stream of the original bytes with the original headers', async (t) => {
    const r = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v0.zip' }));
    t.equal(r.$metadata.httpStatusCode, 200);
    t.equal(r.ContentLength, vs[0]!.length);
    t.equal(r.ETag, `"${md5(vs[0]!)}"`);
    t.equal(r.ContentType, 'application/zip');
    t.same(r.Metadata, { build: '0' });
    t.equal(r.AcceptRanges, 'bytes');
    t.ok(r.LastModified instanceof Date);
    const bytes = Buffer.from(await r.Body!.transformToByteArray());
    t.ok(bytes.equals(vs[0]!), 'byte-exact');
    const r1 = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v1.zip' }));
    t.equal(md5(Buffer.from(await r1.Body!.transformToByteArray())), md5(vs[1]!));
  });

  t.test('the GetObject Body also works as a string, a web stream and a pipe', async (t) => {
    await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'docs/readme.txt', Body: 'hello plugin' }));
    const a = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'docs/readme.txt' }));
    t.equal(await a.Body!.transformToString(), 'hello plugin');
    const b = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v1.zip' }));
    const reader = b.Body!.transformToWebStream().getReader();
    let n = 0;
    for (let c = await reader.read(); !c.done; c = await reader.read()) n += c.value.length;
    t.equal(n, vs[1]!.length);
    const c = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v1.zip' }));
    const chunks: Buffer[] = [];
    const sink = new (await import('node:stream')).Writable({ write(chunk, _e, cb) { chunks.push(chunk); cb(); } });
    await new Promise<void>((resolve, reject) => (c.Body as Readable).pipe(sink).on('finish', resolve).on('error', reject));
    t.ok(Buffer.concat(chunks).equals(vs[1]!));
  });

  t.test('Range requests return 206 with ContentRange of the original', async (t) => {
    const r = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v1.zip', Range: 'bytes=100-199' }));
    t.equal(r.$metadata.httpStatusCode, 206);
    t.equal(r.ContentLength, 100);
    t.equal(r.ContentRange, `bytes 100-199/${vs[1]!.length}`);
    t.ok(Buffer.from(await r.Body!.transformToByteArray()).equals(vs[1]!.subarray(100, 200)));
    const tail = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v1.zip', Range: 'bytes=-10' }));
    t.ok(Buffer.from(await tail.Body!.transformToByteArray()).equals(vs[1]!.subarray(-10)));
  });

  t.test('an unsatisfiable Range throws InvalidRange with status 416', async (t) => {
    const err = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v1.zip', Range: 'bytes=99999999-' })).catch((e) => e);
    t.ok(err instanceof S3ServiceException);
    t.equal(err.name, 'InvalidRange');
    t.equal(err.$metadata.httpStatusCode, 416);
  });

  t.test('a missing key throws the SDK NoSuchKey on GET and NotFound on HEAD', async (t) => {
    const get = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/missing.zip' })).catch((e) => e);
    t.ok(get instanceof NoSuchKey, 'instanceof NoSuchKey');
    t.equal(get.name, 'NoSuchKey');
    t.equal(get.$metadata.httpStatusCode, 404);
    t.equal(get.$fault, 'client');
    const head = await client.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'rel/missing.zip' })).catch((e) => e);
    t.ok(head instanceof NotFound, 'instanceof NotFound');
    t.equal(head.$metadata.httpStatusCode, 404);
  });

  t.test('a missing bucket throws NoSuchBucket', async (t) => {
    const err = await client.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'a.zip' })).catch((e) => e);
    t.equal(err.name, 'NoSuchBucket');
    t.equal(err.$metadata.httpStatusCode, 404);
  });

  t.test('If-None-Match and If-Modified-Since answer 304, If-Match 412, as the SDK reports them against S3', async (t) => {
    const etag = `"${md5(vs[0]!)}"`;
    const nm = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v0.zip', IfNoneMatch: etag })).catch((e) => e);
    t.ok(nm instanceof S3ServiceException);
    t.equal(nm.$metadata.httpStatusCode, 304);
    t.equal(nm.name, 'Unknown', 'a bodiless 304 has no error code, as from S3');
    const ims = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v0.zip', IfModifiedSince: new Date(Date.now() + 3600_000) })).catch((e) => e);
    t.equal(ims.$metadata.httpStatusCode, 304);
    const pf = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v0.zip', IfMatch: '"0000"' })).catch((e) => e);
    t.ok(pf instanceof S3ServiceException);
    t.equal(pf.name, 'PreconditionFailed');
    t.equal(pf.$metadata.httpStatusCode, 412);
    const headPf = await client.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'rel/v0.zip', IfMatch: '"0000"' })).catch((e) => e);
    t.equal(headPf.$metadata.httpStatusCode, 412);
    const ok = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'rel/v0.zip', IfMatch: etag }));
    t.equal(ok.$metadata.httpStatusCode, 200);
    await ok.Body!.transformToByteArray();
  });

  t.test('HeadObject reports the original size, ETag, type and metadata', async (t) => {
    const r = await client.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'rel/v0.zip' }));
    t.equal(r.ContentLength, vs[0]!.length);
    t.equal(r.ETag, `"${md5(vs[0]!)}"`);
    t.equal(r.ContentType, 'application/zip');
    t.same(r.Metadata, { build: '0' });
  });

  t.test('every Body type the SDK accepts is stored byte-exact', async (t) => {
    const data = vs[2]!;
    const bodies: [string, () => unknown][] = [
      ['Buffer', () => data],
      ['Uint8Array', () => new Uint8Array(data.buffer, data.byteOffset, data.byteLength)],
      ['string', () => data.toString('latin1')],
      ['Readable', () => Readable.from([data.subarray(0, 1000), data.subarray(1000)])],
      ['web ReadableStream', () => Readable.toWeb(Readable.from([data]))],
      ['Blob', () => new Blob([new Uint8Array(data)])],
    ];
    for (const [name, make] of bodies) {
      const expected = name === 'string' ? Buffer.from(data.toString('latin1'), 'utf8') : data;
      const key = `types/${name.replace(/ /g, '-')}.zip`;
      const r = await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: key, Body: make() as never }));
      t.equal(r.ETag, `"${md5(expected)}"`, `${name}: ETag of the original`);
      const got = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: key }));
      t.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(expected), `${name}: byte-exact`);
    }
  });

  t.test('a wrong Content-MD5 is rejected with BadDigest and nothing is stored', async (t) => {
    const err = await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'md5/a.zip', Body: 'abc', ContentMD5: Buffer.from(md5('xyz'), 'hex').toString('base64') })).catch((e) => e);
    t.equal(err.name, 'BadDigest');
    t.equal(err.$metadata.httpStatusCode, 400);
    t.equal((await backendKeys(plain, 'bkt', 'md5/')).size, 0);
    const ok = await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'md5/a.zip', Body: 'abc', ContentMD5: Buffer.from(md5('abc'), 'hex').toString('base64') }));
    t.equal(ok.ETag, `"${md5('abc')}"`);
  });

  t.test('reserved keys are rejected with InvalidArgument and a message that says why', async (t) => {
    const err = await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'rel/x.zip.delta', Body: 'x' })).catch((e) => e);
    t.equal(err.name, 'InvalidArgument');
    t.equal(err.$metadata.httpStatusCode, 400);
    t.match(err.message, /reserved/);
  });

  t.test('ListObjectsV2 shows user keys with original sizes and ETags, hiding the internals', async (t) => {
    const r = await client.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'rel/' }));
    t.same(r.Contents!.map((o) => o.Key), ['rel/v0.zip', 'rel/v1.zip']);
    t.same(r.Contents!.map((o) => o.Size), [vs[0]!.length, vs[1]!.length]);
    t.same(r.Contents!.map((o) => o.ETag), [`"${md5(vs[0]!)}"`, `"${md5(vs[1]!)}"`]);
    t.equal(r.KeyCount, 2);
    t.equal(r.IsTruncated, false);
    t.equal(r.Prefix, 'rel/');
    t.equal(r.Name, 'bkt');
  });

  t.test('ListObjectsV2 pages with MaxKeys and continuation tokens and groups with a delimiter', async (t) => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await client.send(new ListObjectsV2Command({ Bucket: 'bkt', MaxKeys: 2, ContinuationToken: token }));
      pages++;
      t.ok((r.KeyCount ?? 0) <= 2);
      if (token) t.equal(r.ContinuationToken, token);
      for (const o of r.Contents ?? []) seen.push(o.Key!);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
      if (r.IsTruncated) t.ok(token, 'a truncated page carries a NextContinuationToken');
    } while (token);
    t.ok(pages > 1);
    t.same(seen, [...seen].sort(), 'user-key order');
    t.equal(new Set(seen).size, seen.length, 'no duplicates');
    t.notOk(seen.some((k) => k.endsWith('.delta') || k.endsWith('reference.bin')));
    const d = await client.send(new ListObjectsV2Command({ Bucket: 'bkt', Delimiter: '/' }));
    t.same(d.CommonPrefixes!.map((p) => p.Prefix), ['docs/', 'md5/', 'rel/', 'types/']);
    t.equal(d.Contents, undefined);
    const sa = await client.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'rel/', StartAfter: 'rel/v0.zip' }));
    t.same(sa.Contents!.map((o) => o.Key), ['rel/v1.zip']);
    t.equal(sa.StartAfter, 'rel/v0.zip');
  });

  t.test('ListObjects (V1) pages with Marker; NextMarker only with a delimiter, as S3', async (t) => {
    const a = await client.send(new ListObjectsCommand({ Bucket: 'bkt', Prefix: 'rel/', MaxKeys: 1 }));
    t.same(a.Contents!.map((o) => o.Key), ['rel/v0.zip']);
    t.equal(a.IsTruncated, true);
    t.equal(a.NextMarker, undefined, 'no delimiter: the client continues from the last Key');
    const d = await client.send(new ListObjectsCommand({ Bucket: 'bkt', Prefix: 'rel/', Delimiter: '/', MaxKeys: 1 }));
    t.equal(d.NextMarker, 'rel/v0.zip', 'with a delimiter: NextMarker is the last key');
    const b = await client.send(new ListObjectsCommand({ Bucket: 'bkt', Prefix: 'rel/', MaxKeys: 1, Marker: a.Contents!.at(-1)!.Key }));
    t.same(b.Contents!.map((o) => o.Key), ['rel/v1.zip']);
    t.equal(b.Marker, 'rel/v0.zip');
    t.equal(b.Contents![0]!.Size, vs[1]!.length);
  });

  t.test('EncodingType=url returns url-encoded keys, as S3 does', async (t) => {
    await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'enc/a b+c%.txt', Body: 'x' }));
    const r = await client.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'enc/', EncodingType: 'url' }));
    t.equal(r.EncodingType, 'url');
    t.same(r.Contents!.map((o) => o.Key), ['enc/a+b%2Bc%25.txt']);
    const plainList = await client.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'enc/' }));
    t.same(plainList.Contents!.map((o) => o.Key), ['enc/a b+c%.txt']);
  });

  t.test('CopyObject with COPY keeps metadata and with REPLACE takes the new one', async (t) => {
    const c = await client.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'copies/c0.zip', CopySource: 'bkt/rel/v0.zip' }));
    t.equal(c.CopyObjectResult!.ETag, `"${md5(vs[0]!)}"`);
    const h = await client.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'copies/c0.zip' }));
    t.equal(h.ContentType, 'application/zip');
    t.same(h.Metadata, { build: '0' });
    await client.send(new CopyObjectCommand({
      Bucket: 'bkt', Key: 'copies/c1.zip', CopySource: `/${encodeURIComponent('bkt/rel/v1.zip')}?versionId=null`,
      MetadataDirective: 'REPLACE', ContentType: 'application/x-test', Metadata: { Stage: 'rc' },
    }));
    const h1 = await client.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'copies/c1.zip' }));
    t.equal(h1.ContentType, 'application/x-test');
    t.same(h1.Metadata, { stage: 'rc' });
    const got = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'copies/c1.zip' }));
    t.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(vs[1]!));
    const keys = await backendKeys(plain, 'bkt', 'copies/');
    t.ok(keys.has('copies/reference.bin') && keys.has('copies/c1.zip.delta'), 'the copy follows the PUT rules in its deltaspace');
    const pf = await client.send(new CopyObjectCommand({ Bucket: 'bkt', Key: 'copies/c2.zip', CopySource: 'bkt/rel/v1.zip', CopySourceIfMatch: '"nope"' })).catch((e) => e);
    t.equal(pf.name, 'PreconditionFailed');
  });

  t.test('DeleteObject removes the delta and collects the reference with the last object', async (t) => {
    const d = await client.send(new DeleteObjectCommand({ Bucket: 'bkt', Key: 'copies/c0.zip' }));
    t.equal(d.$metadata.httpStatusCode, 204);
    let keys = await backendKeys(plain, 'bkt', 'copies/');
    t.ok(keys.has('copies/reference.bin'), 'still used by c1');
    await client.send(new DeleteObjectCommand({ Bucket: 'bkt', Key: 'copies/c1.zip' }));
    keys = await backendKeys(plain, 'bkt', 'copies/');
    t.equal(keys.size, 0, 'reference collected');
  });

  t.test('DeleteObjects deletes every variant and reports each key', async (t) => {
    const r = await client.send(new DeleteObjectsCommand({ Bucket: 'bkt', Delete: { Objects: [{ Key: 'rel/v0.zip' }, { Key: 'rel/v1.zip' }, { Key: 'rel/never.zip' }] } }));
    t.same(r.Deleted!.map((d) => d.Key).sort(), ['rel/never.zip', 'rel/v0.zip', 'rel/v1.zip']);
    t.equal(r.Errors, undefined);
    t.equal((await backendKeys(plain, 'bkt', 'rel/')).size, 0, 'deltas and reference gone');
    const q = await client.send(new DeleteObjectsCommand({ Bucket: 'bkt', Delete: { Quiet: true, Objects: [{ Key: 'docs/readme.txt' }] } }));
    t.equal(q.Deleted, undefined, 'Quiet mode lists no deletions');
  });

  t.test('non-eligible files are stored passthrough under their own key', async (t) => {
    await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'plain/notes.txt', Body: 'notes', ContentType: 'text/plain' }));
    const r = await plain.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'plain/notes.txt' }));
    t.equal(r.Metadata?.['dg-note'], 'passthrough');
    t.equal(r.ContentType, 'text/plain');
  });
});
