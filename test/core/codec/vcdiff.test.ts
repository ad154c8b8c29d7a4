import t, { type Test } from 'tap';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  TypeScriptCodec,
  readVcdiffHeader,
  usesExternalCompression,
  adler32,
  SECONDARY_LZMA,
  encodeVcdiff,
} from '../../../src/core/codec/vcdiff/index.js';
import { CodecFailedError, CodecUnavailableError, DeltaGliderError, DeltaTooLargeError, IntegrityError } from '../../../src/core/errors.js';
import { NO_XDELTA3, XDELTA3, mutate, randomBytes, rng, structured, tempDir, xdelta3 } from './vcdiff/helpers.js';

const codec = new TypeScriptCodec();

/** Encodes with ours, decodes with ours and (when present) with xdelta3; returns the delta size. */
async function roundTrip(t: Test, dir: string, name: string, ref: Buffer, target: Buffer): Promise<number> {
  const rp = join(dir, `${name}.ref`);
  const tp = join(dir, `${name}.tgt`);
  const dp = join(dir, `${name}.delta`);
  const op = join(dir, `${name}.out`);
  writeFileSync(rp, ref);
  writeFileSync(tp, target);
  const enc = await codec.encode(rp, tp, dp);
  t.equal(enc.size, statSync(dp).size, `${name}: reported size`);
  const dec = await codec.decode(rp, dp, op);
  t.equal(dec.size, target.length, `${name}: decoded size`);
  t.ok(readFileSync(op).equals(target), `${name}: our decoder is byte-exact`);
  if (XDELTA3) {
    const xp = join(dir, `${name}.xout`);
    xdelta3(['-d', '-f', '-s', rp, dp, xp]);
    t.ok(readFileSync(xp).equals(target), `${name}: xdelta3 -d is byte-exact`);
  }
  return enc.size;
}

t.test('round trips: edge sizes', async (t) => {
  const dir = tempDir(t);
  const r = rng(1);
  const empty = Buffer.alloc(0);
  const small = randomBytes(r, 100);
  await roundTrip(t, dir, 'empty-empty', empty, empty);
  await roundTrip(t, dir, 'empty-ref', empty, small);
  await roundTrip(t, dir, 'empty-target', small, empty);
  await roundTrip(t, dir, 'one-byte', Buffer.from([7]), Buffer.from([8]));
  await roundTrip(t, dir, 'same', small, small);
  await roundTrip(t, dir, 'runs', Buffer.alloc(5000, 1), Buffer.concat([Buffer.alloc(3000, 2), Buffer.alloc(100, 1), randomBytes(r, 7)]));
  if (!XDELTA3) t.comment(`xdelta3 decode checks skipped: ${NO_XDELTA3}`);
});

t.test('round trips: random and structured, many seeds', async (t) => {
  const dir = tempDir(t);
  const sizes = [17, 1000, 4096, 65536, 300_000, 1_000_000, 3_000_000];
  for (let seed = 1; seed <= 24; seed++) {
    const r = rng(seed);
    const n = sizes[seed % sizes.length]!;
    const ref = seed % 3 === 0 ? structured(r, n) : randomBytes(r, n, seed % 2 ? 256 : 4);
    const edits = 1 + Math.floor(r() * Math.max(1, n / 2000));
    const target = mutate(r, ref, edits);
    const size = await roundTrip(t, dir, `seed${seed}`, ref, target);
    if (n >= 65536 && seed % 3 !== 0 && seed % 2) {
      t.ok(size < target.length / 2, `seed${seed}: delta ${size} is much smaller than target ${target.length}`);
    }
  }
  // Unrelated target: everything is ADD.
  const r = rng(99);
  await roundTrip(t, dir, 'unrelated', randomBytes(r, 200_000), randomBytes(r, 150_000));
  // Target larger than one encoder window (8 MiB), with a moved block.
  const big = randomBytes(r, 9_000_000);
  const moved = Buffer.concat([big.subarray(6_000_000), randomBytes(r, 1000), big.subarray(0, 6_000_000)]);
  const size = await roundTrip(t, dir, 'multiwindow', big, moved);
  t.ok(size < 20_000, `moved blocks cost little (${size} bytes)`);
});

