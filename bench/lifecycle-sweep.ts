/**
 * What a lifecycle sweep costs, side by side with what it is made of, on the embedded
 * filesystem store (in-process engine, no HTTP):
 *
 *   node --import @tapjs/typescript/import bench/lifecycle-sweep.ts [--objects 2000] [--spaces 20] [--runs 3]
 *
 * - idle sweep (a rule that expires nothing) against one full user listing: the price of
 *   running the sweep on a bucket where nothing is due;
 * - expiring sweep (every object due) against deleting the same objects one DeleteObject at
 *   a time through the engine (what a client script would do): the price of the re-check
 *   under the key lock.
 * Every run is timed and the fastest kept; the machine may be shared, so read the ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createCodec } from '../src/core/codec/create-codec.js';
import { DeltaGliderEngine } from '../src/core/engine/engine.js';
import { listAllObjects } from '../src/core/engine/list-all-objects.js';
import { LifecycleSweeper } from '../src/core/lifecycle/lifecycle-sweeper.js';
import { FileSystemStore } from '../src/core/store/fs-store.js';
import { versions } from '../test/helpers/data.js';

const { values } = parseArgs({ options: { objects: { type: 'string', default: '2000' }, spaces: { type: 'string', default: '20' }, runs: { type: 'string', default: '3' } } });
const OBJECTS = Number(values.objects);
const SPACES = Number(values.spaces);
const RUNS = Number(values.runs);
const BUCKET = 'bench-lifecycle';
const ARTIFACTS = versions(64 * 1024, 4, 7);

async function fill(): Promise<{ engine: DeltaGliderEngine; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'dg-bench-lc-'));
  const engine = new DeltaGliderEngine({ store: new FileSystemStore(dir), codec: await createCodec() });
  await engine.createBucket(BUCKET);
  for (let i = 0; i < OBJECTS; i++) {
    // Half delta-eligible artifacts (one reference per deltaspace), half plain notes.
    const key = `releases/s${i % SPACES}/${i % 2 === 0 ? `v${i}.zip` : `n${i}.txt`}`;
    const body = i % 2 === 0 ? (ARTIFACTS[(i / 2) % ARTIFACTS.length] as Buffer) : Buffer.from(`note ${i}`);
    await engine.putObject({ bucket: BUCKET, key, body: Readable.from([body]), contentLength: body.length });
  }
  return { engine, dir };
}

async function fastest(fn: () => Promise<unknown>, setup?: () => Promise<void>): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    await setup?.();
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const rule = (days: number) => `<LifecycleConfiguration><Rule><Filter><Prefix>releases/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>${days}</Days></Expiration></Rule></LifecycleConfiguration>`;
const rules = (days: number) => [{ enabled: true, prefix: 'releases/', expiration: { days }, tagCount: 0, transitionCount: 0, noncurrentActionCount: 0 }];

let state = await fill();
const listMs = await fastest(async () => {
  for await (const o of listAllObjects(state.engine, BUCKET)) void o;
});
await state.engine.putBucketLifecycle({ bucket: BUCKET, xml: rule(36500), rules: rules(36500) });
const idleMs = await fastest(() => new LifecycleSweeper(state.engine).sweepBucket(BUCKET));

const reset = async (): Promise<void> => {
  await state.engine.close();
  rmSync(state.dir, { recursive: true, force: true });
  state = await fill();
};
const expireMs = await fastest(async () => {
  const r = await new LifecycleSweeper(state.engine, { now: () => Date.now() + 2 * 86_400_000 }).sweepBucket(BUCKET);
  if (r.expired !== OBJECTS) throw new Error(`expired ${r.expired} of ${OBJECTS}`);
}, async () => {
  await reset();
  await state.engine.putBucketLifecycle({ bucket: BUCKET, xml: rule(1), rules: rules(1) });
});
const deleteMs = await fastest(async () => {
  const keys: string[] = [];
  for await (const o of listAllObjects(state.engine, BUCKET)) keys.push(o.key);
  for (const key of keys) await state.engine.deleteObject({ bucket: BUCKET, key });
}, reset);
await state.engine.close();
rmSync(state.dir, { recursive: true, force: true });

const row = (name: string, ms: number, base: number, baseName: string): string => `| ${name} | ${ms.toFixed(0)} ms | ${(ms / base).toFixed(2)}x ${baseName} |`;
console.log(`${OBJECTS} objects in ${SPACES} deltaspaces, fastest of ${RUNS}\n`);
console.log('| measurement | time | ratio |\n|---|---|---|');
console.log(row('full user listing', listMs, listMs, 'listing'));
console.log(row('idle sweep (nothing due)', idleMs, listMs, 'listing'));
console.log(row('list + DeleteObject each', deleteMs, deleteMs, 'deletes'));
console.log(row('expiring sweep (all due)', expireMs, deleteMs, 'deletes'));
