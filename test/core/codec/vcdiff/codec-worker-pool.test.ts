import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodecWorkerPool, DEFAULT_SLAB_BYTES, TypeScriptCodec } from '../../../../src/core/codec/vcdiff/index.js';
import { DeltaTooLargeError } from '../../../../src/core/errors.js';
import { mutate, randomBytes, rng, tempDir } from './helpers.js';

function files(dir: string, seed: number, size: number): { ref: string; tgt: string; target: Buffer } {
  const r = rng(seed);
  const refBytes = randomBytes(r, size);
  const target = mutate(r, refBytes, 50);
  const ref = join(dir, `ref${seed}`);
  const tgt = join(dir, `tgt${seed}`);
  writeFileSync(ref, refBytes);
  writeFileSync(tgt, target);
  return { ref, tgt, target };
}

t.test('jobs run on workers and round-trip byte-exact', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(2, 60_000);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  const { ref, tgt, target } = files(dir, 1, 1 << 20);
  const enc = await codec.encode(ref, tgt, join(dir, 'd'));
  t.ok(enc.size > 0 && enc.size < target.length / 10, `delta of ${enc.size} bytes`);
  const dec = await codec.decode(ref, join(dir, 'd'), join(dir, 'out'));
  t.ok(readFileSync(join(dir, 'out')).equals(target), 'byte-exact');
  t.match(dec.sha256, /^[0-9a-f]{64}$/, 'the decoder reports the SHA-256 it computed while writing');
  t.equal(pool.size, 1, 'one worker served both jobs one after the other');
});

t.test('errors cross the thread boundary as the engine\'s own classes', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(1, 60_000);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  const { ref, tgt } = files(dir, 2, 256 << 10);
  const err = await codec.encode(ref, tgt, join(dir, 'd'), { maxOutputBytes: 100 }).catch((e: unknown) => e);
  t.type(err, DeltaTooLargeError, 'the size cap is a DeltaTooLargeError');
  t.equal((err as DeltaTooLargeError).limit, 100, 'with its limit');
  const missing = await codec.encode(join(dir, 'nope'), tgt, join(dir, 'd')).catch((e: unknown) => e);
  t.equal((missing as { code?: string }).code, 'ENOENT', 'a missing file keeps its errno code');
  t.equal(pool.size, 1, 'a job that failed cleanly keeps its worker');
});

t.test('an aborted job stops its worker and the pool carries on', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(1, 60_000);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  const { ref, tgt, target } = files(dir, 3, 8 << 20);
  const ac = new AbortController();
  const job = codec.encode(ref, tgt, join(dir, 'd'), { signal: ac.signal });
  await sleep(20);
  ac.abort(new Error('client went away'));
  await t.rejects(job, { message: 'client went away' }, 'rejects with the abort reason');
  t.equal(pool.size, 0, 'the worker was terminated');
  const enc = await codec.encode(ref, tgt, join(dir, 'd2'));
  await codec.decode(ref, join(dir, 'd2'), join(dir, 'out'));
  t.ok(enc.size > 0 && readFileSync(join(dir, 'out')).equals(target), 'the next job runs on a fresh worker');
});

t.test('jobs beyond maxWorkers wait for a free worker', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(1, 60_000);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  const sets = [4, 5, 6].map((seed) => files(dir, seed, 512 << 10));
  const sizes = await Promise.all(sets.map((f, k) => codec.encode(f.ref, f.tgt, join(dir, `q${k}`)).then((r) => r.size)));
  t.equal(sizes.length, 3, 'all three finished');
  t.equal(pool.size, 1, 'never more than one worker');
  for (let k = 0; k < 3; k++) {
    await codec.decode(sets[k]!.ref, join(dir, `q${k}`), join(dir, `o${k}`));
    t.ok(readFileSync(join(dir, `o${k}`)).equals(sets[k]!.target), `job ${k} byte-exact`);
  }
});

t.test('idle workers exit after idleMs', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(2, 50);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  const { ref, tgt } = files(dir, 7, 64 << 10);
  await codec.encode(ref, tgt, join(dir, 'd'));
  t.equal(pool.size, 1, 'one worker after the job');
  for (let k = 0; k < 100 && pool.size > 0; k++) await sleep(20);
  t.equal(pool.size, 0, 'it exited once idle');
});

t.test('a worker retires after a job over a reference larger than a slab', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(2, 60_000);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  const small = files(dir, 8, 64 << 10);
  await codec.encode(small.ref, small.tgt, join(dir, 'small'));
  t.equal(pool.size, 1, 'a small job keeps its worker');
  await pool.close();
  const big = files(dir, 9, DEFAULT_SLAB_BYTES + (1 << 20));
  await codec.encode(big.ref, big.tgt, join(dir, 'big'));
  t.equal(pool.size, 0, 'the encode over a sliced reference retired its worker');
  await codec.decode(big.ref, join(dir, 'big'), join(dir, 'big.out'));
  t.equal(pool.size, 0, 'so did the decode');
  t.ok(readFileSync(join(dir, 'big.out')).equals(big.target), 'byte-exact');
  await codec.decode(small.ref, join(dir, 'small'), join(dir, 'small.out'));
  t.equal(pool.size, 1, 'the next small job runs on a fresh worker, which stays');
  t.ok(readFileSync(join(dir, 'small.out')).equals(small.target), 'byte-exact');
});

t.test('options are validated when the pool is made', async (t) => {
  t.throws(() => new CodecWorkerPool(0), RangeError);
  t.throws(() => new CodecWorkerPool(1.5), RangeError);
});
