/**
 * The per-deltaspace report through its three ways out: the core function, the UI's
 * JSON API (`GET /api/report`) and `deltaglider-proxy report` on the configured store.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';
import { deltaspaceReport, formatDeltaspaceReport, type DeltaspaceReport } from '../../src/index.js';
import { body, fsEngine } from '../helpers/engines.js';
import { randomBytesSeeded, versions } from '../helpers/data.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Versions that drift away from the first: each one rewrites a growing share of it. */
function drifting(size: number, count: number): Buffer[] {
  const first = randomBytesSeeded(size, 90);
  return Array.from({ length: count }, (_, i) => {
    const v = Buffer.from(first);
    randomBytesSeeded(Math.floor((size * i * i) / 60), 91 + i).copy(v, 0);
    return v;
  });
}

t.test('the report shows baselines, ratios, the trend, the profiles, and warns about drift', async (t) => {
  let profile: 'compatible' | 'compact' = 'compatible';
  const fx = await fsEngine({ profile: () => profile });
  t.teardown(() => fx.close());
  const { engine } = fx;
  await engine.createBucket('bkt');
  const vs = versions(200_000, 3, 51);
  await engine.putObject({ bucket: 'bkt', key: 'ok/v0.zip', body: body(vs[0]!) });
  await engine.putObject({ bucket: 'bkt', key: 'ok/v1.zip', body: body(vs[1]!) });
  profile = 'compact';
  await engine.putObject({ bucket: 'bkt', key: 'ok/v2.zip', body: body(vs[2]!) });
  const ds = drifting(200_000, 7);
  for (let i = 0; i < ds.length; i++) await engine.putObject({ bucket: 'bkt', key: `drift/v${i}.zip`, body: body(ds[i]!) });

  const reports = await deltaspaceReport(engine, 'bkt');
  t.same(reports.map((r) => r.deltaspace), ['drift', 'ok']);
  const ok = reports.find((r) => r.deltaspace === 'ok') as DeltaspaceReport;
  t.same(ok.profiles, { compatible: 2, compact: 1 });
  t.same(ok.baselines.map((b) => [b.key, b.generation, b.deltas, b.compression]), [['ok/reference.bin', 0, 3, 'none']]);
  t.same(ok.objects.map((o) => [o.key, o.storageType]), [['ok/v0.zip', 'reference'], ['ok/v1.zip', 'delta'], ['ok/v2.zip', 'delta']]);
  t.equal(ok.storedBytes, ok.baselines[0]!.storedSize + ok.objects.reduce((n, o) => n + o.storedSize, 0));
  t.same(ok.warnings, []);
  const drift = reports.find((r) => r.deltaspace === 'drift') as DeltaspaceReport;
  t.equal(drift.baselines[0]!.key, 'drift/reference.000001.delta.delta');
  t.equal(drift.baselines[0]!.compression, 'br');
  t.ok(drift.trend && drift.trend.growth > 1.5, `ratio grows: ${JSON.stringify(drift.trend)}`);
  t.match(drift.warnings.join('\n'), /drifting away from the releases/);
  const text = formatDeltaspaceReport(reports);
  t.match(text, /bkt\/ok: 3 objects \(compatible 2, compact 1\)/);
  t.match(text, /baseline reference\.000001\.delta\.delta: .*stored .* \(br\), seeded by drift\/v0\.zip/);
  t.match(text, /delta ratio trend: first .* -> last/);
});

t.test('the report accounts for the reference: the seeding object is the baseline, a prefix without one is no deltaspace', async (t) => {
  const fx = await fsEngine();
  t.teardown(() => fx.close());
  const { engine } = fx;
  await engine.createBucket('honest');
  const vs = versions(150_000, 2, 61);
  await engine.putObject({ bucket: 'honest', key: 'rel/v1.zip', body: body(vs[0]!) });
  await engine.putObject({ bucket: 'honest', key: 'rel/v2.zip', body: body(vs[1]!) });
  await engine.putObject({ bucket: 'honest', key: 'solo/only-1.0.zip', body: body(vs[0]!) });
  await engine.putObject({ bucket: 'honest', key: 'notes/readme.txt', body: body(Buffer.from('plain text, stored as is\n')) });
  await engine.putObject({ bucket: 'honest', key: 'top.txt', body: body(Buffer.from('at the root\n')) });

  const reports = await deltaspaceReport(engine, 'honest');
  t.same(reports.map((r) => r.deltaspace), ['rel', 'solo'], 'prefixes of passthrough objects (notes/, the root) are not deltaspaces');
  const text = formatDeltaspaceReport(reports);
  t.match(text, /reference +baseline +\(baseline\) \/ 150000 +v1\.zip/, 'the seeding object reads "baseline", not a 99.9x% ratio');
  t.notMatch(text, /reference +0\.\d\d%/, 'no tiny ratio for the seeding object');
  t.match(text, /honest\/rel: 2 objects .* stored in .* \(baselines included\), \d+\.\d\d% saved/);
  t.match(text, /honest\/solo: 1 objects .*baseline only, nothing to save against yet/, 'a baseline-only deltaspace shows no negative saving');
  t.notMatch(text, /-0\.\d+% saved/);
});

