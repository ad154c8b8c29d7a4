/**
 * The web UI end to end in a real browser (Debian chromium driven by
 * playwright-core): log in, browse, check sizes and savings against the backend,
 * inspect, download, upload (file control and drag and drop), delete, log out. The
 * reference is accounted honestly: the deltaspace row carries its cost, the seeding
 * object shows "baseline", a prefix of passthrough objects is not a deltaspace.
 * Also writes docs/screenshot.png (the bucket view at 1280x800).
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createReverseProxy, type ReverseProxy } from '../../src/reverse-proxy/index.js';
import { deltaspaceOf, isReferenceKey } from '../../src/core/format/keys.js';
import { formatBytes, formatPercent, formatRatio } from '../../src/ui/client/format.js';
import { gradeRatio as gradeOf } from '../../src/core/engine/deltaspace-summary.js';
import { versions } from '../helpers/data.js';
import { isListingIndexKey } from '../../src/core/format/listing-index.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The README's picture is refreshed with UPDATE_SCREENSHOT=1; ordinary runs write to a
// temp file so they do not touch the work tree.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs', 'screenshot.png') : join(tmpdir(), `dg-screenshot-${process.pid}.png`);
const CREDS = { accessKeyId: 'AKIAUITEST', secretAccessKey: 'ui-secret-key-123' };
const BUCKET = 'artifacts';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Expected {
  objects: number;
  original: number;
  stored: number;
  spaces: Map<string, { original: number; stored: number; reference: number; deltas: number[]; objects: number }>;
}

/** What the backend holds, computed independently of the UI's API. */
async function expected(proxy: ReverseProxy, bucket: string): Promise<Expected> {
  const out: Expected = { objects: 0, original: 0, stored: 0, spaces: new Map() };
  const space = (name: string) => {
    let s = out.spaces.get(name);
    if (!s) out.spaces.set(name, (s = { original: 0, stored: 0, reference: 0, deltas: [], objects: 0 }));
    return s;
  };
  await proxy.engine.flushListingIndexes(); // the listing index is written just after the writes it describes
  const list = await proxy.engine.listObjects({ bucket, maxKeys: 1000 });
  for (const o of list.objects) {
    const s = space(deltaspaceOf(o.key));
    s.objects++;
    s.original += o.size;
    s.stored += o.storedSize;
    if (o.storageType === 'delta') s.deltas.push(o.storedSize);
  }
  const backend = await proxy.engine.store.listObjects(bucket, { maxKeys: 1000 });
  for (const o of backend.objects) {
    // The listing index is stored bytes of its deltaspace too (neither object nor reference).
    if (isListingIndexKey(o.key)) space(deltaspaceOf(o.key)).stored += o.size;
    if (!isReferenceKey(o.key)) continue;
    const s = space(deltaspaceOf(o.key));
    s.reference += o.size;
    s.stored += o.size;
  }
  for (const s of out.spaces.values()) {
    out.objects += s.objects;
    out.original += s.original;
    out.stored += s.stored;
  }
  return out;
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const savingsPct = (original: number, stored: number): number => (original === 0 ? 0 : (1 - stored / original) * 100);

async function cardValue(page: Page, id: string): Promise<{ raw: string | null; text: string }> {
  const card = page.locator(`[data-testid="${id}"]`);
  return { raw: await card.getAttribute('data-value'), text: (await card.locator('.value').innerText()).trim() };
}

t.test('web UI in chromium', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed` }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-ui-browser-'));
  const proxy = await createReverseProxy({
    config: { listenAddr: '127.0.0.1:0', uiAddr: '127.0.0.1:0', dataDir, ...CREDS, logLevel: 'silent', encode: 'inline' },
  });
  const { uiUrl } = await proxy.listen();
  t.ok(uiUrl, 'the UI port is up');
  let browser: Browser | undefined;
  t.teardown(async () => {
    await browser?.close();
    await proxy.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Content: two delta families, passthrough files at the root, a second bucket.
  const { engine } = proxy;
  await engine.createBucket(BUCKET);
  await engine.createBucket('nightly');
  const releases = versions(320_000, 10, 11);
  const dumps = versions(220_000, 4, 5);
  const nightly = versions(150_000, 3, 23);
  for (const [i, v] of releases.entries()) {
    await engine.putObject({ bucket: BUCKET, key: `releases/app-1.${i}.0.zip`, body: Readable.from([v]), contentType: 'application/zip' });
  }
  for (const [i, v] of dumps.entries()) {
    await engine.putObject({ bucket: BUCKET, key: `backups/db-2024-0${i + 1}.sql`, body: Readable.from([v]), contentType: 'application/sql' });
  }
  for (const [i, v] of nightly.entries()) {
    await engine.putObject({ bucket: 'nightly', key: `build-${100 + i}.tar.gz`, body: Readable.from([v]) });
  }
  // A deltaspace holding only its seeding object, and a prefix of passthrough files only.
  const installer = versions(200_000, 1, 31)[0]!;
  await engine.putObject({ bucket: BUCKET, key: 'installers/setup-1.0.zip', body: Readable.from([installer]), contentType: 'application/zip' });
  await engine.putObject({ bucket: BUCKET, key: 'docs/guide.txt', body: Readable.from([Buffer.from('How to install.\n'.repeat(100))]), contentType: 'text/plain' });
  await engine.putObject({ bucket: BUCKET, key: 'docs/changes.txt', body: Readable.from([Buffer.from('1.0: first release.\n'.repeat(50))]), contentType: 'text/plain' });
  // A passthrough text file at the bucket root, and one read back through S3.
  const readme = Buffer.from('# Artifacts\n\nRelease archives and database dumps, stored as deltas by DeltaGlider.\n'.repeat(40));
  await engine.putObject({ bucket: BUCKET, key: 'README.txt', body: Readable.from([readme]), contentType: 'text/plain' });
  await engine.putObject({ bucket: BUCKET, key: 'checksums.txt', body: Readable.from([Buffer.from(releases.map((v, i) => `${sha256(v)}  app-1.${i}.0.zip`).join('\n') + '\n')]), contentType: 'text/plain' });

  const types = new Map((await engine.listObjects({ bucket: BUCKET })).objects.map((o) => [o.key, o.storageType]));
  t.equal(types.get('releases/app-1.0.0.zip'), 'reference', 'the first release is reference-backed');
  t.equal(types.get('releases/app-1.3.0.zip'), 'delta', 'later releases are deltas');
  t.equal(types.get('README.txt'), 'passthrough', 'text is passthrough');

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(15_000);

  await t.test('without a session: the login form, and no data', async (t) => {
    await page.goto(uiUrl!);
    await page.waitForSelector('#login-form');
    t.equal(await page.locator('#bucket-table').count(), 0, 'no bucket table');
    t.notMatch(await page.content(), /artifacts/, 'no bucket names in the page');
    const status = await page.evaluate(async () => (await fetch('/api/buckets')).status);
    t.equal(status, 401, 'the API refuses the browser without a session');
  });

  await t.test('a wrong secret is refused', async (t) => {
    await page.fill('#login-key', CREDS.accessKeyId);
    await page.fill('#login-secret', 'wrong');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#login-form .error:not([hidden])');
    t.match(await page.locator('#login-form .error').innerText(), /wrong/i);
  });

  await t.test('log in with the S3 keys: the bucket list with totals', async (t) => {
    await page.fill('#login-key', CREDS.accessKeyId);
    await page.fill('#login-secret', CREDS.secretAccessKey);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#bucket-table');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'dg_session');
    t.ok(session, 'session cookie set');
    t.equal(session?.httpOnly, true, 'HttpOnly');
    t.equal(session?.sameSite, 'Strict', 'SameSite=Strict');
    t.ok((session?.value.length ?? 0) >= 40, 'random token');

    const a = await expected(proxy, BUCKET);
    const n = await expected(proxy, 'nightly');
    const row = page.locator('tr[data-bucket="artifacts"]');
    t.equal(await row.locator('[data-objects]').getAttribute('data-objects'), String(a.objects), 'objects');
    const bytes = await row.locator('[data-bytes]').evaluateAll((els) => els.map((e) => e.getAttribute('data-bytes')));
    t.same(bytes, [String(a.original), String(a.stored)], 'original and stored bytes');
    t.equal((await row.locator('td').nth(2).innerText()).trim(), formatBytes(a.original));
    t.equal((await row.locator('.pct').innerText()).trim(), formatPercent(savingsPct(a.original, a.stored)));
    const total = await cardValue(page, 'total-original');
    t.equal(total.raw, String(a.original + n.original), 'total original over both buckets');
    t.equal(total.text, formatBytes(a.original + n.original));
    const stored = await cardValue(page, 'total-stored');
    t.equal(stored.raw, String(a.stored + n.stored), 'total stored over both buckets');
    const objects = await cardValue(page, 'total-objects');
    t.equal(objects.raw, String(a.objects + n.objects));
    t.ok(await page.locator('.chart svg .chart-row').count() >= 2, 'savings chart per bucket');
  });

  await t.test('the bucket view: folders, files, deltaspaces, chart (and the screenshot)', async (t) => {
    await page.click('tr[data-bucket="artifacts"] a');
    await page.waitForSelector('#object-table');
    const a = await expected(proxy, BUCKET);
    t.equal((await cardValue(page, 'total-original')).raw, String(a.original));
    t.equal((await cardValue(page, 'total-stored')).raw, String(a.stored));
    t.equal((await cardValue(page, 'total-stored')).text, formatBytes(a.stored));
    t.equal((await cardValue(page, 'total-savings')).text, formatPercent(savingsPct(a.original, a.stored)));
    const folders = await page.locator('tr[data-folder]').evaluateAll((els) => els.map((e) => e.getAttribute('data-folder')));
    t.same(folders, ['backups/', 'docs/', 'installers/', 'releases/'], 'folders');
    const readmeRow = page.locator('tr[data-key="README.txt"]');
    t.equal(await readmeRow.getAttribute('data-type'), 'passthrough');
    t.same(await readmeRow.locator('[data-bytes]').evaluateAll((els) => els.map((e) => e.getAttribute('data-bytes'))), [String(readme.length), String(readme.length)]);
    // Chart: one row per deltaspace (a prefix with a baseline), stored vs original as on the backend.
    const chart = await page.locator('#savings-chart .chart-row').evaluateAll((els) => els.map((e) => [e.getAttribute('data-label'), e.getAttribute('data-original'), e.getAttribute('data-stored')]));
    const want = [...a.spaces.entries()].filter(([, s]) => s.reference > 0).sort(([x], [y]) => (x < y ? -1 : 1)).map(([name, s]) => [name === '' ? '(bucket root)' : `${name}/`, String(s.original), String(s.stored)]);
    t.same(chart.map((r) => r[0]), ['backups/', 'installers/', 'releases/'], 'the chart has the deltaspaces only');
    t.same(chart, want, 'chart rows match the backend');
    // Deltaspace table: prefixes of passthrough objects (the root, docs/) are not deltaspaces.
    const spaceRows = await page.locator('#space-table tbody tr').evaluateAll((els) => els.map((e) => e.getAttribute('data-space')));
    t.same(spaceRows, ['backups', 'installers', 'releases'], 'passthrough-only prefixes are not listed as deltaspaces');
    // The deltaspace row carries the reference's cost.
    const rel = a.spaces.get('releases')!;
    const relRow = page.locator('#space-table tr[data-space="releases"]');
    t.equal(await relRow.locator('.reference[data-bytes]').getAttribute('data-bytes'), String(rel.reference), 'reference size');
    t.equal(await relRow.locator('.stored[data-bytes]').getAttribute('data-bytes'), String(rel.stored), 'stored bytes include the reference');
    t.equal((await relRow.locator('.pct').innerText()).trim(), formatPercent(savingsPct(rel.original, rel.stored)), 'savings with the reference counted');
    // A deltaspace holding only its seeding object: "baseline", not -0.0%.
    const inst = a.spaces.get('installers')!;
    const instRow = page.locator('#space-table tr[data-space="installers"]');
    t.equal(await instRow.locator('.stored[data-bytes]').getAttribute('data-bytes'), String(inst.stored), 'its stored bytes: reference and self-delta');
    t.ok(inst.stored > inst.original, 'which is a little more than the original');
    t.equal(await instRow.locator('[data-savings]').getAttribute('data-savings'), 'baseline');
    t.equal((await instRow.locator('[data-savings]').innerText()).trim(), 'baseline', 'shown as baseline, not as a negative saving');
    t.notMatch(await page.locator('#space-table').innerText(), /-0\.0%/, 'no negative zero anywhere');
    t.equal(await relRow.locator('[data-deltas]').getAttribute('data-deltas'), String(rel.deltas.length), 'delta count');
    t.equal((await relRow.locator('.grade').innerText()).trim(), gradeOf(medianOf(rel.deltas) / rel.reference));

    await page.mouse.move(0, 0);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    t.ok(existsSync(SCREENSHOT), `screenshot saved to ${SCREENSHOT}`);
  });

  await t.test('a delta folder: per-object sizes, types and savings', async (t) => {
    await page.click('tr[data-folder="releases/"] a');
    await page.waitForSelector('tr[data-key="releases/app-1.9.0.zip"]');
    const list = await engine.listObjects({ bucket: BUCKET, prefix: 'releases/' });
    t.equal(await page.locator('tr.object').count(), list.objects.length);
    for (const o of list.objects) {
      const row = page.locator(`tr[data-key="${o.key}"]`);
      t.equal(await row.getAttribute('data-type'), o.storageType, `${o.key} type`);
      const [orig, stored] = await row.locator('[data-bytes]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-bytes'))));
      t.equal(orig, o.size, `${o.key} original size`);
      if (o.storageType === 'reference') {
        // The seeding object's bytes are the baseline: its original size, and "baseline", not a 99.99% saving.
        t.equal(stored, o.size, `${o.key} (seeding) shows its original size as stored`);
        t.equal((await row.locator('.pct').innerText()).trim(), 'baseline', `${o.key} savings read "baseline"`);
        continue;
      }
      t.equal(stored, o.storedSize, `${o.key} stored size`);
      t.equal((await row.locator('.pct').innerText()).trim(), formatPercent(savingsPct(o.size, o.storedSize)), `${o.key} savings`);
      t.equal((await row.locator('.badge').innerText()).trim(), o.storageType);
    }
  });

  await t.test('the deltaspace view: reference, deltas, median ratio and grade', async (t) => {
    await page.click('#space-table tr[data-space="releases"] a');
    await page.waitForSelector('[data-testid="median-ratio"]');
    const rel = (await expected(proxy, BUCKET)).spaces.get('releases')!;
    const ratio = medianOf(rel.deltas) / rel.reference;
    t.equal((await cardValue(page, 'reference-size')).raw, String(rel.reference));
    t.equal((await cardValue(page, 'delta-count')).raw, String(rel.deltas.length));
    const card = await cardValue(page, 'median-ratio');
    t.ok(Math.abs(Number(card.raw) - ratio) < 1e-12, `median ratio ${card.raw} ~ ${ratio}`);
    t.match(card.text, formatRatio(ratio));
    t.match(card.text, gradeOf(ratio));
    t.equal(gradeOf(ratio), 'Excellent', 'small edits grade Excellent');
  });

  await t.test('a baseline-only deltaspace, a passthrough-only prefix and the seeding object in the inspector', async (t) => {
    await page.goto(`${uiUrl}/#/space?bucket=${BUCKET}&space=installers`);
    await page.locator('tr[data-key="installers/setup-1.0.zip"]').waitFor();
    t.equal((await cardValue(page, 'space-savings')).raw, 'baseline');
    t.equal((await cardValue(page, 'space-savings')).text, 'baseline only');
    t.equal((await page.locator('tr[data-key="installers/setup-1.0.zip"] .pct').innerText()).trim(), 'baseline');

    await page.goto(`${uiUrl}/#/browse?bucket=${BUCKET}&prefix=docs%2F`);
    await page.locator('tr[data-key="docs/guide.txt"]').waitFor();
    t.equal(await page.locator('#space-table').count(), 0, 'docs/ has no deltaspace table');
    const docs = (await expected(proxy, BUCKET)).spaces.get('docs')!;
    t.equal((await cardValue(page, 'total-objects')).raw, '2', 'yet its objects are counted');
    t.equal((await cardValue(page, 'total-original')).raw, String(docs.original));
    t.equal((await cardValue(page, 'total-stored')).raw, String(docs.stored));

    await page.goto(`${uiUrl}/#/space?bucket=${BUCKET}&space=docs`);
    await page.waitForSelector('.panel .empty:has-text("Not a deltaspace")');
    t.match(await page.locator('.panel .empty').innerText(), /Not a deltaspace/);

    await page.goto(`${uiUrl}/#/object?bucket=${BUCKET}&key=${encodeURIComponent('releases/app-1.0.0.zip')}`);
    await page.waitForSelector('[data-prop="key"]:has-text("releases/app-1.0.0.zip")');
    t.equal((await cardValue(page, 'object-savings')).text, 'baseline', 'the seeding object: baseline, not 99.99%');
    t.equal((await cardValue(page, 'object-stored')).raw, String(releases[0]!.length), 'stored as its full size, in the baseline');
  });

  await t.test('the object inspector and download', async (t) => {
    await page.goto(`${uiUrl}/#/object?bucket=${BUCKET}&key=${encodeURIComponent('releases/app-1.3.0.zip')}`);
    await page.waitForSelector('[data-prop="sha256"]');
    const info = await engine.headObject({ bucket: BUCKET, key: 'releases/app-1.3.0.zip' });
    t.equal((await page.locator('[data-prop="sha256"]').innerText()).trim(), sha256(releases[3]!), 'SHA-256');
    t.equal(info.sha256, sha256(releases[3]!));
    t.equal((await page.locator('[data-prop="content-type"]').innerText()).trim(), 'application/zip');
    t.match(await page.locator('[data-prop="reference"]').innerText(), 'releases/reference.bin', 'the reference it depends on');
    t.match(await page.locator('[data-prop="deltaspace"]').innerText(), 'releases/');
    t.equal((await cardValue(page, 'object-stored')).raw, String(info.storedSize));
    t.equal((await cardValue(page, 'object-type')).raw, 'delta');
    for (const k of Object.keys(info.rawMetadata)) t.match(await page.locator('dl.props').last().innerText(), k, `raw metadata ${k} shown`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    t.equal(download.suggestedFilename(), 'app-1.3.0.zip');
    const path = await download.path();
    t.ok(readFileSync(path).equals(releases[3]!), 'downloaded bytes are the original');
  });

  await t.test('upload by the file control, then delete', async (t) => {
    await page.goto(`${uiUrl}/#/browse?bucket=${BUCKET}&prefix=releases%2F`);
    await page.waitForSelector('#upload-input', { state: 'attached' });
    const next = versions(320_000, 11, 11)[10]!;
    await page.setInputFiles('#upload-input', { name: 'app-1.10.0.zip', mimeType: 'application/zip', buffer: next });
    const row = page.locator('tr[data-key="releases/app-1.10.0.zip"]');
    await row.waitFor();
    const info = await engine.headObject({ bucket: BUCKET, key: 'releases/app-1.10.0.zip' });
    t.equal(info.storageType, 'delta', 'stored as a delta');
    t.equal(info.sha256, sha256(next), 'stored bytes are the file');
    t.equal(info.contentType, 'application/zip');
    t.equal(await row.getAttribute('data-type'), 'delta');
    t.same(await row.locator('[data-bytes]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-bytes')))), [next.length, info.storedSize]);

    page.once('dialog', (d) => void d.accept());
    await row.locator('[data-action="delete"]').click();
    await row.waitFor({ state: 'detached' });
    await t.rejects(engine.headObject({ bucket: BUCKET, key: 'releases/app-1.10.0.zip' }), { code: 'NoSuchKey' }, 'gone from the backend');
  });

  await t.test('upload by drag and drop', async (t) => {
    const dt = await page.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(['dropped notes\n'], 'notes.txt', { type: 'text/plain' }));
      return d;
    });
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer: dt });
    await page.locator('tr[data-key="releases/notes.txt"]').waitFor();
    const got = await engine.headObject({ bucket: BUCKET, key: 'releases/notes.txt' });
    t.equal(got.size, 'dropped notes\n'.length);
    t.equal(got.storageType, 'passthrough');
    page.once('dialog', (d) => void d.accept());
    await page.locator('tr[data-key="releases/notes.txt"] [data-action="delete"]').click();
    await page.locator('tr[data-key="releases/notes.txt"]').waitFor({ state: 'detached' });
  });

  await t.test('sign out: back to the login form, the API refuses', async (t) => {
    await page.click('#logout');
    await page.waitForSelector('#login-form');
    const status = await page.evaluate(async () => (await fetch('/api/buckets')).status);
    t.equal(status, 401);
    t.same(pageErrors, [], 'no script errors');
  });
});
