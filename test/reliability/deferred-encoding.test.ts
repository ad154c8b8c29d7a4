/**
 * Deferred encoding under stress (docs/OPERATIONS.md "Deferred encoding"):
 * - the proxy process SIGKILLed in the middle of compacting, then restarted: the restart
 *   finds the pending objects on the backend and finishes them; nothing lost, no key
 *   stored twice;
 * - two proxy processes over one backend compacting the same prefix at once;
 * - overwrites and deletes racing the compactor, many rounds: the newest write always
 *   wins and every GET is byte-exact.
 */
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { body, fsEngine, readAll } from '../helpers/engines.js';
import { startProxy, type Running } from '../../bench/lib/servers.js';
import { createCodec, DeltaGliderEngine, FileSystemStore, S3Store, userKeyOf, type ObjectStore } from '../../src/index.js';
import { clientFor, getBytes, ROOT, sleep, startRestartableS3rver, S3RVER_CREDENTIALS } from './helpers.js';

const BUILT = existsSync(join(ROOT, 'dist', 'reverse-proxy', 'cli.js'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const VERSIONS = 8;
const SIZE = 1024 * 1024;

interface CompactionFigures {
  queued: number;
  running: number;
  completed: number;
}

async function compaction(url: string): Promise<CompactionFigures> {
  const r = await fetch(`${url}/_/stats`);
  return ((await r.json()) as { compaction: CompactionFigures }).compaction;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function storageType(url: string, key: string): Promise<string | null> {
  const r = await fetch(`${url}/def/${key}`, { method: 'HEAD' });
  return r.headers.get('x-amz-storage-type');
}

/** Every backend key under the bucket: each user key must be there once (as `k` or `k.delta`, never both). */
async function backendKeys(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listObjects('def', { startAfter: after, maxKeys: 1000 });
    out.push(...page.objects.map((o) => o.key));
    if (!page.isTruncated) return out;
    after = page.nextStartAfter;
  }
}

async function assertSettled(t: Test, client: S3Client, store: ObjectStore, vs: Buffer[]): Promise<void> {
  const keys = await backendKeys(store);
  const users = keys.map(userKeyOf).filter((k): k is string => k !== undefined);
  t.same(users.sort(), vs.map((_, i) => `app/v${i}.zip`).sort(), 'each user key stored once on the backend (no duplicate variant, none lost)');
  t.notOk(keys.some((k) => !k.endsWith('.delta') && !k.endsWith('reference.bin')), 'no pending object left');
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'def' }));
  t.equal(listed.KeyCount, vs.length, 'LIST shows each object once');
  for (let i = 0; i < vs.length; i++) {
    const got = await getBytes(client, 'def', `app/v${i}.zip`);
    t.equal(got.body && sha(got.body), sha(vs[i]!), `v${i} byte-exact`);
  }
}

