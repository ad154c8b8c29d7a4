/**
 * GET/HEAD `?partNumber=N` at the engine: the part sizes a multipart Complete records
 * (`dg-part-sizes`) address part N of whatever the backend holds (a pending passthrough
 * object, the delta the compactor turns it into, a passthrough object), and what happens
 * without the record. Runs on the filesystem store and on s3rver.
 */
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec, DeltaGliderEngine, META, type ObjectStore } from '../../src/index.js';
import { formatPartSizes, MAX_PART_SIZES_CHARS, parsePartSizes } from '../../src/core/format/part-sizes.js';
import { versions } from '../helpers/data.js';
import { body, ENGINE_FIXTURES, fsEngine, readAll } from '../helpers/engines.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Small parts keep the test fast; the rules do not depend on the size. */
const MIN_PART = 64 * 1024;

async function multipartPut(engine: DeltaGliderEngine, bucket: string, key: string, parts: Buffer[]): Promise<string> {
  const { uploadId } = await engine.multipart.create({ bucket, key });
  const done = [];
  for (let i = 0; i < parts.length; i++) {
    const r = await engine.multipart.uploadPart({ bucket, key, uploadId, partNumber: i + 1, body: body(parts[i]!), contentLength: parts[i]!.length });
    done.push({ partNumber: i + 1, etag: r.etag });
  }
  return (await engine.multipart.complete(bucket, key, uploadId, done)).storageType;
}

