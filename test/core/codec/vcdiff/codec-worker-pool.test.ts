import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodecWorkerPool, DEFAULT_SLAB_BYTES, TypeScriptCodec } from '../../../../src/core/codec/vcdiff/index.js';
import { DeltaTooLargeError } from '../../../../src/core/errors.js';
import { mutate, randomBytes, rng, tempDir } from './helpers.js';
import { releaseMemory } from '../../../../src/core/codec/vcdiff/release-memory.js';
import { workerExecArgv } from '../../../../src/core/codec/vcdiff/codec-worker-pool.js';
import { spawnSync } from 'node:child_process';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

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

t.test('an aborted job stops at its next window and its worker carries on', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(1, 60_000);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  // Windows of a sliced 8 MiB reference are small, so the abort is seen soon.
  const { ref, tgt, target } = files(dir, 3, 8 << 20);
  const ac = new AbortController();
  const job = pool.run({ op: 'encode', referencePath: ref, targetPath: tgt, deltaPath: join(dir, 'd'), slabBytes: 1 << 20 }, ac.signal);
  await sleep(20);
  ac.abort(new Error('client went away'));
  await t.rejects(job, { message: 'client went away' }, 'rejects with the abort reason');
  t.equal(pool.size, 1, 'the worker was not terminated');
  t.equal(pool.started, 1, 'and no other was started');
  const enc = await codec.encode(ref, tgt, join(dir, 'd2'));
  await codec.decode(ref, join(dir, 'd2'), join(dir, 'out'));
  t.ok(enc.size > 0 && readFileSync(join(dir, 'out')).equals(target), 'the next job runs on the same worker');
  t.equal(pool.started, 1, 'still one worker started in all');
  await t.rejects(pool.run({ op: 'decode', referencePath: ref, deltaPath: join(dir, 'd2'), outPath: join(dir, 'o2') }, AbortSignal.abort(new Error('gone'))), { message: 'gone' }, 'a job aborted before it starts never runs');
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

t.test('idle workers exit by themselves after idleMs', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(2, 50);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  const { ref, tgt } = files(dir, 7, 64 << 10);
  await codec.encode(ref, tgt, join(dir, 'd'));
  t.equal(pool.size, 1, 'one worker after the job');
  for (let k = 0; k < 100 && pool.size > 0; k++) await sleep(20);
  t.equal(pool.size, 0, 'it exited once idle');
  await codec.encode(ref, tgt, join(dir, 'd2'));
  t.equal(pool.started, 2, 'the next job started a new one');
});

t.test('a job over a reference larger than a slab keeps its worker and returns its memory', async (t) => {
  const dir = tempDir(t);
  const pool = new CodecWorkerPool(2, 60_000);
  t.teardown(() => pool.close());
  const codec = new TypeScriptCodec({ workers: pool });
  const small = files(dir, 8, 64 << 10);
  await codec.encode(small.ref, small.tgt, join(dir, 'small'));
  t.equal(pool.size, 1, 'a small job keeps its worker');
  const big = files(dir, 9, DEFAULT_SLAB_BYTES + (1 << 20));
  const bigSha = sha256(big.target);
  delete (big as { target?: Buffer }).target;
  // RSS is the process's: collect the test's own garbage first, so what remains is the worker's.
  const settledRss = (): number => (releaseMemory(), process.memoryUsage().rss);
  const rssBefore = settledRss();
  await codec.encode(big.ref, big.tgt, join(dir, 'big'));
  await codec.decode(big.ref, join(dir, 'big'), join(dir, 'big.out'));
  t.equal(sha256(readFileSync(join(dir, 'big.out'))), bigSha, 'byte-exact');
  t.equal(pool.size, 1, 'the encode and decode over a sliced reference kept the worker');
  t.equal(pool.started, 1, 'no worker was started again');
  // The worker collects the job's slab, index and window just after answering: give it a moment.
  let rss = settledRss();
  for (let k = 0; k < 50 && rss - rssBefore > 24 << 20; k++) {
    await sleep(20);
    rss = settledRss();
  }
  t.ok(rss - rssBefore <= 24 << 20, `the worker holds no slab or index after the jobs (RSS ${((rss - rssBefore) / 2 ** 20).toFixed(0)} MiB above before the jobs; a slab and its index alone are 64 MiB)`);
  await codec.decode(small.ref, join(dir, 'small'), join(dir, 'small.out'));
  t.ok(readFileSync(join(dir, 'small.out')).equals(small.target), 'the next small job is byte-exact on the same worker');
});

t.test('options are validated when the pool is made', async (t) => {
  t.throws(() => new CodecWorkerPool(0), RangeError);
  t.throws(() => new CodecWorkerPool(1.5), RangeError);
});

t.test('workers start in a process whose main script came from stdin with --input-type', async (t) => {
  t.same(workerExecArgv(['--input-type=module', '--max-old-space-size=512', '--input-type', 'commonjs', '--enable-source-maps']), ['--max-old-space-size=512', '--enable-source-maps']);
  // As an app run from a heredoc would: `node --input-type=module -` (the TypeScript loader only for the test's sources).
  const dir = tempDir(t);
  const { ref, tgt, target } = files(dir, 5, 256 << 10);
  const src = new URL('../../../../src/core/codec/vcdiff/index.ts', import.meta.url).href;
  const script = `
    import { CodecWorkerPool, TypeScriptCodec } from ${JSON.stringify(src)};
    const pool = new CodecWorkerPool(1, 60_000);
    const codec = new TypeScriptCodec({ workers: pool });
    await codec.encode(${JSON.stringify(ref)}, ${JSON.stringify(tgt)}, ${JSON.stringify(join(dir, 'd'))});
    await codec.decode(${JSON.stringify(ref)}, ${JSON.stringify(join(dir, 'd'))}, ${JSON.stringify(join(dir, 'out'))});
    await pool.close();
    console.log('round trip done');
  `;
  const loader = new URL('../../../../node_modules/@tapjs/typescript/dist/esm/import.mjs', import.meta.url).href;
  const r = spawnSync(process.execPath, [`--import=${loader}`, '--openssl-legacy-provider', '--input-type=module', '-'], { input: script, encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, r.stderr.slice(-2000));
  t.match(r.stdout, /round trip done/);
  t.ok(readFileSync(join(dir, 'out')).equals(target), 'byte-exact');
});
