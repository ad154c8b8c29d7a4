import t from 'tap';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ENGINE_FIXTURES, body, readAll } from '../helpers/engines.js';
import { versions } from '../helpers/data.js';
import { META, TOOL_ID, findXdelta3Sync } from '../../src/index.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const make of ENGINE_FIXTURES) {
  t.test(`engine on ${make.name}`, async (t) => {
    const fx = await make();
    t.teardown(() => fx.close());
    const { engine, store } = fx;
    await engine.createBucket('bkt');
    const vs = versions(400_000, 4, 3);

    t.test('the first eligible upload becomes the reference plus a self-delta', async (t) => {
      const r = await engine.putObject({ bucket: 'bkt', key: 'rel/v0.zip', body: body(vs[0]!) });
      t.equal(r.storageType, 'reference');
      t.equal(r.etag, md5(vs[0]!));
      const ref = await store.headObject('bkt', 'rel/reference.bin');
      t.ok(ref, 'reference.bin exists');
      t.equal(ref!.size, vs[0]!.length);
      t.equal(ref!.metadata[META.note], 'reference');
      t.equal(ref!.metadata[META.sourceName], 'rel/v0.zip');
      t.equal(ref!.metadata[META.fileSha256], sha(vs[0]!));
      const delta = await store.headObject('bkt', 'rel/v0.zip.delta');
      t.ok(delta, 'self-delta exists');
      t.ok(delta!.size < 1000, `self-delta is tiny (${delta!.size})`);
      t.equal(await store.headObject('bkt', 'rel/v0.zip'), undefined, 'no passthrough copy');
    });

    t.test('later versions are stored as small deltas and read back byte-exact', async (t) => {
      for (let i = 1; i < vs.length; i++) {
        const r = await engine.putObject({ bucket: 'bkt', key: `rel/v${i}.zip`, body: body(vs[i]!), contentType: 'application/zip', userMetadata: { build: String(i) } });
        t.equal(r.storageType, 'delta', `v${i} is a delta`);
        t.ok(r.storedSize < vs[i]!.length / 10, `v${i} delta ${r.storedSize} is < 10% of ${vs[i]!.length}`);
        const m = (await store.headObject('bkt', `rel/v${i}.zip.delta`))!.metadata;
        for (const f of [META.tool, META.originalName, META.fileSha256, META.fileSize, META.md5, META.createdAt, META.note, META.refKey, META.refPath, META.refSha256, META.deltaSize, META.deltaCmd]) {
          t.ok(m[f], `delta carries ${f}`);
        }
        t.equal(m[META.tool], TOOL_ID);
        t.equal(m[META.refKey], 'rel/reference.bin');
        t.equal(m[META.refPath], 'reference.bin');
        t.match(m[META.createdAt], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        t.equal(m['user-build'], String(i));
        t.equal(m['content-type'], 'application/zip');
      }
      for (let i = 0; i < vs.length; i++) {
        const got = await engine.getObject({ bucket: 'bkt', key: `rel/v${i}.zip` });
        const bytes = await readAll(got.body);
        t.equal(sha(bytes), sha(vs[i]!), `v${i} round-trips`);
        t.equal(got.info.etag, md5(vs[i]!));
        t.equal(got.info.size, vs[i]!.length);
      }
      const head = await engine.headObject({ bucket: 'bkt', key: 'rel/v2.zip' });
      t.equal(head.contentType, 'application/zip');
      t.same(head.userMetadata, { build: '2' });
      t.equal(head.storageType, 'delta');
    });

    t.test('stored bytes on the backend are far fewer than the originals', async (t) => {
      const page = await store.listObjects('bkt', { prefix: 'rel/' });
      const stored = page.objects.reduce((n, o) => n + o.size, 0);
      const original = vs.reduce((n, v) => n + v.length, 0);
      t.ok(stored < original * 0.4, `stored ${stored} < 40% of ${original}`);
    });

    t.test('ranges are served from the reconstruction', async (t) => {
      const got = await engine.getObject({ bucket: 'bkt', key: 'rel/v2.zip', range: 'bytes=1000-1999' });
      t.same(got.range, { start: 1000, end: 1999 });
      t.equal(sha(await readAll(got.body)), sha(vs[2]!.subarray(1000, 2000)));
      const suffix = await engine.getObject({ bucket: 'bkt', key: 'rel/v2.zip', range: 'bytes=-10' });
      t.same(await readAll(suffix.body), vs[2]!.subarray(vs[2]!.length - 10));
      await t.rejects(engine.getObject({ bucket: 'bkt', key: 'rel/v2.zip', range: `bytes=${vs[2]!.length}-` }), { code: 'InvalidRange' });
    });

    t.test('conditions give 304 and 412', async (t) => {
      const etag = md5(vs[1]!);
      await t.rejects(engine.getObject({ bucket: 'bkt', key: 'rel/v1.zip', conditions: { ifNoneMatch: `"${etag}"` } }), { code: 'NotModified' });
      await t.rejects(engine.getObject({ bucket: 'bkt', key: 'rel/v1.zip', conditions: { ifMatch: '"nope"' } }), { code: 'PreconditionFailed' });
      const ok = await engine.headObject({ bucket: 'bkt', key: 'rel/v1.zip', conditions: { ifMatch: `"${etag}"` } });
      t.equal(ok.etag, etag);
    });

    t.test('a delta that does not beat the ratio is stored passthrough', async (t) => {
      const unrelated = versions(200_000, 1, 99)[0]!;
      const r = await engine.putObject({ bucket: 'bkt', key: 'rel/other.zip', body: body(unrelated) });
      t.equal(r.storageType, 'passthrough');
      t.ok(await store.headObject('bkt', 'rel/other.zip'));
      t.equal(await store.headObject('bkt', 'rel/other.zip.delta'), undefined);
      t.same(await readAll((await engine.getObject({ bucket: 'bkt', key: 'rel/other.zip' })).body), unrelated);
    });

    t.test('non-eligible extensions pass through with the metadata superset', async (t) => {
      const r = await engine.putObject({ bucket: 'bkt', key: 'rel/notes.txt', body: body('hello'), contentType: 'text/plain' });
      t.equal(r.storageType, 'passthrough');
      const m = (await store.headObject('bkt', 'rel/notes.txt'))!.metadata;
      t.equal(m[META.note], 'passthrough');
      t.equal(m[META.compression], 'none');
      t.equal(m[META.md5], md5(Buffer.from('hello')));
    });

    t.test('reserved keys are rejected with a clear error', async (t) => {
      await t.rejects(engine.putObject({ bucket: 'bkt', key: 'rel/reference.bin', body: body('x') }), { code: 'ReservedKey', message: /reserved/ });
      await t.rejects(engine.putObject({ bucket: 'bkt', key: 'rel/x.zip.delta', body: body('x') }), { code: 'ReservedKey' });
    });

    t.test('overwriting switches variants without leaving the old one', async (t) => {
      const unrelated = versions(200_000, 1, 77)[0]!;
      await engine.putObject({ bucket: 'bkt', key: 'rel/v3.zip', body: body(unrelated) });
      t.equal(await store.headObject('bkt', 'rel/v3.zip.delta'), undefined, 'old delta gone');
      t.same(await readAll((await engine.getObject({ bucket: 'bkt', key: 'rel/v3.zip' })).body), unrelated);
      await engine.putObject({ bucket: 'bkt', key: 'rel/v3.zip', body: body(vs[3]!) });
      t.equal(await store.headObject('bkt', 'rel/v3.zip'), undefined, 'old passthrough gone');
      t.equal(sha(await readAll((await engine.getObject({ bucket: 'bkt', key: 'rel/v3.zip' })).body)), sha(vs[3]!));
    });

    t.test('our deltas decode with plain xdelta3 -d', { skip: findXdelta3Sync() ? false : 'xdelta3 is not on PATH (the no-xdelta3 CI pass)' }, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'dg-xd-'));
      const ref = await readAll((await store.getObject('bkt', 'rel/reference.bin')).body);
      const delta = await readAll((await store.getObject('bkt', 'rel/v2.zip.delta')).body);
      writeFileSync(join(dir, 'ref'), ref);
      writeFileSync(join(dir, 'delta'), delta);
      execFileSync('xdelta3', ['-d', '-f', '-s', join(dir, 'ref'), join(dir, 'delta'), join(dir, 'out')]);
      t.equal(sha(readFileSync(join(dir, 'out'))), sha(vs[2]!));
    });

    t.test('deleting the last object of a deltaspace collects its reference', async (t) => {
      await engine.putObject({ bucket: 'bkt', key: 'gc/a.zip', body: body(vs[0]!) });
      await engine.putObject({ bucket: 'bkt', key: 'gc/b.zip', body: body(vs[1]!) });
      await engine.deleteObject({ bucket: 'bkt', key: 'gc/a.zip' });
      t.ok(await store.headObject('bkt', 'gc/reference.bin'), 'kept while b.zip needs it');
      t.equal(sha(await readAll((await engine.getObject({ bucket: 'bkt', key: 'gc/b.zip' })).body)), sha(vs[1]!));
      await engine.deleteObjects({ bucket: 'bkt', keys: ['gc/b.zip', 'gc/missing.zip'] });
      t.equal(await store.headObject('bkt', 'gc/reference.bin'), undefined, 'collected');
      await t.rejects(engine.getObject({ bucket: 'bkt', key: 'gc/b.zip' }), { code: 'NoSuchKey' });
    });

    t.test('empty objects round-trip', async (t) => {
      const r = await engine.putObject({ bucket: 'bkt', key: 'empty/e.zip', body: body(Buffer.alloc(0)) });
      t.equal(r.etag, md5(Buffer.alloc(0)));
      const got = await engine.getObject({ bucket: 'bkt', key: 'empty/e.zip' });
      t.equal(got.contentLength, 0);
      t.equal((await readAll(got.body)).length, 0);
    });

    t.test('copy keeps or replaces metadata and lands in the right variant', async (t) => {
      await engine.copyObject({ sourceBucket: 'bkt', sourceKey: 'rel/v1.zip', bucket: 'bkt', key: 'copies/v1.zip' });
      const h = await engine.headObject({ bucket: 'bkt', key: 'copies/v1.zip' });
      t.equal(h.contentType, 'application/zip');
      t.same(h.userMetadata, { build: '1' });
      await engine.copyObject({ sourceBucket: 'bkt', sourceKey: 'copies/v1.zip', bucket: 'bkt', key: 'copies/v1.zip', metadataDirective: 'REPLACE', contentType: 'application/x-zip', userMetadata: { a: 'bkt' } });
      const h2 = await engine.headObject({ bucket: 'bkt', key: 'copies/v1.zip' });
      t.equal(h2.contentType, 'application/x-zip');
      t.same(h2.userMetadata, { a: 'bkt' });
      t.equal(sha(await readAll((await engine.getObject({ bucket: 'bkt', key: 'copies/v1.zip' })).body)), sha(vs[1]!));
    });

    t.test('missing keys and buckets give typed errors', async (t) => {
      await t.rejects(engine.getObject({ bucket: 'bkt', key: 'nope.zip' }), { code: 'NoSuchKey' });
      await t.rejects(engine.getObject({ bucket: 'nobucket', key: 'x' }), { code: 'NoSuchBucket' });
    });
  });
}
