/**
 * The listing index (docs/STORAGE_FORMAT.md "Addendum: listing index (version 1)"): a
 * fresh engine lists delta objects without a HEAD each once the index exists, and a
 * stale, corrupt, missing or future index, or writes racing the listing, never change
 * what a listing says (it falls back to the HEAD).
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { body, ENGINE_FIXTURES, readAll, type EngineFixture } from '../helpers/engines.js';
import { createCodec, DeltaGliderEngine, type ObjectStore } from '../../src/index.js';
import { listingIndexKeyOf } from '../../src/core/format/listing-index.js';
import { listAll } from '../../src/core/store/list-all.js';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** A store that counts the HEADs and LISTs sent through it. */
function counting(store: ObjectStore): { store: ObjectStore; heads: () => number; lists: () => number; reset: () => void } {
  let heads = 0;
  let lists = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'headObject') return (...args: Parameters<ObjectStore['headObject']>) => (heads++, target.headObject(...args));
      if (prop === 'listObjects') return (...args: Parameters<ObjectStore['listObjects']>) => (lists++, target.listObjects(...args));
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, heads: () => heads, lists: () => lists, reset: () => ((heads = 0), (lists = 0)) };
}

/** A new engine over the fixture's store (nothing in memory), counting its HEADs. */
function freshEngine(fx: EngineFixture): { engine: DeltaGliderEngine; heads: () => number; lists: () => number; reset: () => void } {
  const c = counting(fx.store);
  return { engine: new DeltaGliderEngine({ store: c.store, codec: createCodec() }), ...c };
}

/** Versions of one 8 KiB file with a few bytes changed each: stored as deltas. */
function versions(n: number): Buffer[] {
  const base = randomBytes(8192);
  return Array.from({ length: n }, (_, i) => {
    const v = Buffer.from(base);
    v.writeUInt32BE(i, 100);
    v.writeUInt32BE(i * 7, 4000 + (i % 50));
    return v;
  });
}

async function listAllUser(engine: DeltaGliderEngine, bucket: string, prefix = '', maxKeys = 1000): Promise<Map<string, { size: number; etag: string; storageType: string }>> {
  const out = new Map<string, { size: number; etag: string; storageType: string }>();
  let token: string | undefined;
  do {
    const page = await engine.listObjects({ bucket, prefix, maxKeys, continuationToken: token });
    for (const o of page.objects) {
      if (out.has(o.key)) throw new Error(`${o.key} listed twice`);
      out.set(o.key, { size: o.size, etag: o.etag, storageType: o.storageType });
    }
    token = page.isTruncated ? page.nextContinuationToken : undefined;
  } while (token);
  return out;
}

/** What a HEAD and a GET say of every key: the truth a listing must match. */
async function truth(engine: DeltaGliderEngine, bucket: string, keys: Iterable<string>): Promise<Map<string, { size: number; etag: string; storageType: string }>> {
  const out = new Map<string, { size: number; etag: string; storageType: string }>();
  for (const key of keys) {
    const head = await engine.headObject({ bucket, key });
    const got = await engine.getObject({ bucket, key });
    const bytes = await readAll(got.body);
    if (bytes.length !== head.size || md5(bytes) !== head.etag) throw new Error(`HEAD and GET of ${key} disagree`);
    out.set(key, { size: head.size, etag: head.etag, storageType: head.storageType });
  }
  return out;
}

async function putRaw(store: ObjectStore, bucket: string, key: string, text: string): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'dg-idx-')), 'body');
  writeFileSync(file, text);
  await store.putObject(bucket, key, { path: file, size: Buffer.byteLength(text) }, { metadata: {} });
}

async function getRaw(store: ObjectStore, bucket: string, key: string): Promise<string> {
  return (await readAll((await store.getObject(bucket, key)).body)).toString('utf8');
}

const SPACES = ['rel/a', 'rel/b', 'rel/c.1'];
const PER_SPACE = 8;