for (const backend of ['filesystem', 's3rver'] as const) {
  t.test(`SIGKILL mid-compaction, then restart: ${backend}`, { skip: BUILT ? false : 'needs the build (npm run build): dist/' }, async (t) => {
    const dataDir = backend === 'filesystem' ? mkdtempSync(join(tmpdir(), 'dg-def-data-')) : undefined;
    const s3 = backend === 's3rver' ? await startRestartableS3rver() : undefined;
    const store: ObjectStore = s3 ? new S3Store({ endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, forcePathStyle: true }) : new FileSystemStore(dataDir as string);
    t.teardown(async () => {
      if (store instanceof S3Store) store.client.destroy();
      await s3?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });
    const env = { DGP_ENCODE: 'deferred', DGP_COMPACTOR_CONCURRENCY: '1', DGP_COMPACTOR_SCAN_SECONDS: '0' };
    const start = (): Promise<Running> => startProxy({ s3Endpoint: s3?.endpoint, dataDir, env });
    let server = await start();
    t.teardown(() => void server.child.kill('SIGKILL'));
    let client = clientFor(server.url);
    const vs = versions(SIZE, VERSIONS, 97);
    await client.send(new CreateBucketCommand({ Bucket: 'def' }));
    for (let i = 0; i < vs.length; i++) await client.send(new PutObjectCommand({ Bucket: 'def', Key: `app/v${i}.zip`, Body: vs[i] }));
    t.equal(await storageType(server.url, 'app/v0.zip'), 'reference', 'the first upload became the reference at once');

    // Kill once the compactor has finished at least one object and is busy with the next.
    await waitFor('a compaction in progress', async () => {
      const c = await compaction(server.url);
      return c.completed >= 1 && c.running > 0;
    });
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited;
    client.destroy();
    const pendingLeft = (await backendKeys(store)).filter((k) => !k.endsWith('.delta') && !k.endsWith('reference.bin'));
    t.ok(pendingLeft.length > 0, `objects were still pending when the process died (${pendingLeft.length})`);

    server = await start();
    client = clientFor(server.url);
    t.teardown(() => client.destroy());
    await waitFor('the restarted compactor to finish', async () => {
      const keys = await backendKeys(store);
      return !keys.some((k) => !k.endsWith('.delta') && !k.endsWith('reference.bin'));
    });
    await assertSettled(t, client, store, vs);
    for (let i = 1; i < vs.length; i++) t.equal(await storageType(server.url, `app/v${i}.zip`), 'delta', `v${i} stored as a delta`);
    await server.stop();
  });
}

t.test('two processes over one backend compact the same prefix', { skip: BUILT ? false : 'needs the build (npm run build): dist/' }, async (t) => {
  const s3 = await startRestartableS3rver();
  const store = new S3Store({ endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, forcePathStyle: true });
  t.teardown(async () => {
    store.client.destroy();
    await s3.close();
  });
  // The writer compacts nothing: the pending objects wait on the backend for the two others.
  const writer = await startProxy({ s3Endpoint: s3.endpoint, env: { DGP_ENCODE: 'deferred', DGP_COMPACTOR_CONCURRENCY: '0' } });
  t.teardown(() => void writer.child.kill('SIGKILL'));
  const client = clientFor(writer.url);
  t.teardown(() => client.destroy());
  const vs = versions(SIZE, VERSIONS, 131);
  await client.send(new CreateBucketCommand({ Bucket: 'def' }));
  for (let i = 0; i < vs.length; i++) await client.send(new PutObjectCommand({ Bucket: 'def', Key: `app/v${i}.zip`, Body: vs[i] }));
  t.equal((await backendKeys(store)).filter((k) => !k.endsWith('.delta') && !k.endsWith('reference.bin')).length, VERSIONS - 1, 'every later version pending');

  const env = { DGP_ENCODE: 'deferred', DGP_COMPACTOR_CONCURRENCY: '2', DGP_COMPACTOR_SCAN_SECONDS: '1' };
  const [a, b] = await Promise.all([startProxy({ s3Endpoint: s3.endpoint, env }), startProxy({ s3Endpoint: s3.endpoint, env })]);
  t.teardown(() => {
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
  });
  await waitFor('both compactors to finish', async () => {
    const keys = await backendKeys(store);
    if (keys.some((k) => !k.endsWith('.delta') && !k.endsWith('reference.bin'))) return false;
    const [ca, cb] = await Promise.all([compaction(a.url), compaction(b.url)]);
    return ca.queued + ca.running + cb.queued + cb.running === 0;
  });
  const [ca, cb] = await Promise.all([compaction(a.url), compaction(b.url)]);
  t.ok(ca.completed + cb.completed >= VERSIONS - 1, `between them the two compacted every object (${ca.completed} + ${cb.completed})`);
  await assertSettled(t, client, store, vs);
  await Promise.all([a.stop(), b.stop(), writer.stop()]);
});

const ROUNDS = 40;
const RACE_OPTIONS = { encode: 'deferred', compactorScanIntervalMs: 0, compactorConcurrency: 2 } as const;

/**
 * Engines racing: the filesystem store (streamed PUTs) and s3rver. s3rver writes objects
 * in place, so a key being created shows there, empty, until its upload ends: over it the
 * PUTs are spooled first (streamedPuts: false), as a deployment on such a backend must.
 */
