import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XzSectionDecoder } from '../../../../src/core/codec/lzma/xz-section-decoder.js';
import { XzSectionEncoder, type XzSectionEncoderOptions } from '../../../../src/core/codec/lzma/xz-section-encoder.js';
import { NO_XDELTA3, XDELTA3, mutate, randomBytes, rng, structured, tempDir, xdelta3 } from '../vcdiff/helpers.js';
import { withLzmaSections } from './lzma-sections.js';
import { finishXzStream } from './xz-stream-finisher.js';

const XZ = ['/usr/bin/xz', '/usr/local/bin/xz', '/bin/xz'].find((p) => existsSync(p));
const NO_XZ = 'xz is not installed';
/** xz stream header + block header that the first section starts with. */
const HEADERS = 24;
const MiB = 1 << 20;

/** Decodes a complete .xz file with liblzma (the xz binary). */
function xzDecode(file: Uint8Array): Buffer {
  return execFileSync(XZ!, ['-dc'], { input: file, maxBuffer: 1 << 30 });
}

/** English-like text: words from a small vocabulary with punctuation and numbers. */
function textLike(r: () => number, n: number): Buffer {
  const words = Array.from({ length: 400 }, () => Buffer.from(randomBytes(r, 2 + Math.floor(r() * 8), 26).map((b) => 97 + b)).toString('latin1'));
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const w = r() < 0.05 ? String(Math.floor(r() * 100000)) : words[Math.floor(Math.pow(r(), 2) * words.length)]!;
    const s = w + (r() < 0.1 ? '.\n' : ' ');
    parts.push(s);
    len += s.length;
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, n);
}

/** Long runs of a few byte values, the kind of data that makes matches overlap themselves. */
function runs(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; ) {
    const len = 1 + Math.floor(r() * r() * 5000);
    b.fill(Math.floor(r() * 4), i, Math.min(n, i + len));
    i += len;
  }
  return b;
}

/** Random blocks repeated at distances from a few bytes up to far back (long-distance repeats). */
function repeats(r: () => number, n: number): Buffer {
  const b = randomBytes(r, n);
  for (let i = 4096; i < n; ) {
    const len = 16 + Math.floor(r() * 3000);
    const from = Math.floor(r() * i);
    b.copy(b, i, from, Math.min(from + len, i));
    i += len + Math.floor(r() * 2000);
  }
  return b;
}

type Kind = (r: () => number, n: number) => Buffer;
const KINDS: Record<string, Kind> = {
  random: (r, n) => randomBytes(r, n),
  'small alphabet': (r, n) => randomBytes(r, n, 4),
  text: textLike,
  structured,
  runs,
  repeats,
};

/**
 * Encodes `sections` with one encoder, checks that our decoder restores every
 * section from exactly its own output, then (if xz is present) that liblzma
 * decodes the finished stream. Returns the outputs.
 */
function roundTrip(t: Test, label: string, sections: Buffer[], options?: XzSectionEncoderOptions): Uint8Array[] {
  const enc = new XzSectionEncoder(options);
  const dec = new XzSectionDecoder();
  const outs = sections.map((s) => enc.encode(s));
  let ok = true;
  sections.forEach((s, i) => {
    if (s.length === 0) {
      if (outs[i]!.length !== 0) ok = false;
      return;
    }
    const back = dec.decode(outs[i]!, s.length);
    if (!Buffer.from(back.buffer, back.byteOffset, back.length).equals(s)) ok = false;
  });
  t.ok(ok, `${label}: every section decodes to itself with XzSectionDecoder`);
  if (XZ) {
    const total = sections.reduce((a, s) => a + s.length, 0);
    t.ok(xzDecode(finishXzStream(outs, total)).equals(Buffer.concat(sections)), `${label}: liblzma decodes the finished stream`);
  }
  return outs;
}

