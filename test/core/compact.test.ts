/**
 * The compact storage profile against real stores and the real codec: what it
 * stores (the smallest of delta, compressed, raw), gzip-aware deltas, mixed-profile
 * deltaspaces, and that hostile or corrupt metadata gives an error, never wrong bytes.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENGINE_FIXTURES, body, fsEngine, readAll } from '../helpers/engines.js';
import { versions } from '../helpers/data.js';
import { META, type DeltaGliderEngine, type ObjectStore, type StorageProfile } from '../../src/index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function get(engine: DeltaGliderEngine, key: string, bucket = 'bkt'): Promise<Buffer> {
  return readAll((await engine.getObject({ bucket, key })).body);
}

/** Rewrites a stored object in place (bytes and/or metadata), as damage or a hostile writer would. */
async function tamper(store: ObjectStore, key: string, change: { metadata?: (m: Record<string, string>) => void; bytes?: (b: Buffer) => Buffer }, bucket = 'bkt'): Promise<void> {
  const got = await store.getObject(bucket, key);
  let bytes = await readAll(got.body);
  const metadata = { ...got.info.metadata };
  change.metadata?.(metadata);
  if (change.bytes) bytes = change.bytes(bytes);
  const dir = mkdtempSync(join(tmpdir(), 'dg-tamper-'));
  try {
    writeFileSync(join(dir, 'b'), bytes);
    await store.putObject(bucket, key, { path: join(dir, 'b'), size: bytes.length }, { metadata, contentType: got.info.contentType });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Text-like bytes: compress well with brotli, unrelated to the binary-like `versions()`. */
function text(size: number, seed: number): Buffer {
  const words = ['release', 'notes', 'fixed', 'crash', 'when', 'loading', 'config', 'files', 'improved', 'speed', 'of', 'the', 'parser'];
  const out: string[] = [];
  let x = seed;
  let n = 0;
  while (n < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = `${words[x % words.length]} ${x % 97} `;
    out.push(w);
    n += w.length;
  }
  return Buffer.from(out.join('').slice(0, size));
}

for (const make of ENGINE_FIXTURES) {
  t.test(`compact profile on ${make.name}`, async (t) => {
    const fx = await make({ profile: 'compact' });
    t.teardown(() => fx.close());
    const { engine, store } = fx;
    await engine.createBucket('bkt');
    const vs = versions(300_000, 3, 11);

    t.test('the baseline is stored compressed under a name no user key can have, and deltas point at it', async (t) => {
      const r0 = await engine.putObject({ bucket: 'bkt', key: 'rel/v0.zip', body: body(vs[0]!) });
      t.equal(r0.storageType, 'reference');
      const base = await store.headObject('bkt', 'rel/reference.000001.delta.delta');
      t.ok(base, 'compact baseline exists');
      t.equal(await store.headObject('bkt', 'rel/reference.bin'), undefined, 'no compatible reference.bin is written');
      t.equal(base!.metadata[META.profile], 'compact/1');
      t.equal(base!.metadata[META.compression], 'br');
      t.equal(base!.metadata[META.fileSha256], sha(vs[0]!));
      t.ok(base!.size < vs[0]!.length * 0.8, `baseline stored in ${base!.size} of ${vs[0]!.length} bytes`);
      for (let i = 1; i < vs.length; i++) {
        const r = await engine.putObject({ bucket: 'bkt', key: `rel/v${i}.zip`, body: body(vs[i]!), contentType: 'application/zip', userMetadata: { build: String(i) } });
        t.equal(r.storageType, 'delta', `v${i} is a delta`);
        const m = (await store.headObject('bkt', `rel/v${i}.zip.delta`))!.metadata;
        t.equal(m[META.refKey], 'rel/reference.000001.delta.delta');
        t.equal(m[META.refSha256], sha(vs[0]!));
        t.equal(m[META.profile], 'compact/1');
      }
      for (let i = 0; i < vs.length; i++) {
        const got = await engine.getObject({ bucket: 'bkt', key: `rel/v${i}.zip` });
        t.equal(sha(await readAll(got.body)), sha(vs[i]!), `v${i} round-trips`);
        t.equal(got.info.etag, md5(vs[i]!));
        t.equal(got.info.profile, 'compact');
      }
    });

    t.test('listings hide the baseline and report original sizes; stats count what is stored', async (t) => {
      const listed = await engine.listObjects({ bucket: 'bkt', prefix: 'rel/' });
      t.same(listed.objects.map((o) => [o.key, o.size]), vs.map((v, i) => [`rel/v${i}.zip`, v.length]));
      const { deltaspaceStats } = await import('../../src/index.js');
      await engine.flushListingIndexes(); // the listing index is written just after the writes it describes
      const [space] = await deltaspaceStats(engine, 'bkt', 'rel/');
      const backend = (await store.listObjects('bkt', { prefix: 'rel/' })).objects.reduce((n, o) => n + o.size, 0);
      t.equal(space!.storedBytes, backend, 'stored bytes = everything the backend holds, baseline included');
      t.equal(space!.referenceBytes, (await store.headObject('bkt', 'rel/reference.000001.delta.delta'))!.size);
    });

    t.test('an unrelated compressible object is stored compressed, at P/name.delta, never at P/name', async (t) => {
      const notes = text(200_000, 5);
      const r = await engine.putObject({ bucket: 'bkt', key: 'rel/notes.zip', body: body(notes) });
      t.equal(r.storageType, 'compressed');
      t.ok(r.storedSize < notes.length / 3, `compressed to ${r.storedSize}`);
      t.equal(await store.headObject('bkt', 'rel/notes.zip'), undefined, 'nothing at the passthrough key');
      const m = (await store.headObject('bkt', 'rel/notes.zip.delta'))!.metadata;
      t.equal(m[META.note], 'compressed');
      t.equal(m[META.compression], 'br');
      t.equal(m[META.refKey], undefined, 'needs no reference');
      t.same(await get(engine, 'rel/notes.zip'), notes);
      const range = await engine.getObject({ bucket: 'bkt', key: 'rel/notes.zip', range: 'bytes=100-199' });
      t.same(await readAll(range.body), notes.subarray(100, 200));
      t.equal((await engine.headObject({ bucket: 'bkt', key: 'rel/notes.zip' })).storageType, 'compressed');
    });

    t.test('incompressible unrelated bytes are stored as they are', async (t) => {
      const noise = randomBytes(150_000);
      const r = await engine.putObject({ bucket: 'bkt', key: 'rel/noise.zip', body: body(noise) });
      t.equal(r.storageType, 'passthrough');
      const stored = await store.headObject('bkt', 'rel/noise.zip');
      t.equal(stored!.size, noise.length);
      t.equal(stored!.metadata[META.compression], 'none');
      t.same(await get(engine, 'rel/noise.zip'), noise);
    });

    t.test('a corrupt compressed baseline is an integrity error, never wrong bytes', async (t) => {
      const fresh = await make({ profile: 'compact' });
      t.teardown(() => fresh.close());
      await fresh.engine.createBucket('bkt');
      await fresh.engine.putObject({ bucket: 'bkt', key: 'c/v0.zip', body: body(vs[0]!) });
      await fresh.engine.putObject({ bucket: 'bkt', key: 'c/v1.zip', body: body(vs[1]!) });
      await tamper(fresh.store, 'c/reference.000001.delta.delta', { bytes: (b) => { const c = Buffer.from(b); c[c.length >> 1] ^= 0x55; return c; } });
      // A reader with a cold cache, as after a restart, on the damaged store.
      const { DeltaGliderEngine, createCodec } = await import('../../src/index.js');
      const cold = new DeltaGliderEngine({ store: fresh.store, codec: createCodec() });
      t.teardown(() => cold.close());
      await t.rejects(cold.getObject({ bucket: 'bkt', key: 'c/v1.zip' }), { code: 'IntegrityError' });
    });
  });
}

t.test('gzip-aware deltas', async (t) => {
  const fx = await fsEngine({ profile: 'compact' });
  t.teardown(() => fx.close());
  const { engine, store } = fx;
  await engine.createBucket('bkt');
  const inner = versions(400_000, 3, 21);
  const tgz = inner.map((v) => gzipSync(v, { level: 9 }));

  t.test('a zlib-made .tgz is stored as a delta of its inner stream plus a recipe, and rebuilt exactly', async (t) => {
    for (let i = 0; i < tgz.length; i++) {
      const r = await engine.putObject({ bucket: 'bkt', key: `npm/pkg-${i}.tgz`, body: body(tgz[i]!) });
      if (i > 0) t.ok(r.storedSize < tgz[i]!.length / 20, `v${i}: ${r.storedSize} stored for ${tgz[i]!.length} (a byte delta of gzip output saves nothing)`);
    }
    const m = (await store.headObject('bkt', 'npm/pkg-2.tgz.delta'))!.metadata;
    t.match(m[META.gzip], /^v=1;level=9;mem=8;/);
    t.equal(m[META.fileSha256], sha(tgz[2]!));
    const base = await store.headObject('bkt', 'npm/reference.000001.delta.delta');
    t.equal(base!.metadata[META.fileSha256], sha(inner[0]!), 'the baseline is the inner stream of the first upload');
    for (let i = 0; i < tgz.length; i++) t.same(await get(engine, `npm/pkg-${i}.tgz`), tgz[i], `pkg-${i}.tgz byte-exact`);
    t.equal((await engine.headObject({ bucket: 'bkt', key: 'npm/pkg-0.tgz' })).storageType, 'reference', 'the seed (a self-delta of its inner stream) reads as the reference');
    t.equal((await engine.headObject({ bucket: 'bkt', key: 'npm/pkg-1.tgz' })).storageType, 'delta');
  });

  t.test('a gzip that zlib does not reproduce (GNU gzip) takes the plain path and round-trips', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-gnu-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'x'), inner[1]!);
    execFileSync('gzip', ['-9', join(dir, 'x')]);
    const gnu = readFileSync(join(dir, 'x.gz'));
    t.notSame(gnu.subarray(10, -8), gzipSync(inner[1]!, { level: 9 }).subarray(10, -8), 'GNU gzip output differs from zlib');
    await engine.putObject({ bucket: 'bkt', key: 'npm/gnu.tgz', body: body(gnu) });
    const stored = (await store.headObject('bkt', 'npm/gnu.tgz.delta')) ?? (await store.headObject('bkt', 'npm/gnu.tgz'));
    t.equal(stored!.metadata[META.gzip], undefined, 'no recipe');
    t.same(await get(engine, 'npm/gnu.tgz'), gnu);
  });

  t.test('several members or trailing bytes take the plain path', async (t) => {
    const two = Buffer.concat([gzipSync(inner[0]!.subarray(0, 100_000)), gzipSync(inner[1]!.subarray(0, 100_000))]);
    const trailing = Buffer.concat([gzipSync(inner[2]!, { level: 9 }), Buffer.from('junk after the member')]);
    for (const [name, bytes] of [['two.tgz', two], ['trailing.tgz', trailing]] as const) {
      await engine.putObject({ bucket: 'bkt', key: `npm/${name}`, body: body(bytes) });
      const stored = (await store.headObject('bkt', `npm/${name}.delta`)) ?? (await store.headObject('bkt', `npm/${name}`));
      t.equal(stored!.metadata[META.gzip], undefined, `${name}: no recipe`);
      t.same(await get(engine, `npm/${name}`), bytes, `${name} round-trips`);
    }
  });

  t.test('a corrupt recipe is an error, never wrong bytes', async (t) => {
    const cases: [string, (m: Record<string, string>) => void][] = [
      ['level changed', (m) => { m[META.gzip] = m[META.gzip]!.replace('level=9', 'level=1'); }],
      ['header changed', (m) => { m[META.gzip] = m[META.gzip]!.replace(/header=([^;]+)/, (_, h: string) => { const b = Buffer.from(h, 'base64url'); b[4] = (b[4]! + 1) & 0xff; return `header=${b.toString('base64url')}`; }); }],
      ['trailer changed', (m) => { m[META.gzip] = m[META.gzip]!.replace(/trailer=[0-9a-f]{2}/, 'trailer=00'); }],
      ['garbage', (m) => { m[META.gzip] = 'v=1;level=banana'; }],
      ['unknown version', (m) => { m[META.gzip] = m[META.gzip]!.replace('v=1', 'v=9'); }],
    ];
    for (const [what, change] of cases) {
      await engine.putObject({ bucket: 'bkt', key: 'npm/victim.tgz', body: body(tgz[1]!) });
      await tamper(store, 'npm/victim.tgz.delta', { metadata: change });
      await t.rejects(get(engine, 'npm/victim.tgz'), { code: 'IntegrityError' }, what);
    }
  });
});