t.test('the report reads objects from the listing index: one HEAD per baseline, the same report as by HEADs', async (t) => {
  let profile: 'compatible' | 'compact' = 'compatible';
  const fx = await fsEngine({ profile: () => profile });
  t.teardown(() => fx.close());
  const { engine, store } = fx;
  await engine.createBucket('bkt');
  const vs = versions(100_000, 8, 61);
  for (let i = 0; i < vs.length; i++) {
    if (i === 5) profile = 'compact';
    await engine.putObject({ bucket: 'bkt', key: `app/v${i}.zip`, body: body(vs[i]!) });
  }
  for (let i = 0; i < 20; i++) await engine.putObject({ bucket: 'bkt', key: `docs/page-${i}.txt`, body: body(Buffer.from(`page ${i}`)) });
  await engine.flushListingIndexes();
  const heads: string[] = [];
  const head = store.headObject.bind(store);
  store.headObject = (bucket, key) => (heads.push(key), head(bucket, key));
  const indexed = await deltaspaceReport(engine, 'bkt');
  t.same(heads, ['app/reference.bin'], 'a HEAD per baseline, none per object (and none in docs/, which has no baseline)');
  t.same(indexed.map((r) => r.deltaspace), ['app']);
  t.same(indexed[0]!.profiles, { compatible: 5, compact: 3 });

  // Without the index, every object costs a HEAD and the report is the same.
  for (const o of (await store.listObjects('bkt', { prefix: 'app/' })).objects) if (o.key.endsWith('.dg-index.delta.delta')) await store.deleteObject('bkt', o.key);
  const fresh = new (engine.constructor as typeof import('../../src/index.js').DeltaGliderEngine)({ store, codec: engine.options.codec });
  t.teardown(() => fresh.close());
  heads.length = 0;
  const byHeads = await deltaspaceReport(fresh, 'bkt');
  t.ok(new Set(heads.filter((k) => k.endsWith('.zip.delta'))).size === 8, 'the fallback HEADs each object');
  t.same(byHeads, indexed);
});

t.test('GET /api/report on the UI port and `deltaglider-proxy report` on the configured store', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-report-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: '127.0.0.1:0', dataDir, logLevel: 'silent', profile: 'compact', encode: 'inline' } });
  const { uiUrl } = await proxy.listen();
  const vs = versions(150_000, 2, 52);
  await proxy.engine.createBucket('bkt');
  for (let i = 0; i < vs.length; i++) await proxy.engine.putObject({ bucket: 'bkt', key: `rel/v${i}.zip`, body: body(vs[i]!) });
  const res = await fetch(`${uiUrl}/api/report?bucket=bkt&prefix=rel/`, { headers: { 'X-DeltaGlider-UI': '1' } });
  t.equal(res.status, 200);
  const api = (await res.json()) as { deltaspaces: DeltaspaceReport[] };
  t.same(api.deltaspaces.map((d) => [d.deltaspace, d.objects.length, d.profiles.compact, d.baselines.length]), [['rel', 2, 2, 1]]);
  const missing = await fetch(`${uiUrl}/api/report?bucket=nope`, { headers: { 'X-DeltaGlider-UI': '1' } });
  t.equal(missing.status, 404);
  await proxy.close();

  const run = promisify(execFile);
  const cli = ['--import', '@tapjs/typescript/import', join(ROOT, 'src', 'reverse-proxy', 'cli.ts')];
  const env = { ...process.env, DGP_DATA_DIR: dataDir, DGP_S3_ENDPOINT: '', DGP_LOG_LEVEL: 'silent' };
  const json = await run(process.execPath, [...cli, 'report', 'bkt', 'rel/', '--json'], { env, cwd: ROOT });
  const fromCli = JSON.parse(json.stdout) as DeltaspaceReport[];
  t.same(fromCli.map((d) => [d.deltaspace, d.storedBytes]), api.deltaspaces.map((d) => [d.deltaspace, d.storedBytes]), 'the CLI and the API agree');
  const text = await run(process.execPath, [...cli, 'report', 'bkt'], { env, cwd: ROOT });
  t.match(text.stdout, /bkt\/rel: 2 objects \(compact 2\)/);
  await t.rejects(run(process.execPath, [...cli, 'report'], { env, cwd: ROOT }), { code: 2, stderr: /a bucket is required/ });
  await t.rejects(run(process.execPath, [...cli, 'report', 'nope'], { env, cwd: ROOT }), { code: 1, stderr: /bucket nope does not exist/ });
});