/** Writes PER_SPACE delta objects in each space (and one passthrough text file) through the fixture's engine. */
async function populate(fx: EngineFixture, bucket: string): Promise<string[]> {
  await fx.engine.createBucket(bucket);
  const keys: string[] = [];
  for (const space of SPACES) {
    const vs = versions(PER_SPACE);
    for (let i = 0; i < PER_SPACE; i++) {
      const key = `${space}/app-1.${i}.zip`;
      await fx.engine.putObject({ bucket, key, body: body(vs[i] as Buffer) });
      keys.push(key);
    }
    await fx.engine.putObject({ bucket, key: `${space}/notes.txt`, body: body('plain text') });
    keys.push(`${space}/notes.txt`);
  }
  await fx.engine.flushListingIndexes();
  return keys;
}

for (const make of ENGINE_FIXTURES) {
  t.test(`listing index on ${make.name}`, async (t) => {
    const fx = await make();
    t.teardown(() => fx.close());

    t.test('a fresh engine lists the delta objects of indexed deltaspaces without a single HEAD, sizes and ETags those of GET', async (t) => {
      const keys = await populate(fx, 'idx-fresh');
      for (const space of SPACES) t.ok(await fx.store.headObject('idx-fresh', listingIndexKeyOf(space)), `${space} has an index`);
      const expected = await truth(fx.engine, 'idx-fresh', keys);
      t.equal([...expected.values()].filter((e) => e.storageType === 'delta').length, SPACES.length * (PER_SPACE - 1), 'the fixture holds deltas');
      for (const maxKeys of [1000, 5, 1]) {
        const b = freshEngine(fx);
        t.same(await listAllUser(b.engine, 'idx-fresh', '', maxKeys), expected, `paged at ${maxKeys}`);
        t.equal(b.heads(), 0, `no HEAD paged at ${maxKeys}`);
        await b.engine.close();
      }
      // A listing of a prefix inside a deltaspace (the index object itself is not listed).
      const b = freshEngine(fx);
      const inside = await listAllUser(b.engine, 'idx-fresh', 'rel/b/app-1.');
      t.equal(inside.size, PER_SPACE);
      for (const [k, v] of inside) t.same(v, expected.get(k));
      t.equal(b.heads(), 0, 'no HEAD for a prefix inside a deltaspace');
      await b.engine.close();
    });

    t.test('a missing index is rebuilt from the HEADs of a listing, and the next fresh engine needs none', async (t) => {
      const keys = await populate(fx, 'idx-rebuild');
      for (const space of SPACES) await fx.store.deleteObject('idx-rebuild', listingIndexKeyOf(space));
      const expected = await truth(fx.engine, 'idx-rebuild', keys);
      const b = freshEngine(fx);
      t.same(await listAllUser(b.engine, 'idx-rebuild'), expected, 'listed right without an index (objects of the other tools)');
      t.equal(b.heads(), SPACES.length * PER_SPACE, 'one HEAD per delta object');
      await b.engine.close(); // writes back what the HEADs learned
      const c = freshEngine(fx);
      t.same(await listAllUser(c.engine, 'idx-rebuild'), expected);
      t.equal(c.heads(), 0, 'the rebuilt index answers');
      await c.engine.close();
    });

    t.test('a stale index (objects overwritten and deleted behind its back) never changes what is listed', async (t) => {
      const keys = await populate(fx, 'idx-stale');
      const old = await getRaw(fx.store, 'idx-stale', listingIndexKeyOf('rel/a'));
      // Another writer overwrites one key (different content) and deletes another; the old index is put back.
      await fx.engine.putObject({ bucket: 'idx-stale', key: 'rel/a/app-1.3.zip', body: body(Buffer.concat([randomBytes(100), Buffer.alloc(9000, 7)])) });
      await fx.engine.deleteObject({ bucket: 'idx-stale', key: 'rel/a/app-1.5.zip' });
      await fx.engine.flushListingIndexes();
      await putRaw(fx.store, 'idx-stale', listingIndexKeyOf('rel/a'), old);
      const expected = await truth(fx.engine, 'idx-stale', keys.filter((k) => k !== 'rel/a/app-1.5.zip'));
      const b = freshEngine(fx);
      const listed = await listAllUser(b.engine, 'idx-stale');
      t.same(listed, expected);
      t.notOk(listed.has('rel/a/app-1.5.zip'), 'the deleted key is gone');
      t.equal(listed.get('rel/a/app-1.3.zip')?.size, 9100, 'the overwritten key shows its new size');
      t.ok(b.heads() >= 1 && b.heads() <= 2, `the stale entry cost a HEAD (${b.heads()})`);
      await b.engine.close();
    });

    t.test('a corrupt, foreign or future-version index is ignored', async (t) => {
      const keys = await populate(fx, 'idx-corrupt');
      const good = JSON.parse(await getRaw(fx.store, 'idx-corrupt', listingIndexKeyOf('rel/a'))) as { entries: Record<string, unknown[]> };
      // Entries with the right backend ETags but lies in every other field: a future version may mean anything.
      const lying = Object.fromEntries(Object.entries(good.entries).map(([n, e]) => [n, [e[0], e[1], 1, 'ffffffffffffffffffffffffffffffff', 'delta']]));
      await putRaw(fx.store, 'idx-corrupt', listingIndexKeyOf('rel/a'), JSON.stringify({ format: 'deltaglider-index', version: 2, entries: lying }));
      await putRaw(fx.store, 'idx-corrupt', listingIndexKeyOf('rel/b'), '{"format": "deltaglider-index", "version": 1, "entries": {"app-1.0.zip.delta": [');
      await putRaw(fx.store, 'idx-corrupt', listingIndexKeyOf('rel/c.1'), JSON.stringify({ format: 'something-else', version: 1, entries: lying }));
      const expected = await truth(fx.engine, 'idx-corrupt', keys);
      const b = freshEngine(fx);
      t.same(await listAllUser(b.engine, 'idx-corrupt'), expected);
      t.equal(b.heads(), SPACES.length * PER_SPACE, 'every delta object was asked');
      await b.engine.close();
    });

    t.test('deleting every object of a deltaspace leaves no index or reference, and the bucket can be deleted', async (t) => {
      const keys = await populate(fx, 'idx-empty');
      // A listing first, so that write-backs are in flight too.
      await listAllUser(freshEngine(fx).engine, 'idx-empty');
      const res = await fx.engine.deleteObjects({ bucket: 'idx-empty', keys });
      t.equal(res.errors.length, 0);
      await fx.engine.flushListingIndexes();
      const left: string[] = [];
      for await (const o of listAll(fx.store, 'idx-empty')) left.push(o.key);
      t.same(left, [], 'nothing left on the backend');
      await fx.engine.deleteBucket('idx-empty');
      t.equal(await fx.engine.headBucket('idx-empty'), false);
    });

    t.test('a bucket holding nothing but a listing index counts as empty', async (t) => {
      await fx.engine.createBucket('idx-orphan');
      await putRaw(fx.store, 'idx-orphan', listingIndexKeyOf('x'), '{}');
      t.same((await fx.engine.listObjects({ bucket: 'idx-orphan', delimiter: '/' })).commonPrefixes, [], 'its folder is not shown');
      await fx.engine.deleteBucket('idx-orphan');
      t.equal(await fx.engine.headBucket('idx-orphan'), false);
    });

    t.test('PUT, overwrite and DELETE racing listings never show a size/ETag pair that was not written for that key', async (t) => {
      await fx.engine.createBucket('idx-race');
      const vs = versions(40);
      const written = new Map<string, Set<string>>();
      const note = (key: string, b: Buffer): void => {
        let s = written.get(key);
        if (!s) written.set(key, (s = new Set()));
        s.add(`${b.length}:${md5(b)}`);
      };
      const keys = Array.from({ length: 6 }, (_, i) => `race/app-${i}.zip`);
      for (const [i, key] of keys.entries()) {
        note(key, vs[i] as Buffer);
        await fx.engine.putObject({ bucket: 'idx-race', key, body: body(vs[i] as Buffer) });
      }
      const other = new DeltaGliderEngine({ store: fx.store, codec: createCodec() }); // a second instance writing
      let stop = false;
      let checks = 0;
      const writer = (async () => {
        for (let round = 0; round < 20; round++) {
          const key = keys[round % keys.length] as string;
          const v = vs[6 + round] as Buffer;
          const bigger = Buffer.concat([v, v.subarray(0, round * 10)]);
          note(key, bigger);
          const w = round % 2 ? other : fx.engine;
          if (round % 5 === 4) await w.deleteObject({ bucket: 'idx-race', key });
          else await w.putObject({ bucket: 'idx-race', key, body: body(bigger) });
          if (round % 3 === 0) await w.flushListingIndexes();
        }
        stop = true;
      })();
      const readers = [fx.engine, other].map(async (engine) => {
        while (!stop) {
          const fresh = freshEngine(fx);
          for (const e of [engine, fresh.engine]) {
            for (const [key, o] of await listAllUser(e, 'idx-race', 'race/', 3)) {
              checks++;
              if (!written.get(key)?.has(`${o.size}:${o.etag}`)) t.fail(`${key} listed as ${o.size}:${o.etag}, never written`);
            }
          }
          await fresh.engine.close();
        }
      });
      await Promise.all([writer, ...readers]);
      await other.close();
      t.ok(checks > 0, `${checks} listed objects checked`);
      await fx.engine.flushListingIndexes();
      const expected = await truth(fx.engine, 'idx-race', (await listAllUser(fx.engine, 'idx-race')).keys());
      const b = freshEngine(fx);
      t.same(await listAllUser(b.engine, 'idx-race'), expected, 'settled: the listing is what HEAD and GET say');
      await b.engine.close();
    });

    t.test('MaxKeys=1 over many version folders with dots reads a handful of backend pages, in user-key order', async (t) => {
      await fx.engine.createBucket('idx-dots');
      const folders = Array.from({ length: 300 }, (_, i) => `r/1.34.${i}${i % 3 ? '' : '.1'}`);
      for (const f of folders) await putRaw(fx.store, 'idx-dots', `${f}/notes.txt`, 'x');
      // User key `r/1.34` stored as `r/1.34.delta`: after every `r/1.34.N/` folder on the backend, first for the user.
      const writer = new DeltaGliderEngine({ store: fx.store, codec: createCodec(), eligible: () => true, minDeltaSize: 0 });
      const vs = versions(2);
      await writer.putObject({ bucket: 'idx-dots', key: 'r/1.34', body: body(vs[0] as Buffer) });
      await writer.putObject({ bucket: 'idx-dots', key: 'r/1.34.zip', body: body(vs[1] as Buffer) });
      await writer.putObject({ bucket: 'idx-dots', key: 'r/1.34.0.1.x', body: body('y') });
      await writer.close();
      t.ok(await fx.store.headObject('idx-dots', 'r/1.34.delta'), 'r/1.34 is stored as a delta');
      await fx.engine.flushListingIndexes();
      const full = [...(await listAllUser(fx.engine, 'idx-dots', 'r/')).keys()];
      t.equal(full.length, 300 + 3);
      const b = freshEngine(fx);
      const first = await b.engine.listObjects({ bucket: 'idx-dots', prefix: 'r/', maxKeys: 1 });
      t.same(first.objects.map((o) => o.key), [full[0]]);
      t.ok(b.lists() <= 4, `first page in ${b.lists()} backend listings`);
      // Paging on at MaxKeys=1 gives the full listing's order.
      const paged: string[] = first.objects.map((o) => o.key);
      let token = first.nextContinuationToken;
      while (token && paged.length < 40) {
        const page = await b.engine.listObjects({ bucket: 'idx-dots', prefix: 'r/', maxKeys: 1, continuationToken: token });
        paged.push(...page.objects.map((o) => o.key));
        token = page.isTruncated ? page.nextContinuationToken : undefined;
      }
      t.same(paged, full.slice(0, paged.length));
      t.ok(b.lists() <= 4 * paged.length, `${paged.length} pages in ${b.lists()} backend listings`);
      await b.engine.close();
    });
  });
}
