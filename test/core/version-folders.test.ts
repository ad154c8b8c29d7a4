/**
 * Version-folder groups (compact profile): same-named objects under sibling version
 * folders share one baseline one folder up, while keys, listings, GET/HEAD/DELETE/Copy
 * and overwrites stay those of plain S3. Real stores, real codec.
 */
import t from 'tap';
import { ENGINE_FIXTURES, body, fsEngine, readAll } from '../helpers/engines.js';
import { versions } from '../helpers/data.js';
import type { DeltaGliderEngine, ObjectStore } from '../../src/index.js';
import { looksLikeVersion, versionFolderMatcher } from '../../src/core/format/version-folders.js';

const SIZE = 200_000;

async function get(engine: DeltaGliderEngine, key: string): Promise<Buffer> {
  return readAll((await engine.getObject({ bucket: 'bkt', key })).body);
}

async function backendKeys(store: ObjectStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listObjects('bkt', { prefix, startAfter: after, maxKeys: 1000 });
    keys.push(...page.objects.map((o) => o.key));
    if (!page.isTruncated) return keys;
    after = page.nextStartAfter;
  }
}

async function userKeys(engine: DeltaGliderEngine, prefix: string, maxKeys: number, delimiter?: string): Promise<{ keys: string[]; prefixes: string[]; pages: number }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await engine.listObjects({ bucket: 'bkt', prefix, delimiter, maxKeys, continuationToken: token });
    pages++;
    keys.push(...page.objects.map((o) => o.key));
    prefixes.push(...page.commonPrefixes);
    token = page.isTruncated ? page.nextContinuationToken : undefined;
  } while (token);
  return { keys, prefixes, pages };
}

t.test('folder names that look like versions', async (t) => {
  for (const v of ['v1.2.3', '1.2.3', '1.2', '2.0.0-rc.1', '1.4.2+b7', 'V10.0', '2026-12-03', '20261203', '2026-12-03T10-15', '1234', 'build-56', 'b56', 'r56', 'v12']) {
    t.ok(looksLikeVersion(v), `${v} is a version`);
  }
  for (const w of ['docs', 'latest', 'stable', 'linux-x64', 'app', 'v', '1.x', 'release-notes', '']) {
    t.notOk(looksLikeVersion(w), `${JSON.stringify(w)} is not a version`);
  }
  const m = versionFolderMatcher(['auto', 'bkt/nightly/*']);
  t.ok(m('bkt', 'releases/v1.2.3'));
  t.ok(m('bkt', 'nightly/tuesday'), 'a glob names folders whatever they are called');
  t.notOk(m('other', 'nightly/tuesday'), 'globs are per bucket');
  t.notOk(m('bkt', 'releases/docs'));
  t.notOk(versionFolderMatcher([])('bkt', 'releases/v1.2.3'), 'an empty list turns grouping off');
  t.throws(() => versionFolderMatcher(['releases']), /glob over bucket\/folder/);
});