/** Splits `data` into `parts` sections of random sizes. */
function split(r: () => number, data: Buffer, parts: number): Buffer[] {
  const cuts = Array.from({ length: parts - 1 }, () => Math.floor(r() * data.length)).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, data.length]) {
    out.push(data.subarray(prev, c));
    prev = c;
  }
  return out;
}

interface Chunk {
  control: number;
  unpacked: number;
  packed: number;
}

/** Walks the LZMA2 chunk headers (LZMA chunks report the reset bits of their control byte) of a stream's concatenated sections (after the xz headers). */
function chunks(stream: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  for (let p = HEADERS; p < stream.length; ) {
    const control = stream[p]!;
    if (control >= 0x80) {
      const unpacked = ((control & 0x1f) << 16) + (stream[p + 1]! << 8) + stream[p + 2]! + 1;
      const packed = (stream[p + 3]! << 8) + stream[p + 4]! + 1;
      p += 5 + (control >= 0xc0 ? 1 : 0) + packed;
      out.push({ control: control & 0xe0, unpacked, packed });
    } else if (control === 1 || control === 2) {
      const size = (stream[p + 1]! << 8) + stream[p + 2]! + 1;
      p += 3 + size;
      out.push({ control, unpacked: size, packed: size });
    } else {
      throw new Error(`unexpected LZMA2 control byte ${control} at ${p}`);
    }
  }
  return out;
}

t.test('every kind of data round-trips across several sections', async (t) => {
  let seed = 1;
  for (const [name, kind] of Object.entries(KINDS)) {
    for (const size of [1, 5, 300, 70_000, 200_000]) {
      const r = rng(seed++);
      const data = kind(r, size);
      roundTrip(t, `${name} ${size} B in 1 section`, [data]);
      if (size >= 300) roundTrip(t, `${name} ${size} B in 5 sections`, split(r, data, 5));
    }
  }
});

t.test('the fast parse (level 0) round-trips every kind of data at sizes around the chunk limits', async (t) => {
  let seed = 500;
  const sizes = [0, 1, 2, 3, 4, 5, 17, 300, 65_535, 65_536, 65_537, 70_000, 200_000];
  for (const [name, kind] of Object.entries(KINDS)) {
    for (const size of sizes) {
      const r = rng(seed++);
      const data = kind(r, size);
      // An empty section writes nothing, not even the stream header: a byte after it starts the stream.
      roundTrip(t, `level 0: ${name} ${size} B in 1 section`, size === 0 ? [data, Buffer.from('x')] : [data], { level: 0 });
      if (size >= 5) roundTrip(t, `level 0: ${name} ${size} B in 5 sections`, split(r, data, 5), { level: 0 });
    }
  }
});

t.test('the fast parse round-trips mixed data past the 1 MiB feed and 2 MiB chunk limits and beyond the dictionary', async (t) => {
  const r = rng(600);
  const mixed = (n: number): Buffer => {
    const kinds = Object.values(KINDS);
    const parts: Buffer[] = [];
    for (let len = 0; len < n; ) {
      const part = kinds[Math.floor(r() * kinds.length)]!(r, Math.min(n - len, 1000 + Math.floor(r() * 200_000)));
      parts.push(part);
      len += part.length;
    }
    return Buffer.concat(parts);
  };
  for (const size of [MiB - 1, MiB + 1, 2 * MiB - 1, 2 * MiB + 1, 3 * MiB]) {
    const data = mixed(size);
    roundTrip(t, `level 0: mixed ${size} B, 256 KiB dictionary`, split(r, data, 3), { level: 0, dictSize: 256 << 10 });
  }
  const text = textLike(r, 400_000);
  // The same text again after more than a 64 KiB dictionary of other data, then right after itself.
  const data = Buffer.concat([text, randomBytes(r, 100_000, 16), text, text.subarray(0, 50_000)]);
  roundTrip(t, 'level 0: repeats beyond a 64 KiB dictionary', split(r, data, 6), { level: 0, dictSize: 64 << 10 });
  const runsData = runs(r, 3 * MiB);
  const outs = roundTrip(t, 'level 0: 3 MiB of runs', [runsData], { level: 0 });
  t.ok(outs[0]!.length < 60_000, `long runs pack into ${outs[0]!.length} bytes`);
});

