import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Compactor, encodeByPrefix, FileSystemStore, META, parseEncodeRules, pendingMetadata, PENDING_TAG, type CompactionOutcome, type CompactorContext } from '../../src/index.js';
import { loadConfig } from '../../src/reverse-proxy/config.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function storeWith(objects: Record<string, Record<string, string>>): Promise<{ store: FileSystemStore; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-compactor-'));
  const store = new FileSystemStore(dir);
  await store.createBucket('bkt');
  for (const [key, metadata] of Object.entries(objects)) {
    const body = Buffer.from(key);
    await store.putStream('bkt', key, Readable.from([body]), body.length, { metadata });
  }
  return { store, close: () => rm(dir, { recursive: true, force: true }) };
}

function context(store: FileSystemStore, compact: (key: string, signal: AbortSignal) => Promise<CompactionOutcome>, extra: Partial<CompactorContext> = {}): CompactorContext {
  return { store, logger: silent, concurrency: 1, scanIntervalMs: 0, codecWaiting: () => 0, writesIdleMs: () => Number.POSITIVE_INFINITY, compactObject: (_b, key, signal) => compact(key, signal), ...extra };
}

const pending = pendingMetadata({ fileSize: 1, fileName: 'x', createdAt: new Date() });

t.test('the scan finds pending objects on the backend, and only those', async (t) => {
  const fx = await storeWith({ 'a/one.zip': pending, 'a/two.zip': { [META.note]: 'passthrough' }, 'a/three.zip.delta': pending });
  t.teardown(fx.close);
  const done: string[] = [];
  const c = new Compactor(context(fx.store, async (key) => (done.push(key), { result: 'compacted', size: 10, storedSize: 1 })));
  c.start();
  await c.scan();
  await c.drained();
  t.same(done, ['a/one.zip'], 'the pending passthrough object, not the other one nor a delta key');
  const s = c.stats();
  t.equal(s.completed, 1);
  t.equal(s.bytesSaved, 9);
  await c.stop();
});

t.test('nothing starts while requests wait for a codec slot', async (t) => {
  const fx = await storeWith({});
  t.teardown(fx.close);
  let waiting = 1;
  const done: string[] = [];
  const c = new Compactor(context(fx.store, async (key) => (done.push(key), { result: 'compacted' }), { codecWaiting: () => waiting }));
  c.start();
  c.enqueue('bkt', 'k.zip', 5);
  await new Promise((r) => setTimeout(r, 150));
  t.same(done, [], 'held back');
  t.equal(c.stats().queued, 1);
  t.equal(c.stats().bytesPending, 5);
  waiting = 0;
  await c.drained();
  t.same(done, ['k.zip']);
  await c.stop();
});

t.test('nothing starts until PUTs have been quiet for a moment, unless work has waited too long', async (t) => {
  const fx = await storeWith({});
  t.teardown(fx.close);
  let idle = 0;
  const done: string[] = [];
  const c = new Compactor(context(fx.store, async (key) => (done.push(key), { result: 'compacted' }), { writesIdleMs: () => idle }));
  c.start();
  c.enqueue('bkt', 'fresh.zip', 1);
  c.enqueue('bkt', 'old.zip', 1, Date.now() - 60_000);
  await new Promise((r) => setTimeout(r, 150));
  t.same(done, ['old.zip'], 'only the object that waited past the limit, while PUTs keep coming');
  idle = 10_000;
  await c.drained();
  t.same(done, ['old.zip', 'fresh.zip'], 'the rest once PUTs are quiet');
  await c.stop();
});

t.test('a failure is counted and retried later; stop aborts what runs past the grace period', async (t) => {
  const fx = await storeWith({});
  t.teardown(fx.close);
  const c = new Compactor(
    context(fx.store, (key, signal) => {
      if (key === 'bad.zip') return Promise.reject(new Error('backend down'));
      return new Promise((_ok, fail) => signal.addEventListener('abort', () => fail(new Error('aborted'))));
    }),
  );
  c.start();
  c.enqueue('bkt', 'bad.zip', 1);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(c.stats().failures, 1);
  t.equal(c.stats().queued, 1, 'queued again for a later retry');
  c.enqueue('bkt', 'slow.zip', 1);
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  await c.stop(100);
  t.ok(Date.now() - t0 < 2000, 'stop returned after the grace period');
  t.equal(c.stats().running, 0);
});

t.test('encode modes per bucket and prefix, and DGP_ENCODE in the proxy config', async (t) => {
  const select = encodeByPrefix('deferred', parseEncodeRules(['b=inline', 'b/hot/=deferred']));
  t.equal(select('b', 'x.zip'), 'inline');
  t.equal(select('b', 'hot/x.zip'), 'deferred');
  t.equal(select('other', 'x.zip'), 'deferred');
  t.throws(() => parseEncodeRules(['b=later']), /must look like/);
  t.equal(loadConfig({}).encode, 'deferred', 'the proxy defaults to deferred');
  t.equal(loadConfig({ DGP_ENCODE: 'inline' }).encode, 'inline');
  t.throws(() => loadConfig({ DGP_ENCODE: 'sometimes' }), /DGP_ENCODE/);
  t.equal(PENDING_TAG, '1');
});

t.test('the scan HEADs only objects that may be pending', async (t) => {
  const fx = await storeWith({ 'a/one.zip': pending, 'a/readme.txt': { [META.note]: 'passthrough' }, 'a/two.txt': pending });
  t.teardown(fx.close);
  const headed: string[] = [];
  const head = fx.store.headObject.bind(fx.store);
  fx.store.headObject = (bucket, key) => (headed.push(key), head(bucket, key));
  const done: string[] = [];
  const c = new Compactor(context(fx.store, async (key) => (done.push(key), { result: 'compacted' }), { mayBePending: (_b, key) => key.endsWith('.zip') }));
  c.start();
  await c.scan();
  await c.drained();
  t.same(headed, ['a/one.zip'], 'no HEAD for the keys ruled out');
  t.same(done, ['a/one.zip']);
  await c.stop();
});

t.test('an inline engine scans without a HEAD per passthrough object', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dg-compactor-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = new FileSystemStore(dir);
  await store.createBucket('bkt');
  const { DeltaGliderEngine, createCodec } = await import('../../src/index.js');
  const engine = new DeltaGliderEngine({ store, codec: createCodec(), encode: 'inline', logger: silent });
  t.teardown(() => engine.close());
  for (let i = 0; i < 20; i++) await engine.putObject({ bucket: 'bkt', key: `docs/page-${i}.txt`, body: Readable.from([Buffer.from(`page ${i}`)]), contentLength: `page ${i}`.length });
  let heads = 0;
  const head = store.headObject.bind(store);
  store.headObject = (bucket, key) => (heads++, head(bucket, key));
  engine.compactor.start();
  await engine.compactor.scan();
  t.equal(heads, 0, 'small .txt objects are never stored pending: no HEAD for them');
});