const RACE_FIXTURES = [
  { name: 'filesystem (streamed PUTs)', make: () => fsEngine(RACE_OPTIONS) },
  {
    name: 's3rver (spooled PUTs)',
    make: async () => {
      const s3 = await startRestartableS3rver();
      const store = new S3Store({ endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS, forcePathStyle: true, streamedPuts: false });
      const engine = new DeltaGliderEngine({ store, codec: createCodec(), ...RACE_OPTIONS });
      return {
        engine,
        async close() {
          await engine.close();
          store.client.destroy();
          await s3.close();
        },
      };
    },
  },
];

for (const fixture of RACE_FIXTURES) {
  t.test(`overwrites and deletes racing the compactor, ${ROUNDS} rounds: ${fixture.name}`, async (t) => {
    const fx = await fixture.make();
    t.teardown(() => fx.close());
    const { engine } = fx;
    await engine.createBucket('race');
    const vs = versions(256 * 1024, 6, 7);
    const known = new Map(vs.map((v) => [sha(v), v]));
    await engine.putObject({ bucket: 'race', key: 'r/base.zip', body: body(vs[0]!), contentLength: vs[0]!.length });
    let wrong = 0;
    let reads = 0;
    // Readers all along: any answer must be one of the versions written, whole, or a 404.
    let reading = true;
    const reader = (async () => {
      while (reading) {
        for (let k = 0; k < 3; k++) {
          try {
            const got = await engine.getObject({ bucket: 'race', key: `r/k${k}.zip` });
            const bytes = await readAll(got.body);
            reads++;
            if (!known.has(sha(bytes))) {
              wrong++;
              t.comment(`wrong: ${bytes.length} bytes, ${JSON.stringify({ ...got.info, rawMetadata: undefined, userMetadata: undefined })}, md5 ${createHash('md5').update(bytes).digest('hex')}`);
            }
          } catch (err) {
            if ((err as { code?: string }).code !== 'NoSuchKey') throw err;
          }
        }
        await sleep(1);
      }
    })();
    let checked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const key = `r/k${round % 3}.zip`;
      const first = vs[1 + (round % 5)]!;
      await engine.putObject({ bucket: 'race', key, body: body(first), contentLength: first.length });
      // Let the compactor get some way into the object, a different way each round.
      await sleep((round * 37) % 60);
      let expected: Buffer | undefined;
      if (round % 4 === 3) {
        await engine.deleteObject({ bucket: 'race', key });
        expected = undefined;
      } else {
        const newer = vs[1 + ((round + 2) % 5)]!;
        await engine.putObject({ bucket: 'race', key, body: body(newer), contentLength: newer.length });
        expected = newer;
      }
      const now = await engine.getObject({ bucket: 'race', key }).then(
        async (g) => readAll(g.body),
        (err: { code?: string }) => {
          if (err.code === 'NoSuchKey') return undefined;
          throw err;
        },
      );
      t.equal(now && sha(now), expected && sha(expected), `round ${round}: the newest write is what a GET returns right after it`);
      await engine.compactor.drained();
      const settled = await engine.getObject({ bucket: 'race', key }).then(
        async (g) => readAll(g.body),
        (err: { code?: string }) => {
          if (err.code === 'NoSuchKey') return undefined;
          throw err;
        },
      );
      if ((settled && sha(settled)) === (expected && sha(expected))) checked++;
      else t.fail(`round ${round}: after compaction ${key} is ${settled ? 'other bytes' : 'missing'}`);
    }
    reading = false;
    await reader;
    t.equal(checked, ROUNDS, 'every round settled on the newest write');
    t.equal(wrong, 0, `no GET returned bytes that were never written (${reads} concurrent reads)`);
    const page = await engine.listObjects({ bucket: 'race', prefix: 'r/' });
    const keys = page.objects.map((o) => o.key);
    t.same(keys, [...new Set(keys)], 'LIST shows no key twice');
  });
}