t.test('random mixes of data, section sizes, levels and dictionaries round-trip', async (t) => {
  const kinds = Object.values(KINDS);
  for (let seed = 100; seed < 130; seed++) {
    const r = rng(seed);
    const parts = Array.from({ length: 1 + Math.floor(r() * 4) }, () => kinds[Math.floor(r() * kinds.length)]!(r, Math.floor(r() * r() * 60_000)));
    const data = Buffer.concat(parts);
    const level = Math.floor(r() * 7);
    const dictSize = 4096 << Math.floor(r() * 9);
    roundTrip(t, `seed ${seed}: ${data.length} B, level ${level}, dictionary ${dictSize}`, split(r, data, 1 + Math.floor(r() * 8)), { level, dictSize });
  }
});

t.test('sections of a few bytes each (shorter than a hash) still decode', async (t) => {
  const r = rng(7);
  const data = Buffer.concat([textLike(r, 2000), randomBytes(r, 500, 3)]);
  const sections: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const n = 1 + Math.floor(r() * 6);
    sections.push(data.subarray(i, i + n));
    i += n;
  }
  roundTrip(t, 'tiny sections', sections);
});

t.test('an empty section produces no bytes and does not start the stream', async (t) => {
  const outs = roundTrip(t, 'empty sections', [Buffer.alloc(0), Buffer.from('abcabcabcabc'), Buffer.alloc(0)]);
  t.equal(outs[0]!.length, 0, 'an empty first call writes nothing');
  t.equal(outs[2]!.length, 0, 'a later empty call writes nothing');
});

t.test('later sections use the dictionary built by earlier ones', async (t) => {
  const r = rng(11);
  const base = randomBytes(r, 200_000);
  const outs = roundTrip(t, 'repeated section', [base, base]);
  t.ok(outs[1]!.length < 2_000, `a repeat of an earlier section costs ${outs[1]!.length} bytes`);
});

t.test('every level round-trips and a higher level does not compress worse than level 1 by much', async (t) => {
  const r = rng(21);
  const data = Buffer.concat([textLike(r, 60_000), structured(r, 40_000), repeats(r, 40_000)]);
  const sizes: number[] = [];
  for (const level of [0, 1, 2, 3, 4, 5, 6]) {
    const outs = roundTrip(t, `level ${level}`, split(r, data, 3), { level });
    sizes.push(outs.reduce((a, o) => a + o.length, 0));
  }
  t.ok(sizes[6]! <= sizes[1]! * 1.01, `level 6 (${sizes[6]}) is not worse than level 1 (${sizes[1]})`);
  t.ok(sizes[1]! < data.length / 2, 'the mix compresses');
  t.ok(sizes[0]! < sizes[1]! * 1.1, `the fast parse of level 0 (${sizes[0]}) is not much worse than level 1 (${sizes[1]})`);
});

t.test('compression is in the range of xz -6', { skip: XZ ? false : NO_XZ }, async (t) => {
  const r = rng(31);
  const data = Buffer.concat([textLike(r, 150_000), structured(r, 100_000), repeats(r, 100_000)]);
  const ours = roundTrip(t, 'mix', [data], { level: 4 })[0]!.length;
  const xz6 = execFileSync(XZ!, ['-6', '-c', '--check=none'], { input: data, maxBuffer: 1 << 30 }).length;
  t.ok(ours < xz6 * 1.03, `ours ${ours} B vs xz -6 ${xz6} B`);
});