for (const make of ENGINE_FIXTURES) {
  t.test(`version folders on ${make.name}`, async (t) => {
    const fx = await make({ profile: 'compact' });
    t.teardown(() => fx.close());
    const { engine, store } = fx;
    await engine.createBucket('bkt');
    const v = versions(SIZE, 4, 11);
    const folders = ['v1.2.3', 'v1.2.4', 'v1.3.0', 'v2.0.0'];
    for (const [i, f] of folders.entries()) {
      const r = await engine.putObject({ bucket: 'bkt', key: `releases/${f}/app.bin`, body: body(v[i]!) });
      t.equal(r.storageType, i === 0 ? 'reference' : 'delta', `${f}/app.bin stored as ${i === 0 ? 'the seed' : 'a delta'}`);
      if (i > 0) t.ok(r.storedSize < SIZE / 10, `${f}: ${r.storedSize} bytes stored for ${v[i]!.length}`);
    }
    const baseline = 'releases/app.bin.baseline.000001.delta.delta';
    t.same((await backendKeys(store)).filter((k) => k.includes('baseline') || k.includes('reference')), [baseline], 'one baseline for the group, one folder up; no per-folder baselines');
    const head = await engine.headObject({ bucket: 'bkt', key: 'releases/v1.3.0/app.bin' });
    t.equal(head.referenceKey, baseline);
    t.equal(head.rawMetadata['dg-profile'], 'compact/2', 'grouped deltas are compact/2: a compact/1 reader refuses them with "upgrade"');
    t.equal((await store.headObject('bkt', baseline))?.metadata['dg-profile'], 'compact/2');
    t.equal(head.size, v[2]!.length);
    for (const [i, f] of folders.entries()) t.ok((await get(engine, `releases/${f}/app.bin`)).equals(v[i]!), `${f} reads back byte-identical`);

    t.test('listing order and paging are those of plain S3', async (t) => {
      const expected = folders.map((f) => `releases/${f}/app.bin`);
      for (const maxKeys of [1, 2, 1000]) {
        const all = await userKeys(engine, '', maxKeys);
        t.same(all.keys, expected, `recursive listing, pages of ${maxKeys}`);
      }
      const byFolder = await userKeys(engine, 'releases/', 1, '/');
      t.same(byFolder.keys, [], 'no object shows directly under releases/ (the baseline is hidden)');
      t.same(byFolder.prefixes, folders.map((f) => `releases/${f}/`), 'the version folders, in order, one per page');
      t.equal(byFolder.pages, folders.length);
    });

    t.test('mixed layouts: flat versions and a non-version sibling keep their own deltaspaces', async (t) => {
      const flat = versions(SIZE, 2, 23);
      await engine.putObject({ bucket: 'bkt', key: 'releases/app-1.bin', body: body(flat[0]!) });
      await engine.putObject({ bucket: 'bkt', key: 'releases/app-2.bin', body: body(flat[1]!) });
      const docs = await engine.putObject({ bucket: 'bkt', key: 'releases/docs/app.bin', body: body(v[3]!) });
      t.equal(docs.storageType, 'reference', 'a non-version sibling folder is not grouped: it seeds its own baseline');
      const keys = await backendKeys(store);
      t.ok(keys.includes('releases/reference.000001.delta.delta'), 'the flat versions have the parent deltaspace baseline');
      t.ok(keys.includes('releases/docs/reference.000001.delta.delta'), 'the docs folder has its own');
      const flatHead = await engine.headObject({ bucket: 'bkt', key: 'releases/app-2.bin' });
      t.equal(flatHead.referenceKey, 'releases/reference.000001.delta.delta');
      t.equal(flatHead.rawMetadata['dg-profile'], 'compact/1', 'ungrouped compact objects stay compact/1');
      await engine.deleteObject({ bucket: 'bkt', key: 'releases/app-1.bin' });
      await engine.deleteObject({ bucket: 'bkt', key: 'releases/app-2.bin' });
      await engine.deleteObject({ bucket: 'bkt', key: 'releases/docs/app.bin' });
      const after = await backendKeys(store);
      t.notOk(after.includes('releases/reference.000001.delta.delta'), 'the flat baseline goes with its last object');
      t.ok(after.includes(baseline), 'the group baseline stays: its versions are still there');
      t.ok((await get(engine, 'releases/v2.0.0/app.bin')).equals(v[3]!));
    });

    t.test('overwriting and deleting the seeding version keeps the others readable', async (t) => {
      const replacement = versions(SIZE, 1, 99)[0]!;
      await engine.putObject({ bucket: 'bkt', key: 'releases/v1.2.3/app.bin', body: body(replacement) });
      t.ok((await get(engine, 'releases/v1.2.3/app.bin')).equals(replacement), 'the overwritten seed reads its new bytes');
      for (const [i, f] of folders.entries()) if (i > 0) t.ok((await get(engine, `releases/${f}/app.bin`)).equals(v[i]!), `${f} still reads back`);
      await engine.deleteObject({ bucket: 'bkt', key: 'releases/v1.2.3/app.bin' });
      t.ok((await backendKeys(store)).includes(baseline), 'the baseline outlives its seeding object');
      for (const [i, f] of folders.entries()) if (i > 0) t.ok((await get(engine, `releases/${f}/app.bin`)).equals(v[i]!), `${f} reads back after the seed is gone`);
      const copied = await engine.copyObject({ bucket: 'bkt', key: 'releases/v2.0.1/app.bin', sourceBucket: 'bkt', sourceKey: 'releases/v2.0.0/app.bin' });
      t.equal(copied.storageType, 'delta', 'a copy into another version folder is a delta against the group baseline');
      t.ok((await get(engine, 'releases/v2.0.1/app.bin')).equals(v[3]!));
    });

    t.test('deleting every version collects the baseline', async (t) => {
      const result = await engine.deleteObjects({ bucket: 'bkt', keys: ['releases/v1.2.4/app.bin', 'releases/v1.3.0/app.bin'] });
      t.equal(result.errors.length, 0);
      t.ok((await backendKeys(store)).includes(baseline), 'two versions left');
      await engine.deleteObject({ bucket: 'bkt', key: 'releases/v2.0.0/app.bin' });
      await engine.deleteObject({ bucket: 'bkt', key: 'releases/v2.0.1/app.bin' });
      t.same(await backendKeys(store), [], 'nothing left on the backend');
    });
  });
}