t.test('mixed-profile deltaspaces read back byte-exact whichever profile wrote each object', async (t) => {
  let profile: StorageProfile = 'compatible';
  const fx = await fsEngine({ profile: () => profile });
  t.teardown(() => fx.close());
  const { engine, store } = fx;
  await engine.createBucket('bkt');
  const vs = versions(250_000, 6, 31);
  await engine.putObject({ bucket: 'bkt', key: 'mix/v0.zip', body: body(vs[0]!) });
  await engine.putObject({ bucket: 'bkt', key: 'mix/v1.zip', body: body(vs[1]!) });
  t.ok(await store.headObject('bkt', 'mix/reference.bin'), 'compatible reference.bin');
  profile = 'compact';
  await engine.putObject({ bucket: 'bkt', key: 'mix/v2.zip', body: body(vs[2]!) });
  const m2 = (await store.headObject('bkt', 'mix/v2.zip.delta'))!.metadata;
  t.equal(m2[META.refKey], 'mix/reference.bin', 'compact deltas use the existing raw reference rather than storing a second baseline');
  t.equal(m2[META.profile], 'compact/1');
  await engine.putObject({ bucket: 'bkt', key: 'fresh/v0.zip', body: body(vs[0]!) });
  profile = 'compatible';
  await engine.putObject({ bucket: 'bkt', key: 'mix/v3.zip', body: body(vs[3]!) });
  await engine.putObject({ bucket: 'bkt', key: 'fresh/v1.zip', body: body(vs[1]!) });
  const m3 = (await store.headObject('bkt', 'fresh/v1.zip.delta'))!.metadata;
  t.equal(m3[META.refKey], 'fresh/reference.bin', 'a compatible write into a compact deltaspace makes its own raw reference.bin');
  t.equal(m3[META.profile], undefined, 'and writes no compact field');
  profile = 'compact';
  await engine.putObject({ bucket: 'bkt', key: 'fresh/v2.zip', body: body(vs[2]!) });
  t.equal((await store.headObject('bkt', 'fresh/v2.zip.delta'))!.metadata[META.refKey], 'fresh/reference.000001.delta.delta', 'compact prefers the compact baseline');
  const { DeltaGliderEngine, createCodec } = await import('../../src/index.js');
  for (const reader of [engine, new DeltaGliderEngine({ store, codec: createCodec() })]) {
    for (const [key, v] of [['mix/v0.zip', vs[0]], ['mix/v1.zip', vs[1]], ['mix/v2.zip', vs[2]], ['mix/v3.zip', vs[3]], ['fresh/v0.zip', vs[0]], ['fresh/v1.zip', vs[1]], ['fresh/v2.zip', vs[2]]] as const) {
      t.equal(sha(await get(reader, key)), sha(v!), `${key} byte-exact`);
    }
    if (reader !== engine) await reader.close();
  }
  await engine.deleteObjects({ bucket: 'bkt', keys: ['fresh/v0.zip', 'fresh/v1.zip'] });
  t.ok(await store.headObject('bkt', 'fresh/reference.bin'), 'baselines stay while a delta of the deltaspace exists');
  await engine.deleteObject({ bucket: 'bkt', key: 'fresh/v2.zip' });
  t.same((await store.listObjects('bkt', { prefix: 'fresh/' })).objects, [], 'both baselines collected with the last object');
});