t.test('a 5 MiB section is cut into chunks within the LZMA2 limits', async (t) => {
  const r = rng(41);
  // Runs pack 2 MiB into a few KiB (the unpacked limit binds); 4-bit symbols hit the 64 KiB packed limit first.
  const data = Buffer.concat([runs(r, 4.5 * MiB), randomBytes(r, 0.3 * MiB, 16), randomBytes(r, 0.2 * MiB)]);
  const outs = roundTrip(t, '5 MiB', [data]);
  const cs = chunks(outs[0]!);
  t.ok(cs.length > 3, `${cs.length} chunks`);
  t.equal(cs[0]!.control, 0xe0, 'the first chunk resets the dictionary and sets the properties');
  t.equal(cs.reduce((a, c) => a + c.unpacked, 0), data.length, 'the chunks add up to the section');
  t.ok(cs.every((c) => c.unpacked <= 2 * MiB && c.packed <= 65536), 'no chunk exceeds 2 MiB unpacked or 64 KiB packed');
  t.ok(cs.some((c) => c.control >= 0x80 && c.unpacked > MiB), 'the runs fill chunks towards the 2 MiB limit');
  t.ok(cs.some((c) => c.control >= 0x80 && c.packed > 60_000), 'the 4-bit symbols fill chunks towards the 64 KiB limit');
  t.ok(cs.some((c) => c.control === 2), 'the random tail is stored');
});

t.test('incompressible data is stored and costs only the chunk headers', async (t) => {
  const r = rng(51);
  const data = randomBytes(r, 300_000);
  const outs = roundTrip(t, 'random', split(r, data, 3));
  const total = outs.reduce((a, o) => a + o.length, 0);
  t.ok(total <= data.length + HEADERS + 3 * Math.ceil(data.length / 65536) + 9, `${total} bytes for ${data.length}`);
  const cs = chunks(Buffer.concat(outs));
  t.equal(cs[0]!.control, 1, 'a stored first chunk resets the dictionary');
  t.ok(cs.every((c) => c.control === 1 || c.control === 2), 'every chunk is stored');
});

t.test('an LZMA chunk after stored chunks continues the coder state', async (t) => {
  const r = rng(61);
  const text = textLike(r, 100_000);
  const outs = roundTrip(t, 'stored then LZMA', [randomBytes(r, 100_000), text, randomBytes(r, 70_000), text]);
  const cs = chunks(Buffer.concat(outs));
  t.equal(cs[0]!.control, 1, 'stored first');
  const firstLzma = cs.find((c) => c.control >= 0x80)!;
  t.equal(firstLzma.control, 0xc0, 'the first LZMA chunk after a stored start sets the properties');
  t.ok(cs.filter((c) => c.control >= 0x80).slice(1).every((c) => c.control === 0x80), 'later LZMA chunks need no reset');
});

t.test('matches never reach beyond a small dictionary', async (t) => {
  const r = rng(71);
  const block = randomBytes(r, 40_000);
  // The same block every 100 KiB: too far for a 64 KiB dictionary, so it must be stored or coded afresh.
  const data = Buffer.concat(Array.from({ length: 8 }, () => Buffer.concat([block, randomBytes(r, 100_000 - block.length, 16)])));
  roundTrip(t, '64 KiB dictionary', split(r, data, 4), { dictSize: 64 << 10 });
  const near = Buffer.concat([block, block, block]);
  const outs = roundTrip(t, 'repeats within the dictionary', [near], { dictSize: 64 << 10 });
  t.ok(outs[0]!.length < 45_000, 'repeats inside the dictionary are found');
});

t.test('long streams slide the window and keep decoding', async (t) => {
  const r = rng(81);
  const sections: Buffer[] = [];
  const text = textLike(r, 300_000);
  for (let i = 0; i < 8; i++) sections.push(i % 3 === 2 ? randomBytes(r, 150_000, 64) : text.subarray(i * 20_000, i * 20_000 + 150_000));
  roundTrip(t, '1.2 MB through a 128 KiB dictionary', sections, { dictSize: 128 << 10 });
});

