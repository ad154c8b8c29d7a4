/**
 * Stress: hundreds of encode and decode jobs over references larger than a slab
 * (the jobs that used to retire their worker), on a pool of two workers with
 * four jobs in flight, aborts mixed in, and pauses longer than the idle timeout
 * so workers exit by themselves and new ones start. The process must not crash,
 * every decode must be byte-exact, and workers must not churn per job.
 *
 * Default (npm test): 120 jobs with a 2 MiB slab and 2.5-4 MiB references.
 * SOAK=1 (npm run soak): the real 32 MiB slab and 40 MiB references,
 * CODEC_STRESS_JOBS jobs (default 300).
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodecWorkerPool, DEFAULT_SLAB_BYTES } from '../../../../src/core/codec/vcdiff/index.js';
import { mutate, randomBytes, rng, tempDir } from './helpers.js';

const SOAK = process.env.SOAK === '1';
const JOBS = Number(process.env.CODEC_STRESS_JOBS ?? (SOAK ? 300 : 120));
// Slabs are chosen in 1 MiB vote blocks (anchor-table.ts), so the smallest useful slab is a few MiB.
const SLAB = SOAK ? DEFAULT_SLAB_BYTES : 2 << 20;
const SIZES = SOAK ? [40 << 20, 36 << 20, 48 << 20] : [(5 << 20) / 2, 3 << 20, 4 << 20];
const IN_FLIGHT = 4;
const IDLE_MS = 30;
/** One job in this many is aborted shortly after it starts. */
const ABORT_EVERY = 13;
/** After this many jobs the driver pauses past the idle timeout, so idle workers exit. */
const PAUSE_EVERY = 40;

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

t.test(`${JOBS} codec jobs over references larger than a slab leave the process standing`, { timeout: SOAK ? 3_600_000 : 600_000 }, async (t) => {
  const dir = tempDir(t);
  const r = rng(17);
  const sets = SIZES.map((size, k) => {
    const ref = randomBytes(r, size);
    const target = mutate(r, ref, 200);
    writeFileSync(join(dir, `ref${k}`), ref);
    writeFileSync(join(dir, `tgt${k}`), target);
    return { ref: join(dir, `ref${k}`), tgt: join(dir, `tgt${k}`), sha: sha256(target) };
  });
  const pool = new CodecWorkerPool(2, IDLE_MS);
  t.teardown(() => pool.close());

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  t.teardown(() => clearInterval(sampler));
  const started = Date.now();
  let next = 0;
  let done = 0;
  let aborted = 0;
  let verified = 0;
  const failures: string[] = [];

  const one = async (n: number): Promise<void> => {
    const set = sets[n % sets.length]!;
    const delta = join(dir, `d${n}`);
    const out = join(dir, `o${n}`);
    const ac = new AbortController();
    if (n % ABORT_EVERY === ABORT_EVERY - 1) setTimeout(() => ac.abort(new Error('stress abort')), 5 + (n % 7) * 3);
    try {
      await pool.run({ op: 'encode', referencePath: set.ref, targetPath: set.tgt, deltaPath: delta, slabBytes: SLAB }, ac.signal);
      await pool.run({ op: 'decode', referencePath: set.ref, deltaPath: delta, outPath: out, slabBytes: SLAB }, ac.signal);
      if (sha256(readFileSync(out)) === set.sha) verified++;
      else failures.push(`job ${n}: decoded bytes differ`);
    } catch (err) {
      if ((err as Error).message === 'stress abort') aborted++;
      else failures.push(`job ${n}: ${(err as Error).message}`);
    }
    done += 2;
  };

  // Rounds of PAUSE_EVERY jobs, IN_FLIGHT at a time, each followed by a pause past the idle timeout.
  const lane = async (end: number): Promise<void> => {
    while (next < end) await one(next++);
  };
  const rounds = Math.ceil(JOBS / PAUSE_EVERY);
  for (let round = 0; round < rounds; round++) {
    const end = Math.min(JOBS, (round + 1) * PAUSE_EVERY) / 2;
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => lane(end)));
    if (round < rounds - 1) await sleep(IDLE_MS * 10);
  }
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;

  t.same(failures, [], 'no job failed other than by its own abort');
  t.equal(done, JOBS, `${JOBS} jobs ran (${verified} round trips verified byte-exact, ${aborted} aborted)`);
  t.ok(verified >= (JOBS / 2) * 0.8, 'most round trips ran to the end');
  t.ok(aborted > 0, 'some jobs were aborted mid-run');
  // Workers start only after the idle pauses (both may exit in each), never per job.
  const pauses = rounds - 1;
  t.ok(pool.started <= 2 * (pauses + 1), `${pool.started} workers started for ${JOBS} jobs (${pauses} idle pauses)`);
  t.ok(pool.started > 2, 'idle workers did exit and new ones started');
  t.comment(`${JOBS} jobs in ${seconds.toFixed(1)} s, slab ${SLAB >> 10} KiB, references ${SIZES.map((s) => `${(s / 2 ** 20).toFixed(2)} MiB`).join(' / ')}, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
});
