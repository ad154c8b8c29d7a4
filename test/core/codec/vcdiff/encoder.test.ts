import t from 'tap';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeVcdiff, encodeVcdiff } from '../../../../src/core/codec/vcdiff/index.js';
import { NO_XDELTA3, XDELTA3, randomBytes, rng, tempDir, xdelta3 } from './helpers.js';

/** Encodes inline (no worker), checks both decoders, returns the delta size. */
async function roundTrip(dir: string, name: string, ref: Buffer, target: Buffer, tuning: { slabBytes?: number; windowBytes?: number } = {}): Promise<number> {
  const rp = join(dir, `${name}.ref`);
  const tp = join(dir, `${name}.tgt`);
  const dp = join(dir, `${name}.delta`);
  writeFileSync(rp, ref);
  writeFileSync(tp, target);
  const { size } = await encodeVcdiff(rp, tp, dp, tuning);
  t.equal(size, statSync(dp).size, `${name}: reported size is the file size`);
  const dec = await decodeVcdiff(rp, dp, join(dir, `${name}.out`));
  t.ok(readFileSync(join(dir, `${name}.out`)).equals(target), `${name}: our decoder is byte-exact`);
  t.equal(dec.size, target.length, `${name}: decoded size`);
  if (XDELTA3) {
    xdelta3(['-d', '-f', '-s', rp, dp, join(dir, `${name}.xout`)]);
    t.ok(readFileSync(join(dir, `${name}.xout`)).equals(target), `${name}: xdelta3 -d is byte-exact`);
  } else t.comment(`xdelta3 check skipped: ${NO_XDELTA3}`);
  return size;
}

t.test('new content that repeats inside the target is copied from the target itself', async (t) => {
  const dir = tempDir(t);
  const r = rng(7);
  const ref = randomBytes(r, 1 << 20);
  const fresh = randomBytes(r, 200_000);
  // The same new block bundled three times between reference content (like one new
  // module inlined into several output files).
  const target = Buffer.concat([ref.subarray(0, 300_000), fresh, ref.subarray(300_000, 600_000), fresh, ref.subarray(600_000), fresh]);
  const size = await roundTrip(dir, 'repeats', ref, target);
  t.ok(size < fresh.length * 1.05, `the new block is stored once (${size} bytes for ${fresh.length} new bytes)`);
  t.ok(size > fresh.length * 0.95, 'random new bytes cannot be stored in less than themselves');
});

t.test('a reference larger than the slab: blocks moved anywhere are found, memory stays at one slab', async (t) => {
  const dir = tempDir(t);
  const r = rng(11);
  const mib = 1 << 20;
  const ref = randomBytes(r, 12 * mib);
  // Target: the reference in a different order (far moves in both directions), small edits in between.
  const pieces = [[9, 2], [0, 3], [11, 1], [4, 4], [3, 1]] as const;
  const parts: Buffer[] = [];
  for (const [at, len] of pieces) {
    parts.push(ref.subarray(at * mib, (at + len) * mib), randomBytes(r, 100));
  }
  const target = Buffer.concat(parts);
  // Slab and window in the proportion of the defaults (64 MiB slabs, 16 MiB windows).
  const size = await roundTrip(dir, 'slabs', ref, target, { slabBytes: 2 * mib, windowBytes: mib / 2 });
  t.ok(size < 40_000, `moved megabytes cost little with a 2 MiB slab (${size} bytes for ${target.length})`);
  const whole = await roundTrip(dir, 'whole', ref, target);
  t.ok(whole < 40_000, `and with the reference held whole (${whole} bytes)`);
});

t.test('a target spanning several windows against a sliced reference', async (t) => {
  const dir = tempDir(t);
  const r = rng(12);
  const ref = randomBytes(r, 20 << 20, 16);
  const target = Buffer.from(ref);
  for (let k = 0; k < 200; k++) target[Math.floor(r() * target.length)] ^= 0x5a;
  const size = await roundTrip(dir, 'windows', ref, target, { slabBytes: 4 << 20, windowBytes: 1 << 20 });
  t.ok(size < 20_000, `200 flipped bytes in 20 MiB cost ${size} bytes`);
});