function split(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Reads every part through GET and HEAD and checks bytes, bounds and the part count. */
async function assertParts(t: Test, engine: DeltaGliderEngine, bucket: string, key: string, parts: Buffer[]): Promise<void> {
  let start = 0;
  for (let i = 0; i < parts.length; i++) {
    const got = await engine.getObject({ bucket, key, partNumber: i + 1 });
    t.equal(sha(await readAll(got.body)), sha(parts[i]!), `part ${i + 1} bytes`);
    t.same(got.range, { start, end: start + parts[i]!.length - 1 }, `part ${i + 1} bounds`);
    t.equal(got.partsCount, parts.length);
    const head = await engine.headObjectPart({ bucket, key, partNumber: i + 1 });
    t.same(head.range, got.range);
    t.equal(head.partsCount, parts.length);
    start += parts[i]!.length;
  }
  await t.rejects(engine.getObject({ bucket, key, partNumber: parts.length + 1 }), { code: 'InvalidPartNumber' });
}

t.test('dg-part-sizes: runs of equal sizes written once, read back strictly', async (t) => {
  t.equal(formatPartSizes([8, 8, 8, 3]), '8x3,3');
  t.equal(formatPartSizes([5, 7, 7]), '5,7x2');
  t.same(parsePartSizes('8x3,3', 27), [8, 8, 8, 3]);
  t.equal(parsePartSizes('8x3,3', 28), undefined, 'a record that does not add up to the object is not used');
  t.equal(parsePartSizes('8x3;3', 27), undefined);
  t.equal(parsePartSizes('8x0', 0), undefined);
  t.equal(parsePartSizes('1x10001', 10001), undefined, 'more parts than S3 allows');
  const distinct = Array.from({ length: 100 }, (_, i) => 1_000_000 + i);
  t.equal(formatPartSizes(distinct), undefined, `over ${MAX_PART_SIZES_CHARS} characters: no record`);
  t.equal(formatPartSizes(Array.from({ length: 10_000 }, () => 5 * 1024 * 1024)), '5242880x10000', 'the usual upload is short whatever its part count');
});

for (const make of ENGINE_FIXTURES) {
  t.test(`partNumber on ${make.name}`, async (t) => {
    // Scans off: the test drives the compactor through what the Completes queue.
    const fx = await make({ encode: 'deferred', compactorScanIntervalMs: 0, minPartSize: MIN_PART, eligibleExclude: ['parts/misc/**'] });
    t.teardown(() => fx.close());
    const { engine, store } = fx;
    await engine.createBucket('parts');
    const vs = versions(300_000, 2, 91);

    t.test('a Complete records its part sizes; the pending object and the delta the compactor writes serve each part', async (t) => {
      await engine.putObject({ bucket: 'parts', key: 'rel/v0.zip', body: body(vs[0]!), contentLength: vs[0]!.length });
      const sizes = [MIN_PART + 5, MIN_PART + 5, vs[1]!.length - 2 * (MIN_PART + 5)];
      const parts = split(vs[1]!, sizes);
      t.equal(await multipartPut(engine, 'parts', 'rel/v1.zip', parts), 'passthrough');
      const pending = await store.headObject('parts', 'rel/v1.zip');
      t.equal(pending?.metadata[META.pending], '1');
      t.equal(pending?.metadata[META.partSizes], `${MIN_PART + 5}x2,${sizes[2]}`);
      await assertParts(t, engine, 'parts', 'rel/v1.zip', parts);
      await engine.compactor.drained();
      const delta = await store.headObject('parts', 'rel/v1.zip.delta');
      t.ok(delta, 'stored as a delta now');
      t.equal(delta?.metadata[META.partSizes], `${MIN_PART + 5}x2,${sizes[2]}`, 'the compactor keeps the record');
      t.equal((await engine.headObject({ bucket: 'parts', key: 'rel/v1.zip' })).storageType, 'delta');
      await assertParts(t, engine, 'parts', 'rel/v1.zip', parts);
    });

    t.test('a passthrough object serves its parts from the backend by range', async (t) => {
      const data = versions(200_000, 1, 92)[0]!;
      const parts = split(data, [MIN_PART, MIN_PART, data.length - 2 * MIN_PART]);
      t.equal(await multipartPut(engine, 'parts', 'misc/notes.txt', parts), 'passthrough', 'excluded from deltas');
      await assertParts(t, engine, 'parts', 'misc/notes.txt', parts);
      await t.rejects(engine.getObject({ bucket: 'parts', key: 'misc/notes.txt', partNumber: 1, range: 'bytes=0-9' }), { code: 'InvalidRequest' });
      await t.rejects(engine.getObject({ bucket: 'parts', key: 'misc/notes.txt', partNumber: 0 }), { code: 'InvalidArgument' });
    });

    t.test('parts whose record would be too long: stored without it, read as one part', async (t) => {
      const sizes = Array.from({ length: 60 }, (_, i) => MIN_PART + 1_019 * i);
      const data = Buffer.alloc(sizes.reduce((a, b) => a + b, 0), 7);
      const parts = split(data, sizes);
      await multipartPut(engine, 'parts', 'misc/many.bin', parts);
      t.equal((await store.headObject('parts', 'misc/many.bin'))?.metadata[META.partSizes], undefined);
      const got = await engine.getObject({ bucket: 'parts', key: 'misc/many.bin', partNumber: 1 });
      t.equal(got.contentLength, data.length, 'part 1 is the whole object');
      t.equal(got.partsCount, undefined);
      got.body.resume();
      await t.rejects(engine.getObject({ bucket: 'parts', key: 'misc/many.bin', partNumber: 2 }), { code: 'InvalidPartNumber' });
    });

    t.test('an object stored with one PUT is one part, an empty one too', async (t) => {
      await engine.putObject({ bucket: 'parts', key: 'one/a.txt', body: body('hello'), contentLength: 5 });
      const got = await engine.getObject({ bucket: 'parts', key: 'one/a.txt', partNumber: 1 });
      t.equal((await readAll(got.body)).toString(), 'hello');
      t.same(got.range, { start: 0, end: 4 });
      await engine.putObject({ bucket: 'parts', key: 'one/empty.txt', body: body(''), contentLength: 0 });
      const empty = await engine.getObject({ bucket: 'parts', key: 'one/empty.txt', partNumber: 1 });
      t.equal(empty.contentLength, 0);
      t.equal(empty.range, undefined, 'no byte range names an empty object');
      await t.rejects(engine.getObject({ bucket: 'parts', key: 'one/a.txt', partNumber: 2 }), { code: 'InvalidPartNumber' });
    });
  });
}

t.test('an object uploaded in parts by another tool (ETag -K, no record)', async (t) => {
  const FOREIGN_ETAG = '0123456789abcdef0123456789abcdef-3';
  /** The filesystem store, showing one object as the backend's own 3-part upload, with or without part boundaries. */
  function foreign(store: ObjectStore, partRange?: ObjectStore['partRange']): ObjectStore {
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'partRange') return partRange;
        if (prop === 'headObject' || prop === 'getObject') {
          return async (...args: unknown[]) => {
            const r = await (Reflect.get(target, prop) as (...a: unknown[]) => Promise<{ etag: string; info?: { etag: string } } | undefined>).apply(target, args);
            if (r && 'etag' in r) r.etag = FOREIGN_ETAG;
            if (r?.info) r.info.etag = FOREIGN_ETAG;
            return r;
          };
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
  const fx = await fsEngine();
  t.teardown(() => fx.close());
  await fx.store.createBucket('other');
  const data = Buffer.from('0123456789abcdefghij');
  const dir = await mkdtemp(join(tmpdir(), 'dg-part-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'blob'), data);
  await fx.store.putObject('other', 'blob.bin', { path: join(dir, 'blob'), size: data.length }, { metadata: {} });

  const asked: number[] = [];
  const told = new DeltaGliderEngine({
    store: foreign(fx.store, async (_b, _k, n) => {
      asked.push(n);
      return { range: { start: (n - 1) * 7, end: Math.min(n * 7, data.length) - 1 }, partsCount: 3, size: data.length };
    }),
    codec: createCodec(),
  });
  t.teardown(() => told.close());
  const got = await told.getObject({ bucket: 'other', key: 'blob.bin', partNumber: 3 });
  t.equal((await readAll(got.body)).toString(), data.subarray(14).toString(), 'the backend says where part 3 lies');
  t.equal(got.partsCount, 3);
  t.same(asked, [3]);
  await t.rejects(told.getObject({ bucket: 'other', key: 'blob.bin', partNumber: 4 }), { code: 'InvalidPartNumber' }, 'past the part count in the ETag');

  const silent = new DeltaGliderEngine({
    store: foreign(fx.store, async () => ({ range: { start: 0, end: data.length - 1 }, size: data.length })),
    codec: createCodec(),
  });
  t.teardown(() => silent.close());
  await t.rejects(silent.getObject({ bucket: 'other', key: 'blob.bin', partNumber: 1 }), { code: 'PartLayoutUnknown' }, 'a backend that ignores partNumber: refused, never a guess');
  const noParts = new DeltaGliderEngine({ store: foreign(fx.store), codec: createCodec() });
  t.teardown(() => noParts.close());
  await t.rejects(noParts.headObjectPart({ bucket: 'other', key: 'blob.bin', partNumber: 1 }), { code: 'PartLayoutUnknown' }, 'a store without parts: refused');
});
