/**
 * /_/stats is true when read: over real HTTP, an upload, an overwrite and a delete through
 * the proxy show in the very next answer; writes that bypass the proxy show once the TTL
 * has passed, and every answer states its age.
 */
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeltaGliderEngine, FileSystemStore, createCodec } from '../../src/index.js';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';
import { createStatsCache, type TimedStoreStats } from '../../src/reverse-proxy/stats-cache.js';
import { STORE_WRITE_METHODS, trackWrites } from '../../src/reverse-proxy/track-writes.js';
import type { CompactorStats } from '../../src/core/engine/compactor.js';
import { versions } from '../helpers/data.js';

/** What /_/stats answers: the store summary and the compactor's live figures. */
type AdminStats = TimedStoreStats & { compaction: CompactorStats };

t.test('stats after PUT, overwrite and DELETE through the proxy are fresh', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-stats-'));
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', dataDir, logLevel: 'silent' } });
  const { url } = await proxy.listen();
  t.teardown(async () => {
    await proxy.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const stats = async (): Promise<AdminStats> => (await (await fetch(`${url}/_/stats`)).json()) as AdminStats;
  const send = async (method: string, path: string, body?: Buffer): Promise<void> => {
    const res = await fetch(`${url}${path}`, { method, body: body ? new Uint8Array(body) : undefined });
    await res.arrayBuffer();
    t.ok(res.ok, `${method} ${path}: ${res.status}`);
  };
  const [v1, v2] = versions(256 * 1024, 2, 5) as [Buffer, Buffer];

  const empty = await stats();
  t.equal(empty.objects, 0);
  t.match(empty.computedAt, /^\d{4}-\d\d-\d\dT.*Z$/, 'the answer says when it was computed');
  t.type(empty.ageSeconds, 'number');

  await send('PUT', '/builds');
  await send('PUT', '/builds/releases/v1.zip', v1);
  const one = await stats();
  t.equal(one.objects, 1, 'the upload shows in the next read (no 10 s cache)');
  t.equal(one.originalBytes, v1.length);
  t.ok(one.storedBytes >= v1.length, 'the baseline is counted in stored bytes');

  await send('PUT', '/builds/releases/v2.zip', v2);
  const acknowledged = await stats();
  t.equal(acknowledged.objects, 2, 'the second upload shows at once (stored as it arrived, pending)');
  t.equal(acknowledged.originalBytes, v1.length + v2.length);
  // Deferred encoding (the default): the compactor's switch to a delta is a write too, so
  // the first read after it shows the saving, not a cached figure from before it.
  let two = acknowledged;
  for (let i = 0; i < 300 && (two.compaction.completed < 1 || two.compaction.queued + two.compaction.running > 0); i++) {
    await new Promise((r) => setTimeout(r, 50));
    two = await stats();
  }
  t.equal(two.compaction.completed, 1, 'the compactor stored the second upload');
  t.equal(two.objects, 2);
  t.ok(two.savingsPercent > 40, `the delta saves: ${two.savingsPercent}%`);

  await send('PUT', '/builds/releases/v2.zip', v1);
  t.equal((await stats()).originalBytes, 2 * v1.length, 'an overwrite shows');

  await send('DELETE', '/builds/releases/v2.zip');
  const after = await stats();
  t.equal(after.objects, 1, 'the delete shows in the next read');
  await send('DELETE', '/builds/releases/v1.zip');
  const none = await stats();
  t.equal(none.objects, 0);
  t.equal(none.storedBytes, 0, 'the reference went with the last object');

  const again = await stats();
  t.equal(again.computedAt, none.computedAt, 'without writes, the result is reused');
});

t.test('writes that bypass this process show after the TTL; the age is stated', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-stats-ttl-'));
  // Another process writing to the same store: an engine this cache knows nothing of.
  const outside = new DeltaGliderEngine({ store: new FileSystemStore(dir), codec: createCodec() });
  let cache: ReturnType<typeof createStatsCache> | undefined;
  const engine = new DeltaGliderEngine({ store: trackWrites(new FileSystemStore(dir), () => cache?.invalidate()), codec: createCodec() });
  cache = createStatsCache(engine, { ttlMs: 300 });
  t.teardown(async () => {
    await engine.close();
    await outside.close();
    rmSync(dir, { recursive: true, force: true });
  });
  t.same([...STORE_WRITE_METHODS].filter((m) => typeof (FileSystemStore.prototype as unknown as Record<string, unknown>)[m] !== 'function'), [], 'every tracked method is a store method');
  await engine.createBucket('ttl');
  t.equal((await cache.get()).objects, 0);
  await engine.putObject({ bucket: 'ttl', key: 'a.txt', body: Readable.from([Buffer.from('through the engine')]) });
  t.equal((await cache.get()).objects, 1, 'a write through the tracked store drops the cached answer');

  await outside.putObject({ bucket: 'ttl', key: 'c.txt', body: Readable.from([Buffer.from('from elsewhere')]) });
  const stale = await cache.get();
  t.equal(stale.objects, 1, 'a write elsewhere is not seen at once');
  await new Promise((ok) => setTimeout(ok, 100));
  const older = await cache.get();
  t.equal(older.computedAt, stale.computedAt, 'within the TTL the answer is reused');
  t.ok(older.ageSeconds >= 0.1, `and says how old it is (${older.ageSeconds} s)`);
  await new Promise((ok) => setTimeout(ok, 300));
  const fresh = await cache.get();
  t.not(fresh.computedAt, stale.computedAt, 'after the TTL it is computed again');
  t.equal(fresh.objects, 2, 'and includes the write from elsewhere');
  t.equal(fresh.ageSeconds, 0);
});