t.test('the compatible profile does not group (the other tools could not read the deltas)', async (t) => {
  const fx = await fsEngine();
  t.teardown(() => fx.close());
  await fx.engine.createBucket('bkt');
  const v = versions(SIZE, 2, 5);
  await fx.engine.putObject({ bucket: 'bkt', key: 'releases/v1/app.bin', body: body(v[0]!) });
  const r = await fx.engine.putObject({ bucket: 'bkt', key: 'releases/v2/app.bin', body: body(v[1]!) });
  t.equal(r.storageType, 'reference', 'each version folder is its own deltaspace');
  t.same((await backendKeys(fx.store)).filter((k) => k.endsWith('reference.bin')), ['releases/v1/reference.bin', 'releases/v2/reference.bin']);
});

t.test('grouping can be turned off or extended by rules', async (t) => {
  const off = await fsEngine({ profile: 'compact', versionFolders: [] });
  t.teardown(() => off.close());
  await off.engine.createBucket('bkt');
  const v = versions(SIZE, 2, 7);
  await off.engine.putObject({ bucket: 'bkt', key: 'r/v1/a.bin', body: body(v[0]!) });
  t.equal((await off.engine.putObject({ bucket: 'bkt', key: 'r/v2/a.bin', body: body(v[1]!) })).storageType, 'reference', 'versionFolders: [] keeps one deltaspace per folder');
  const ruled = await fsEngine({ profile: 'compact', versionFolders: ['bkt/nightly/*'] });
  t.teardown(() => ruled.close());
  await ruled.engine.createBucket('bkt');
  await ruled.engine.putObject({ bucket: 'bkt', key: 'nightly/monday/a.bin', body: body(v[0]!) });
  t.equal((await ruled.engine.putObject({ bucket: 'bkt', key: 'nightly/tuesday/a.bin', body: body(v[1]!) })).storageType, 'delta', 'a rule groups folders with any name');
  t.equal((await ruled.engine.putObject({ bucket: 'bkt', key: 'releases/v1/a.bin', body: body(v[0]!) })).storageType, 'reference');
  t.equal((await ruled.engine.putObject({ bucket: 'bkt', key: 'releases/v2/a.bin', body: body(v[1]!) })).storageType, 'reference', 'rules without "auto" replace the detector');
});