t.test('hostile dg-ref-key metadata never makes a read fetch another object', async (t) => {
  const fx = await fsEngine({ profile: 'compact' });
  t.teardown(() => fx.close());
  await fx.engine.createBucket('bkt');
  const vs = versions(200_000, 2, 41);
  for (const [key, v] of [['a/v0.zip', vs[0]], ['a/v1.zip', vs[1]], ['b/secret.zip', vs[0]]] as const) await fx.engine.putObject({ bucket: 'bkt', key, body: body(v!) });
  const reads: string[] = [];
  const spied = new Proxy(fx.store, {
    get(target, prop, receiver) {
      if (prop === 'getObject') return (bucket: string, key: string, range?: never) => (reads.push(key), target.getObject(bucket, key, range));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const { DeltaGliderEngine, createCodec } = await import('../../src/index.js');
  const reader = new DeltaGliderEngine({ store: spied, codec: createCodec() });
  t.teardown(() => reader.close());
  for (const hostile of ['b/secret.zip.delta', 'b/reference.000001.delta.delta', 'a/v0.zip.delta', '../b/reference.bin', '/a/reference.bin']) {
    await tamper(fx.store, 'a/v1.zip.delta', { metadata: (m) => { m[META.refKey] = hostile; } });
    reads.length = 0;
    await t.rejects(get(reader, 'a/v1.zip'), { code: 'IntegrityError' }, `dg-ref-key ${hostile} is refused`);
    t.same(reads.filter((k) => !k.startsWith('a/v1.zip')), [], `nothing else was read for ${hostile}`);
  }
  // A compatible delta (no dg-profile) with a strange dg-ref-key falls back to its own deltaspace's reference.bin, checked by dg-ref-sha256.
  const compat = await fsEngine();
  t.teardown(() => compat.close());
  await compat.engine.createBucket('bkt');
  for (const [key, v] of [['a/v0.zip', vs[0]], ['a/v1.zip', vs[1]], ['b/v0.zip', vs[1]]] as const) await compat.engine.putObject({ bucket: 'bkt', key, body: body(v!) });
  await tamper(compat.store, 'a/v1.zip.delta', { metadata: (m) => { m[META.refKey] = 'b/reference.bin'; } });
  const cold = new DeltaGliderEngine({ store: compat.store, codec: createCodec() });
  t.teardown(() => cold.close());
  t.equal(sha(await get(cold, 'a/v1.zip')), sha(vs[1]!), 'read against a/reference.bin, not b/reference.bin');
});

t.test('objects from a newer compact version or an unknown compression are refused, not served raw', async (t) => {
  const fx = await fsEngine({ profile: 'compact' });
  t.teardown(() => fx.close());
  await fx.engine.createBucket('bkt');
  const noise = randomBytes(50_000);
  await fx.engine.putObject({ bucket: 'bkt', key: 'n/seed.zip', body: body(randomBytes(50_000)) });
  await fx.engine.putObject({ bucket: 'bkt', key: 'n/raw.zip', body: body(noise) });
  t.same(await get(fx.engine, 'n/raw.zip'), noise, 'stored as is (nothing smaller)');
  await tamper(fx.store, 'n/raw.zip', { metadata: (m) => { m[META.profile] = 'compact/3'; } });
  await t.rejects(get(fx.engine, 'n/raw.zip'), { code: 'UnsupportedFormat', message: /compact\/3/ });
  await tamper(fx.store, 'n/raw.zip', { metadata: (m) => { m[META.profile] = 'compact/1'; m[META.compression] = 'lzham'; } });
  await t.rejects(get(fx.engine, 'n/raw.zip'), { code: 'UnsupportedFormat', message: /lzham/ });
});

t.test('profile options are validated eagerly', async (t) => {
  const { resolveEngineOptions, FileSystemStore, createCodec } = await import('../../src/index.js');
  const base = { store: new FileSystemStore(mkdtempSync(join(tmpdir(), 'dg-opt-'))), codec: createCodec() };
  t.throws(() => resolveEngineOptions({ ...base, profile: 'tiny' as StorageProfile }), /option profile must be one of compatible, compact/);
  t.throws(() => resolveEngineOptions({ ...base, compressionLevel: 12 }), /brotli quality 0..11/);
  t.throws(() => resolveEngineOptions({ ...base, gzipAware: 'yes' as unknown as boolean }), /gzipAware must be a boolean/);
  const select = resolveEngineOptions({ ...base, profile: () => 'nope' as StorageProfile }).profile;
  t.throws(() => select('b', 'k'), /returned "nope"/);
});

/** Versions that drift away from the first: version i rewrites i*i/60 of it. */
function drifting(size: number, count: number, seed: number): Buffer[] {
  const first = versions(size, 1, seed)[0]!;
  return Array.from({ length: count }, (_, i) => {
    const v = Buffer.from(first);
    versions(Math.max(1, Math.floor((size * i * i) / 60)), 1, seed + 1 + i)[0]!.copy(v, 0);
    return v;
  });
}

t.test('baselines follow the releases: a drifting upload becomes the next baseline, old ones are collected when unused', async (t) => {
  const fx = await fsEngine({ profile: 'compact' });
  t.teardown(() => fx.close());
  const { engine, store } = fx;
  await engine.createBucket('bkt');
  const vs = drifting(200_000, 10, 61);
  const types: string[] = [];
  for (let i = 0; i < 8; i++) types.push((await engine.putObject({ bucket: 'bkt', key: `d/v${i}.zip`, body: body(vs[i]!) })).storageType);
  const baselines = (await store.listObjects('bkt', { prefix: 'd/reference.' })).objects.map((o) => o.key);
  t.ok(baselines.includes('d/reference.000002.delta.delta'), `a second generation was started (${types.join(', ')})`);
  const refOf = async (i: number) => (await store.headObject('bkt', `d/v${i}.zip.delta`))?.metadata[META.refKey];
  const rotatedAt = types.indexOf('reference', 1);
  t.ok(rotatedAt > 1, `the baseline moved at v${rotatedAt}`);
  t.equal(await refOf(rotatedAt - 1), 'd/reference.000001.delta.delta', 'deltas before the rotation keep their baseline (nothing rewritten)');
  t.equal(await refOf(7), (await store.listObjects('bkt', { prefix: 'd/reference.' })).objects.at(-1)!.key, 'new uploads use the newest baseline');
  for (let i = 0; i < 8; i++) t.equal(sha(await get(engine, `d/v${i}.zip`)), sha(vs[i]!), `v${i} byte-exact`);

  // Delete every object of the first generation while new versions arrive and others are read.
  const olds = Array.from({ length: rotatedAt }, (_, i) => `d/v${i}.zip`);
  await Promise.all([
    ...olds.map((key) => engine.deleteObject({ bucket: 'bkt', key })),
    engine.putObject({ bucket: 'bkt', key: 'd/v8.zip', body: body(vs[8]!) }),
    engine.putObject({ bucket: 'bkt', key: 'd/v9.zip', body: body(vs[9]!) }),
    get(engine, `d/v${rotatedAt}.zip`),
    get(engine, 'd/v7.zip'),
  ]);
  const left = (await store.listObjects('bkt', { prefix: 'd/' })).objects.map((o) => o.key);
  t.notOk(left.includes('d/reference.000001.delta.delta'), `the first generation is collected once unused (${left.join(', ')})`);
  for (const k of left.filter((k) => k.endsWith('.zip.delta'))) {
    const ref = (await store.headObject('bkt', k))!.metadata[META.refKey]!;
    t.ok(left.includes(ref), `${k} still has its baseline ${ref}`);
  }
  for (let i = rotatedAt; i < 10; i++) t.equal(sha(await get(engine, `d/v${i}.zip`)), sha(vs[i]!), `v${i} byte-exact after the collection`);
  await engine.deleteObjects({ bucket: 'bkt', keys: Array.from({ length: 10 }, (_, i) => `d/v${i}.zip`) });
  t.same((await store.listObjects('bkt', { prefix: 'd/' })).objects, [], 'every baseline goes with the last object');
});

t.test('baselineRotationRatio 0 keeps the first baseline', async (t) => {
  const fx = await fsEngine({ profile: 'compact', baselineRotationRatio: 0 });
  t.teardown(() => fx.close());
  await fx.engine.createBucket('bkt');
  const vs = drifting(200_000, 8, 71);
  for (let i = 0; i < vs.length; i++) await fx.engine.putObject({ bucket: 'bkt', key: `d/v${i}.zip`, body: body(vs[i]!) });
  t.same((await fx.store.listObjects('bkt', { prefix: 'd/reference.' })).objects.map((o) => o.key), ['d/reference.000001.delta.delta']);
});