t.test('64 MiB reference and target', { skip: process.env.VCDIFF_SKIP_BIG ? 'VCDIFF_SKIP_BIG set' : false }, async (t) => {
  const dir = tempDir(t);
  const r = rng(64);
  const ref = randomBytes(r, 64 << 20, 256);
  const target = mutate(r, ref, 2000);
  const started = Date.now();
  await roundTrip(t, dir, 'big', ref, target);
  t.ok(Date.now() - started < 60_000, 'within time');
});

t.test('xdelta3-written deltas decode byte-exact', { skip: XDELTA3 ? false : NO_XDELTA3 }, async (t) => {
  const dir = tempDir(t);
  const r = rng(7);
  const ref = structured(r, 400_000);
  const target = mutate(r, ref, 300);
  const rp = join(dir, 'ref');
  const tp = join(dir, 'tgt');
  writeFileSync(rp, ref);
  writeFileSync(tp, target);
  const variants: string[][] = [];
  for (const level of ['-1', '-3', '-6', '-9']) {
    for (const sec of ['none', 'djw', 'lzma', 'fgk']) {
      variants.push([level, '-S', sec]);
      variants.push([level, '-S', sec, '-D']);
    }
  }
  variants.push(['-9'], ['-9', '-D'], ['-0'], ['-9', '-A'], ['-9', '-n'], ['-9', '-A', '-n', '-S', 'none']);
  // Small windows: LZMA state carried across windows, many source segments.
  variants.push(['-9', '-W', '16384'], ['-9', '-W', '16384', '-S', 'lzma', '-B', '524288'], ['-5', '-W', '65536', '-S', 'none']);
  let i = 0;
  for (const v of variants) {
    const dp = join(dir, `d${i}`);
    const op = join(dir, `o${i++}`);
    xdelta3(['-e', '-f', ...v, '-s', rp, tp, dp]);
    await codec.decode(rp, dp, op);
    t.ok(readFileSync(op).equals(target), `xdelta3 -e ${v.join(' ')}`);
  }
  // No source at all (xdelta3 as a plain compressor, target-only COPYs).
  const dp = join(dir, 'nosrc');
  xdelta3(['-e', '-f', '-9', '-S', 'lzma', tp, dp]);
  const info = await readVcdiffHeader(dp);
  t.equal(info.secondaryId, SECONDARY_LZMA);
  await codec.decode(rp, dp, join(dir, 'nosrc.out'));
  t.ok(readFileSync(join(dir, 'nosrc.out')).equals(target), 'xdelta3 -e without -s');
});

t.test('header: application header and secondary id', { skip: XDELTA3 ? false : NO_XDELTA3 }, async (t) => {
  const dir = tempDir(t);
  const rp = join(dir, 'r');
  const tp = join(dir, 't');
  writeFileSync(rp, 'hello world, hello world\n'.repeat(100));
  writeFileSync(tp, 'hello world, hello there\n'.repeat(100));
  xdelta3(['-e', '-f', '-9', '-s', rp, tp, join(dir, 'd1')]);
  const h1 = await readVcdiffHeader(join(dir, 'd1'));
  t.equal(h1.appHeader, 't//r/');
  t.equal(usesExternalCompression(h1.appHeader), false);
  xdelta3(['-e', '-f', '-A', '-S', 'none', '-s', rp, tp, join(dir, 'd2')]);
  t.same(await readVcdiffHeader(join(dir, 'd2')), {});
  // External compression: xdelta3 without -D decompresses gzip inputs first.
  const gr = join(dir, 'r.gz');
  const gt = join(dir, 't.gz');
  writeFileSync(gr, gzipSync(readFileSync(rp)));
  writeFileSync(gt, gzipSync(readFileSync(tp)));
  xdelta3(['-e', '-f', '-9', '-s', gr, gt, join(dir, 'd3')]);
  const h3 = await readVcdiffHeader(join(dir, 'd3'));
  t.match(h3.appHeader, /\/G\//);
  t.equal(usesExternalCompression(h3.appHeader), true);
  // Falls back to the binary, which recompresses exactly like itself.
  await codec.decode(gr, join(dir, 'd3'), join(dir, 'o3'));
  xdelta3(['-d', '-f', '-s', gr, join(dir, 'd3'), join(dir, 'x3')]);
  t.ok(readFileSync(join(dir, 'o3')).equals(readFileSync(join(dir, 'x3'))), 'external compression decoded via xdelta3');
});

t.test('DJW/FGK without xdelta3 on PATH: CodecUnavailableError', { skip: XDELTA3 ? false : NO_XDELTA3 }, async (t) => {
  const dir = tempDir(t);
  const rp = join(dir, 'r');
  const tp = join(dir, 't');
  const r = rng(3);
  const ref = randomBytes(r, 50_000, 16);
  writeFileSync(rp, ref);
  writeFileSync(tp, mutate(r, ref, 40));
  xdelta3(['-e', '-f', '-9', '-S', 'djw', '-s', rp, tp, join(dir, 'd')]);
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await t.rejects(codec.decode(rp, join(dir, 'd'), join(dir, 'o')), CodecUnavailableError);
  } finally {
    process.env.PATH = path;
  }
});

