import t from 'tap';
import { createHash } from 'node:crypto';
import { ENGINE_FIXTURES, body, readAll } from '../helpers/engines.js';
import { versions } from '../helpers/data.js';
import { META } from '../../src/index.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const make of ENGINE_FIXTURES) {
  t.test(`deferred encoding on ${make.name}`, async (t) => {
    // Scans off: the test drives the compactor through what the PUTs queue.
    const fx = await make({ encode: 'deferred', compactorScanIntervalMs: 0 });
    t.teardown(() => fx.close());
    const { engine, store } = fx;
    await engine.createBucket('bkt');
    const vs = versions(300_000, 4, 7);

    t.test('the first upload of a deltaspace becomes its reference at once', async (t) => {
      const r = await engine.putObject({ bucket: 'bkt', key: 'rel/v0.zip', body: body(vs[0]!), contentLength: vs[0]!.length });
      t.equal(r.storageType, 'reference');
      t.notOk(r.pending);
      t.ok(await store.headObject('bkt', 'rel/reference.bin'));
    });

    t.test('a later upload is acknowledged as a pending passthrough object, readable at once', async (t) => {
      const v = vs[1]!;
      const r = await engine.putObject({ bucket: 'bkt', key: 'rel/v1.zip', body: body(v), contentLength: v.length, contentType: 'application/zip', userMetadata: { build: '1' } });
      t.equal(r.storageType, 'passthrough');
      t.equal(r.pending, true);
      t.equal(r.etag, md5(v));
      t.equal(r.sha256, sha(v));
      const plain = await store.headObject('bkt', 'rel/v1.zip');
      t.equal(plain?.metadata[META.pending], '1', 'marked pending on the backend');
      t.equal(plain?.metadata[META.note], 'passthrough', 'an ordinary passthrough object to other readers');
      const head = await engine.headObject({ bucket: 'bkt', key: 'rel/v1.zip' });
      t.equal(head.etag, md5(v));
      t.equal(head.size, v.length);
      t.equal(head.pending, true);
      t.equal(head.contentType, 'application/zip');
      t.same(head.userMetadata, { build: '1' });
      const got = await engine.getObject({ bucket: 'bkt', key: 'rel/v1.zip' });
      t.ok((await readAll(got.body)).equals(v), 'byte-exact before compaction');
    });

    t.test('the compactor replaces it with a verified delta, same ETag and metadata', async (t) => {
      await engine.compactor.drained();
      t.equal(await store.headObject('bkt', 'rel/v1.zip'), undefined, 'pending object gone');
      const delta = await store.headObject('bkt', 'rel/v1.zip.delta');
      t.ok(delta, 'delta stored');
      t.equal(delta?.metadata[META.fileSha256], sha(vs[1]!));
      t.ok(delta!.metadata[META.compactedFrom], 'tagged with the pending object it replaced');
      const head = await engine.headObject({ bucket: 'bkt', key: 'rel/v1.zip' });
      t.equal(head.storageType, 'delta');
      t.equal(head.etag, md5(vs[1]!));
      t.equal(head.contentType, 'application/zip');
      t.same(head.userMetadata, { build: '1' });
      t.notOk(head.pending);
      const got = await engine.getObject({ bucket: 'bkt', key: 'rel/v1.zip' });
      t.ok((await readAll(got.body)).equals(vs[1]!));
      const stats = engine.compactor.stats();
      t.equal(stats.queued + stats.running, 0);
      t.ok(stats.bytesSaved > 0, `bytes saved counted (${stats.bytesSaved})`);
    });

    t.test('a body that fails its Content-MD5 stores nothing', async (t) => {
      const v = vs[2]!;
      await t.rejects(engine.putObject({ bucket: 'bkt', key: 'rel/bad.zip', body: body(v), contentLength: v.length, contentMd5: Buffer.from(md5(Buffer.from('x')), 'hex').toString('base64') }), { code: 'BadDigest' });
      t.equal(await store.headObject('bkt', 'rel/bad.zip'), undefined);
    });

    t.test('a short body stores nothing', async (t) => {
      const v = vs[2]!;
      await t.rejects(engine.putObject({ bucket: 'bkt', key: 'rel/short.zip', body: body(v.subarray(0, 1000)), contentLength: v.length }));
      t.equal(await store.headObject('bkt', 'rel/short.zip'), undefined);
    });

    t.test('an upload whose delta does not pay stays passthrough, marker cleared', async (t) => {
      const noise = Buffer.alloc(200_000);
      for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
      const random = createHash('sha512');
      const parts: Buffer[] = [];
      for (let i = 0; i < 4000; i++) parts.push(random.copy().update(String(i)).digest());
      const v = Buffer.concat(parts);
      await engine.putObject({ bucket: 'bkt', key: 'rel/noise.zip', body: body(v), contentLength: v.length });
      await engine.compactor.drained();
      const plain = await store.headObject('bkt', 'rel/noise.zip');
      t.ok(plain);
      t.equal(plain?.metadata[META.pending], undefined, 'no longer pending');
      t.equal(plain?.metadata[META.fileSha256], sha(v), 'complete metadata');
      t.equal(plain?.metadata[META.md5], md5(v));
      const got = await engine.getObject({ bucket: 'bkt', key: 'rel/noise.zip' });
      t.ok((await readAll(got.body)).equals(v));
    });

    t.test('a non-eligible upload streams as a passthrough object with complete metadata once settled', async (t) => {
      const v = Buffer.from('plain text '.repeat(1000));
      const r = await engine.putObject({ bucket: 'bkt', key: 'docs/readme.txt', body: body(v), contentLength: v.length });
      t.equal(r.storageType, 'passthrough');
      await engine.compactor.drained();
      const plain = await store.headObject('bkt', 'docs/readme.txt');
      t.equal(plain?.metadata[META.fileSha256], sha(v));
      t.equal(plain?.metadata[META.md5], md5(v));
      t.equal(plain?.metadata[META.pending], undefined);
      t.equal(plain?.etag, md5(v));
    });

    t.test('a compaction of an object no longer pending does nothing', async (t) => {
      t.same(await engine.compactObject('bkt', 'rel/v1.zip'), { result: 'not-pending' });
      t.same(await engine.compactObject('bkt', 'rel/missing.zip'), { result: 'not-pending' });
    });

    t.test('an overwrite while pending wins over the compaction of the older bytes', async (t) => {
      const [a, b] = [vs[2]!, vs[3]!];
      await engine.putObject({ bucket: 'bkt', key: 'rel/race.zip', body: body(a), contentLength: a.length });
      const pendingA = await store.headObject('bkt', 'rel/race.zip');
      await engine.putObject({ bucket: 'bkt', key: 'rel/race.zip', body: body(b), contentLength: b.length });
      await engine.compactor.drained();
      // A compaction that still believes in A (a second instance, a stale queue) finds B.
      t.not(pendingA, undefined);
      const got = await engine.getObject({ bucket: 'bkt', key: 'rel/race.zip' });
      t.ok((await readAll(got.body)).equals(b), 'newest bytes');
      t.equal((await engine.headObject({ bucket: 'bkt', key: 'rel/race.zip' })).etag, md5(b));
    });

    t.test('listing shows pending objects once, with original sizes', async (t) => {
      await engine.putObject({ bucket: 'bkt', key: 'rel/v5.zip', body: body(vs[3]!), contentLength: vs[3]!.length });
      const page = await engine.listObjects({ bucket: 'bkt', prefix: 'rel/' });
      const keys = page.objects.map((o) => o.key);
      t.same(keys, [...new Set(keys)], 'no key twice');
      const v5 = page.objects.find((o) => o.key === 'rel/v5.zip');
      t.equal(v5?.size, vs[3]!.length);
      t.equal(v5?.pending, true, 'pending in listings');
      await engine.compactor.drained();
      const after = await engine.listObjects({ bucket: 'bkt', prefix: 'rel/' });
      t.equal(after.objects.find((o) => o.key === 'rel/v5.zip')?.storageType, 'delta');
    });
  });
}
