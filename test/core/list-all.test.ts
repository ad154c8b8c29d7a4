/**
 * The whole-listing iterators: listAll over a real filesystem store (paged, with a
 * delimiter, stopped early) and listAllObjects over a real engine paged small.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAll } from '../../src/core/store/list-all.js';
import { listAllObjects } from '../../src/core/engine/list-all-objects.js';
import type { ListOptions, ObjectStore } from '../../src/index.js';
import { body, fsEngine } from '../helpers/engines.js';

const BUCKET = 'lst';
const KEYS = ['a/1.bin', 'a/2.bin', 'a/3.bin', 'a/deep/4.bin', 'a/deep/5.bin', 'b/6.bin', 'top.bin'];

/** The store, counting its listObjects calls. */
function counting(store: ObjectStore): { store: ObjectStore; calls: ListOptions[] } {
  const calls: ListOptions[] = [];
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'listObjects') return (bucket: string, options: ListOptions) => (calls.push(options), target.listObjects(bucket, options));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: wrapped, calls };
}

t.test('listAll yields every backend object under a prefix across pages, and stops when the loop stops', async (t) => {
  const fx = await fsEngine();
  t.teardown(() => fx.close());
  await fx.store.createBucket(BUCKET);
  const file = join(mkdtempSync(join(tmpdir(), 'dg-listall-')), 'x');
  writeFileSync(file, 'x');
  for (const key of KEYS) await fx.store.putObject(BUCKET, key, { path: file, size: 1 }, { metadata: {} });

  const all = counting(fx.store);
  const keys: string[] = [];
  for await (const o of listAll(all.store, BUCKET, 'a/', { pageSize: 2 })) keys.push(o.key);
  t.same(keys, ['a/1.bin', 'a/2.bin', 'a/3.bin', 'a/deep/4.bin', 'a/deep/5.bin'], 'every key under the prefix, in order');
  t.equal(all.calls.length, 3, 'five keys at two a page take three requests');

  const direct: string[] = [];
  for await (const o of listAll(fx.store, BUCKET, 'a/', { delimiter: '/', pageSize: 1 })) direct.push(o.key);
  t.same(direct, ['a/1.bin', 'a/2.bin', 'a/3.bin'], 'with "/" only the objects directly under the prefix');

  const whole: string[] = [];
  for await (const o of listAll(fx.store, BUCKET)) whole.push(o.key);
  t.same(whole, KEYS, 'no prefix: the whole bucket');

  const early = counting(fx.store);
  for await (const o of listAll(early.store, BUCKET, '', { pageSize: 2 })) if (o.key === 'a/1.bin') break;
  t.equal(early.calls.length, 1, 'breaking out requests no further page');
});

t.test('listAllObjects yields every user object with original sizes across engine pages', async (t) => {
  const fx = await fsEngine();
  t.teardown(() => fx.close());
  await fx.engine.createBucket(BUCKET);
  const payload = Buffer.alloc(10_000, 7);
  const keys = ['r/v1.zip', 'r/v2.zip', 'r/notes.txt', 's/v1.zip', 'z.txt'];
  for (const key of keys) await fx.engine.putObject({ bucket: BUCKET, key, body: body(payload) });
  const pages: number[] = [];
  const lister = {
    listObjects: async (input: Parameters<typeof fx.engine.listObjects>[0]) => {
      const page = await fx.engine.listObjects({ ...input, maxKeys: 2 });
      pages.push(page.objects.length);
      return page;
    },
  };
  const seen: { key: string; size: number }[] = [];
  for await (const o of listAllObjects(lister, BUCKET)) seen.push({ key: o.key, size: o.size });
  t.same(seen, [...keys].sort().map((key) => ({ key, size: payload.length })), 'every user object once, original sizes, user-key order');
  t.same(pages, [2, 2, 1], 'followed the continuation tokens');
  const under: string[] = [];
  for await (const o of listAllObjects(fx.engine, BUCKET, 'r/')) under.push(o.key);
  t.same(under, ['r/notes.txt', 'r/v1.zip', 'r/v2.zip'], 'a prefix limits the listing; references stay hidden');
});