/** Hand-built delta bytes, to cover what xdelta3 never writes (VCD_TARGET, RUN). */
function handDelta(windows: Buffer[], hdrInd = 0, extra: number[] = []): Buffer {
  return Buffer.concat([Buffer.from([0xd6, 0xc3, 0xc4, 0x00, hdrInd, ...extra]), ...windows]);
}

t.test('VCD_TARGET windows, RUN, overlapping COPY, code table rejection', async (t) => {
  const dir = tempDir(t);
  const rp = join(dir, 'r');
  writeFileSync(rp, '');
  // Window 1: ADD "abc" + RUN 5x'z' + COPY 6 from addr 0 (overlapping period 8).
  const w1data = Buffer.from('abcz');
  const w1inst = Buffer.from([4 /* ADD 3 */, 0, 5 /* RUN size 5 */, 19, 6 /* COPY size 6 mode 0 */]);
  const w1addr = Buffer.from([0]);
  const body1 = Buffer.concat([Buffer.from([14, 0, w1data.length, w1inst.length, w1addr.length]), w1data, w1inst, w1addr]);
  const win1 = Buffer.concat([Buffer.from([0, body1.length]), body1]);
  // Window 2: VCD_TARGET segment [3, 8) of the output so far = "zzzzz", COPY 5 then COPY 3 from the segment.
  const w2inst = Buffer.from([19 + 5 - 3, 19, 3]);
  const body2 = Buffer.concat([Buffer.from([8, 0, 0, w2inst.length, 2]), w2inst, Buffer.from([0, 2])]);
  const win2 = Buffer.concat([Buffer.from([0x02, 5, 3, body2.length]), body2]);
  const dp = join(dir, 'd');
  writeFileSync(dp, handDelta([win1, win2]));
  const op = join(dir, 'o');
  await codec.decode(rp, dp, op);
  t.equal(readFileSync(op, 'latin1'), 'abczzzzzabczzzzzzzzzzz');
  // (xdelta3 -d itself answers "VCD_TARGET not implemented" here.)
  writeFileSync(dp, handDelta([win1], 0x02, [1, 0]));
  await t.rejects(codec.decode(rp, dp, op), CodecUnavailableError, 'application-defined code table');
});