t.test('liblzma decodes the raw LZMA2 data as well', { skip: XZ ? false : NO_XZ }, async (t) => {
  const r = rng(91);
  const data = Buffer.concat([textLike(r, 100_000), structured(r, 50_000)]);
  const enc = new XzSectionEncoder({ dictSize: 1 << 20 });
  const outs = split(r, data, 3).map((s) => enc.encode(s));
  const raw = Buffer.concat([...outs, Buffer.from([0])]).subarray(HEADERS);
  const back = execFileSync(XZ!, ['-dc', '--format=raw', '--lzma2=dict=1MiB'], { input: raw, maxBuffer: 1 << 30 });
  t.ok(back.equals(data), 'xz --format=raw --lzma2 restores the data');
});

t.test('options are checked when the encoder is made', async (t) => {
  t.throws(() => new XzSectionEncoder({ dictSize: 1000 }), RangeError, 'a dictionary below 4 KiB');
  t.throws(() => new XzSectionEncoder({ dictSize: 2 ** 31 }), RangeError, 'a dictionary above the limit');
  t.throws(() => new XzSectionEncoder({ level: 7 }), RangeError, 'an unknown level');
  t.throws(() => new XzSectionEncoder({ level: -1 }), RangeError, 'a negative level');
  t.doesNotThrow(() => new XzSectionEncoder({ dictSize: 5_000_000, level: 6 }), 'a dictionary size LZMA2 cannot announce exactly is rounded up');
});

t.test('xdelta3 decodes deltas whose sections our encoder compressed', { skip: XDELTA3 ? false : NO_XDELTA3 }, async (t) => {
  const dir = tempDir(t);
  const r = rng(201);
  const ref = Buffer.concat([structured(r, 300_000), textLike(r, 300_000), randomBytes(r, 100_000)]);
  const cases: [string, Buffer, string[]][] = [
    ['an edited binary in 64 KiB windows', mutate(r, ref, 300), ['-W', '65536']],
    ['an edited binary in one window', mutate(r, ref, 40), []],
    ['a target unrelated to the reference', Buffer.concat([textLike(r, 200_000), randomBytes(r, 50_000, 16)]), ['-W', '65536']],
  ];
  for (const [label, target, flags] of cases) {
    const rp = join(dir, 'ref');
    const tp = join(dir, 'target');
    writeFileSync(rp, ref);
    writeFileSync(tp, target);
    xdelta3(['-e', '-f', '-9', '-S', 'none', ...flags, '-s', rp, tp, join(dir, 'plain.vcdiff')]);
    const plain = readFileSync(join(dir, 'plain.vcdiff'));
    for (const level of [0, 1]) {
      const fast = [0, 1, 2].map(() => new XzSectionEncoder({ level }));
      writeFileSync(join(dir, 'lzma.vcdiff'), withLzmaSections(plain, (kind, s) => fast[kind]!.encode(s)));
      xdelta3(['-d', '-f', '-s', rp, join(dir, 'lzma.vcdiff'), join(dir, 'out')]);
      t.ok(readFileSync(join(dir, 'out')).equals(target), `${label}, level ${level}: xdelta3 -d restores the target`);
    }
    const streams = [new XzSectionEncoder(), new XzSectionEncoder(), new XzSectionEncoder()];
    const delta = withLzmaSections(plain, (kind, s) => streams[kind]!.encode(s));
    writeFileSync(join(dir, 'lzma.vcdiff'), delta);
    xdelta3(['-d', '-f', '-s', rp, join(dir, 'lzma.vcdiff'), join(dir, 'out')]);
    t.ok(readFileSync(join(dir, 'out')).equals(target), `${label}: xdelta3 -d restores the target`);
    xdelta3(['-e', '-f', '-9', '-S', 'lzma', ...flags, '-s', rp, tp, join(dir, 'theirs.vcdiff')]);
    const theirs = readFileSync(join(dir, 'theirs.vcdiff')).length;
    t.ok(delta.length <= theirs * 1.02 + 16, `${label}: ours ${delta.length} B, xdelta3 -S lzma ${theirs} B, none ${plain.length} B`);
  }
});
