import t from 'tap';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  NoSuchUpload,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DeltaGliderEngine, S3Store, createCodec } from '../../src/index.js';
import { TEST_CREDENTIALS } from '../helpers/s3rver.js';
import { readAll } from '../helpers/engines.js';
import { versions } from '../helpers/data.js';
import { startPluginFixture } from './fixture.js';
import { isListingIndexKey } from '../../src/core/format/listing-index.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const MB = 1024 * 1024;

t.test('multipart uploads and interoperability with the core engine', async (t) => {
  const fx = await startPluginFixture();
  t.teardown(() => fx.close());
  const { client, plain } = fx;

  t.test('lib-storage Upload of two 20 MB+ versions of an eligible file ends up as small deltas', async (t) => {
    const vs = versions(21 * MB, 2, 5);
    for (const [i, data] of vs.entries()) {
      const up = new Upload({ client, params: { Bucket: 'bkt', Key: `big/x${i}.zip`, Body: Readable.from([data]), ContentType: 'application/zip' }, partSize: 5 * MB, queueSize: 2 });
      const r = await up.done();
      t.equal(r.ETag, `"${md5(data)}"`, `v${i}: the ETag is the MD5 of the whole object`);
    }
    const list = await plain.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'big/' }));
    const sizes = new Map((list.Contents ?? []).filter((o) => !isListingIndexKey(o.Key!)).map((o) => [o.Key!, o.Size!]));
    t.same([...sizes.keys()].sort(), ['big/reference.bin', 'big/x0.zip.delta', 'big/x1.zip.delta']);
    t.ok(sizes.get('big/x1.zip.delta')! < vs[1]!.length / 50, `x1.zip.delta is ${sizes.get('big/x1.zip.delta')} bytes for ${vs[1]!.length}`);
    const got = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'big/x1.zip' }));
    t.equal(got.ContentLength, vs[1]!.length);
    t.equal(md5(Buffer.from(await got.Body!.transformToByteArray())), md5(vs[1]!), 'reads back byte-exact');
    const head = await client.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'big/x1.zip' }));
    t.equal(head.ContentType, 'application/zip');
  });

  t.test('lib-storage Upload of an excluded file (eligibleExclude) goes through as native multipart', async (t) => {
    // By default every multipart upload is a delta candidate (its parts are over the size
    // floor); a key the eligibility rules exclude stays a native upload to the backend.
    const native = fx.makeClient({ eligibleExclude: ['*.bin'] }).client;
    const data = versions(11 * MB, 1, 9)[0]!;
    await new Upload({ client: native, params: { Bucket: 'bkt', Key: 'big/raw.bin', Body: data }, partSize: 5 * MB }).done();
    const h = await plain.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'big/raw.bin' }));
    t.equal(h.ContentLength, data.length);
    t.equal(h.Metadata?.['dg-note'], undefined, 'no DeltaGlider metadata: the upload was native');
    const got = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'big/raw.bin' }));
    t.equal(md5(Buffer.from(await got.Body!.transformToByteArray())), md5(data));
  });

  t.test('ListParts, AbortMultipartUpload and a bad part list behave as S3', async (t) => {
    const c = await client.send(new CreateMultipartUploadCommand({ Bucket: 'bkt', Key: 'mp/a.zip' }));
    const id = c.UploadId!;
    const p1 = await client.send(new UploadPartCommand({ Bucket: 'bkt', Key: 'mp/a.zip', UploadId: id, PartNumber: 1, Body: Buffer.alloc(5 * MB, 1) }));
    const p2 = await client.send(new UploadPartCommand({ Bucket: 'bkt', Key: 'mp/a.zip', UploadId: id, PartNumber: 2, Body: 'tail' }));
    t.equal(p2.ETag, `"${md5('tail')}"`);
    const lp = await client.send(new ListPartsCommand({ Bucket: 'bkt', Key: 'mp/a.zip', UploadId: id }));
    t.same(lp.Parts!.map((p) => [p.PartNumber, p.Size]), [[1, 5 * MB], [2, 4]]);
    const bad = await client.send(new CompleteMultipartUploadCommand({ Bucket: 'bkt', Key: 'mp/a.zip', UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"00"' }] } })).catch((e) => e);
    t.equal(bad.name, 'InvalidPart');
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: 'bkt', Key: 'mp/a.zip', UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    t.equal(done.ETag, `"${md5(Buffer.concat([Buffer.alloc(5 * MB, 1), Buffer.from('tail')]))}"`);
    const c2 = await client.send(new CreateMultipartUploadCommand({ Bucket: 'bkt', Key: 'mp/b.zip' }));
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'bkt', Key: 'mp/b.zip', UploadId: c2.UploadId! }));
    const gone = await client.send(new UploadPartCommand({ Bucket: 'bkt', Key: 'mp/b.zip', UploadId: c2.UploadId!, PartNumber: 1, Body: 'x' })).catch((e) => e);
    t.equal(gone.$metadata.httpStatusCode, 404, 'a part for an aborted upload is refused');
    const viaEngine = await client.send(new ListPartsCommand({ Bucket: 'bkt', Key: 'mp/a.zip', UploadId: id })).catch((e) => e);
    t.equal(viaEngine.$metadata.httpStatusCode, 404, 'a completed upload is gone');
    t.ok(gone instanceof NoSuchUpload || gone.name === 'NoSuchUpload');
  });

  t.test('an object written by the plugin is read by the core engine over S3Store, and the other way round', async (t) => {
    const store = new S3Store({ endpoint: fx.s3.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
    const engine = new DeltaGliderEngine({ store, codec: await createCodec() });
    t.teardown(async () => {
      await engine.close();
      store.client.destroy();
    });
    const vs = versions(200_000, 3, 21);
    await client.send(new (await import('@aws-sdk/client-s3')).PutObjectCommand({ Bucket: 'bkt', Key: 'x/v0.zip', Body: vs[0], Metadata: { who: 'plugin' } }));
    await client.send(new (await import('@aws-sdk/client-s3')).PutObjectCommand({ Bucket: 'bkt', Key: 'x/v1.zip', Body: vs[1] }));
    const got = await engine.getObject({ bucket: 'bkt', key: 'x/v1.zip' });
    t.equal(got.info.storageType, 'delta');
    t.ok((await readAll(got.body)).equals(vs[1]!), 'the engine reads the plugin delta byte-exact');
    t.same((await engine.headObject({ bucket: 'bkt', key: 'x/v0.zip' })).userMetadata, { who: 'plugin' });

    const w = await engine.putObject({ bucket: 'bkt', key: 'x/v2.zip', body: Readable.from([vs[2]!]), contentType: 'application/zip', userMetadata: { who: 'engine' } });
    t.equal(w.storageType, 'delta');
    const r = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'x/v2.zip' }));
    t.ok(Buffer.from(await r.Body!.transformToByteArray()).equals(vs[2]!), 'the plugin reads the engine delta byte-exact');
    t.same(r.Metadata, { who: 'engine' });
    t.equal(r.ContentType, 'application/zip');
  });
});