t.test('corrupt, truncated and garbage deltas are rejected', async (t) => {
  const dir = tempDir(t);
  const r = rng(11);
  const ref = randomBytes(r, 200_000);
  const target = mutate(r, ref, 50);
  const rp = join(dir, 'r');
  const tp = join(dir, 't');
  const dp = join(dir, 'd');
  const op = join(dir, 'o');
  writeFileSync(rp, ref);
  writeFileSync(tp, target);
  await codec.encode(rp, tp, dp);
  const good = readFileSync(dp);

  // Checksum: find the window's Adler-32 and break it.
  const sum = adler32(target);
  const sumBytes = Buffer.from([sum >>> 24, (sum >>> 16) & 255, (sum >>> 8) & 255, sum & 255]);
  const at = good.indexOf(sumBytes);
  t.ok(at > 0, 'checksum found');
  const bad = Buffer.from(good);
  bad[at]! ^= 0x40;
  writeFileSync(dp, bad);
  await t.rejects(codec.decode(rp, dp, op), IntegrityError, 'bad checksum');

  // A flipped ADD byte: caught by the checksum (uncompressed sections, so the
  // byte after the checksum is the first ADD byte).
  const plainPath = join(dir, 'plain');
  await encodeVcdiff(rp, tp, plainPath, { secondary: 'none' });
  const plain = readFileSync(plainPath);
  const plainAt = plain.indexOf(sumBytes);
  t.ok(plainAt > 0, 'checksum found in the uncompressed delta');
  const bad2 = Buffer.from(plain);
  bad2[plainAt + 4]! ^= 0x01;
  writeFileSync(dp, bad2);
  await t.rejects(codec.decode(rp, dp, op), IntegrityError, 'flipped data byte');

  // Bit flips inside our LZMA-compressed sections: an error, or (a flip in bits the
  // decoder never uses) exactly the target, never other bytes, never a hang.
  for (let k = 0; k < 40; k++) {
    const b = Buffer.from(good);
    const p = at + 4 + Math.floor(r() * (b.length - at - 4));
    b[p]! ^= 1 << Math.floor(r() * 8);
    writeFileSync(dp, b);
    await codec.decode(rp, dp, op).then(
      () => t.ok(readFileSync(op).equals(target), `our delta, flip at ${p}: decoded to exactly the target`),
      (err: unknown) => t.ok(err instanceof DeltaGliderError, `our delta, flip at ${p}: ${(err as Error).message}`),
    );
  }

  // Truncation anywhere inside the single window.
  for (let cut = 0; cut < good.length; cut += Math.max(1, Math.floor(good.length / 97))) {
    writeFileSync(dp, good.subarray(0, cut));
    await t.rejects(codec.decode(rp, dp, op), CodecFailedError, `truncated at ${cut}`);
  }

  if (XDELTA3) {
    // Truncated xdelta3 LZMA deltas (single window).
    const xp = join(dir, 'x');
    xdelta3(['-e', '-f', '-9', '-S', 'lzma', '-s', rp, tp, xp]);
    const xd = readFileSync(xp);
    for (let cut = 0; cut < xd.length; cut += Math.max(1, Math.floor(xd.length / 61))) {
      writeFileSync(dp, xd.subarray(0, cut));
      await t.rejects(codec.decode(rp, dp, op), CodecFailedError, `xdelta3 lzma truncated at ${cut}`);
    }
    // Bit flips inside the LZMA stream must fail, never hang.
    for (let k = 0; k < 40; k++) {
      const b = Buffer.from(xd);
      const p = 30 + Math.floor(r() * (b.length - 30));
      b[p]! ^= 1 << Math.floor(r() * 8);
      writeFileSync(dp, b);
      await codec.decode(rp, dp, op).then(
        () => t.ok(readFileSync(op).equals(target), `flip at ${p}: decoded to exactly the target`),
        (err: unknown) => t.ok(err instanceof DeltaGliderError, `flip at ${p}: ${(err as Error).message}`),
      );
    }
  }

  // Garbage, with and without a valid magic, bounded in time.
  const started = Date.now();
  for (let k = 0; k < 300; k++) {
    const n = 1 + Math.floor(r() * 3000);
    const g = randomBytes(r, n);
    if (k % 2) Buffer.from([0xd6, 0xc3, 0xc4, 0x00, k % 8]).copy(g);
    writeFileSync(dp, g);
    await codec.decode(rp, dp, op).then(
      () => t.pass(`garbage ${k} happened to decode`),
      (err: unknown) => {
        if (!(err instanceof DeltaGliderError)) t.fail(`garbage ${k}: unexpected ${String(err)}`);
      },
    );
  }
  t.ok(Date.now() - started < 30_000, 'garbage rejected in bounded time');
});

t.test('size caps and cancellation', async (t) => {
  const dir = tempDir(t);
  const r = rng(5);
  const rp = join(dir, 'r');
  const tp = join(dir, 't');
  const dp = join(dir, 'd');
  writeFileSync(rp, randomBytes(r, 100_000));
  writeFileSync(tp, randomBytes(r, 100_000));
  await t.rejects(codec.encode(rp, tp, dp, { maxOutputBytes: 10_000 }), DeltaTooLargeError);
  await codec.encode(rp, tp, dp);
  await t.rejects(codec.decode(rp, dp, join(dir, 'o'), { maxOutputBytes: 99_999 }), CodecFailedError);
  const ac = new AbortController();
  ac.abort();
  await t.rejects(codec.encode(rp, tp, dp, { signal: ac.signal }));
  await t.rejects(codec.decode(rp, dp, join(dir, 'o'), { signal: ac.signal }));
});
