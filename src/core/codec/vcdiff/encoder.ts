import { open, stat, readFile } from 'node:fs/promises';
import { CodecUnavailableError, DeltaTooLargeError } from '../../errors.js';
import type { EncodeOptions } from '../codec.js';
import { adler32 } from './adler32.js';
import { ByteWriter } from './byte-writer.js';
import { VCDIFF_MAGIC } from './header.js';
import { InstructionWriter } from './instruction-writer.js';
import { ReferenceIndex } from './reference-index.js';
import { FINGERPRINT_LENGTH, HASH_BASE, HASH_OUT_WEIGHT, HASH_SPREAD, fingerprint } from './rolling-hash.js';

/** Target bytes per window: xdelta3 decodes windows up to 16 MiB. */
export const ENCODE_WINDOW = 8 << 20;
/**
 * Largest reference the encoder accepts: the reference is held in memory
 * (plus an index of at most 64 MiB). Larger references need xdelta3.
 */
export const MAX_REFERENCE_BYTES = 2 ** 31 - 1;
/** Shortest match taken at a repeat offset (the displacement of a recent COPY). */
const MIN_REP_MATCH = 5;
/** Shortest match taken from the fingerprint index. */
const MIN_HASH_MATCH = 9;
/** Shortest run of one byte inside literals worth a RUN instruction. */
const MIN_RUN = 12;
const REPS = 4;
/** Chain candidates tried per position: bounds the worst case on repetitive data. */
const MAX_CHAIN = 16;
/** A repeat match this long is taken without looking for a longer one. */
const REP_GOOD_ENOUGH = 32;
/** Extra length a fingerprint match needs over a repeat match (its address costs more). */
const REP_BONUS = 3;
/** Matches shorter than this are checked against the next position first. */
const LAZY_LIMIT = 48;
/** Failed searches in a row before the scan starts skipping (log2 of the step growth). */
const SKIP_SHIFT = 7;
/** Largest skip between searches in unmatched data. */
const MAX_SKIP = 15;
/** A candidate this long ends the chain walk early. */
const GOOD_ENOUGH = 256;

const VCD_SOURCE = 0x01;
const VCD_ADLER32 = 0x04;

/** A copy found by the matcher, in absolute reference coordinates. */
interface Op {
  /** Window-local target start of the literal run that precedes the copy. */
  litStart: number;
  /** Window-local target start of the copy. */
  start: number;
  len: number;
  src: number;
}

/**
 * Encodes `targetPath` against `referencePath` as VCDIFF with the default code
 * table, Adler-32 per window and no secondary compression. Matching covers the
 * whole reference (fingerprint index + greedy extension + repeat offsets), not
 * a sliding source window, so moved blocks anywhere in the reference are found.
 */
export async function encodeVcdiff(
  referencePath: string,
  targetPath: string,
  deltaPath: string,
  options: EncodeOptions = {},
): Promise<{ size: number }> {
  const refSize = (await stat(referencePath)).size;
  if (refSize > MAX_REFERENCE_BYTES) {
    throw new CodecUnavailableError(`reference of ${refSize} bytes exceeds the TypeScript encoder limit of ${MAX_REFERENCE_BYTES}; use xdelta3`);
  }
  const ref = await readFile(referencePath);
  options.signal?.throwIfAborted();
  const index = new ReferenceIndex(ref);
  const limit = options.maxOutputBytes ?? Number.MAX_SAFE_INTEGER;

  const tfh = await open(targetPath, 'r');
  const out = await open(deltaPath, 'w');
  try {
    const header = Buffer.from([...VCDIFF_MAGIC, 0]);
    let written = 0;
    const write = async (b: Uint8Array): Promise<void> => {
      if (written + b.length > limit) throw new DeltaTooLargeError(limit);
      let off = 0;
      while (off < b.length) {
        const { bytesWritten } = await out.write(b, off, b.length - off, written + off);
        off += bytesWritten;
      }
      written += b.length;
    };
    await write(header);

    const w = new InstructionWriter();
    const win = Buffer.allocUnsafe(ENCODE_WINDOW);
    const reps = new Float64Array(REPS);
    const frame = new ByteWriter(64);
    let base = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      let n = 0;
      while (n < ENCODE_WINDOW) {
        const { bytesRead } = await tfh.read(win, n, ENCODE_WINDOW - n, base + n);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      // An empty target still gets one (empty) window: xdelta3 -d rejects a
      // delta without windows ("nothing to output").
      if (n === 0 && base > 0) break;
      const t = win.subarray(0, n);
      const ops = findMatches(t, base, ref, index, reps);

      let segStart = Number.MAX_SAFE_INTEGER;
      let segEnd = 0;
      for (const op of ops) {
        if (op.src < segStart) segStart = op.src;
        if (op.src + op.len > segEnd) segEnd = op.src + op.len;
      }
      const segLen = ops.length > 0 ? segEnd - segStart : 0;
      w.reset();
      const budget = limit - written;
      let pos = 0;
      for (const op of ops) {
        emitLiterals(w, t, op.litStart, op.start);
        w.copy(op.src - segStart, op.len, segLen + op.start);
        pos = op.start + op.len;
        if (w.size > budget) throw new DeltaTooLargeError(limit);
      }
      emitLiterals(w, t, pos, n);
      w.flush();

      const checksum = adler32(t);
      const body = new ByteWriter(32);
      body.varint(n);
      body.byte(0);
      body.varint(w.data.length);
      body.varint(w.inst.length);
      body.varint(w.addr.length);
      body.byte(checksum >>> 24);
      body.byte((checksum >>> 16) & 0xff);
      body.byte((checksum >>> 8) & 0xff);
      body.byte(checksum & 0xff);
      frame.reset();
      frame.byte(ops.length > 0 ? VCD_SOURCE | VCD_ADLER32 : VCD_ADLER32);
      if (ops.length > 0) {
        frame.varint(segLen);
        frame.varint(segStart);
      }
      frame.varint(body.length + w.size);
      const total = frame.length + body.length + w.size;
      if (written + total > limit) throw new DeltaTooLargeError(limit);
      await write(frame.view());
      await write(body.view());
      await write(w.data.view());
      await write(w.inst.view());
      await write(w.addr.view());
      base += n;
      if (n < ENCODE_WINDOW) break;
    }
    return { size: written };
  } finally {
    await tfh.close();
    await out.close();
  }
}

/** Literal bytes as ADD, with long single-byte runs as RUN. */
function emitLiterals(w: InstructionWriter, t: Uint8Array, start: number, end: number): void {
  if (end - start < MIN_RUN) {
    w.add(t, start, end);
    return;
  }
  let lit = start;
  let i = start;
  while (i < end) {
    const b = t[i]!;
    let j = i + 1;
    while (j < end && t[j] === b) j++;
    if (j - i >= MIN_RUN) {
      w.add(t, lit, i);
      w.run(b, j - i);
      lit = j;
    }
    i = j;
  }
  w.add(t, lit, end);
}

/**
 * Matcher for one window. At each literal position it tries the displacements
 * of recent copies (cheap to address, and what small edits in binaries leave
 * behind), then walks the fingerprint chain for a longer match; a hit is
 * extended both ways and, if short, checked against the next position (lazy
 * matching) before it is taken.
 */
function findMatches(t: Uint8Array, base: number, ref: Uint8Array, index: ReferenceIndex, reps: Float64Array): Op[] {
  const ops: Op[] = [];
  const n = t.length;
  const refLen = ref.length;
  const head = index.head;
  const chain = index.chain;
  const ss = index.strideShift;
  const shift = index.shift;
  const L = FINGERPRINT_LENGTH;
  const last = n - L;
  let lit = 0;
  // Result of search().
  let mLen = 0;
  let mSrc = 0;
  let mStart = 0;

  const search = (i: number, h: number): void => {
    let bestLen = 0;
    let bestSrc = 0;
    for (let r = 0; r < REPS; r++) {
      const s = base + i + reps[r]!;
      if (s < 0 || s >= refLen) continue;
      const max = Math.min(n - i, refLen - s);
      if (max < MIN_REP_MATCH || t[i] !== ref[s] || t[i + 1] !== ref[s + 1] || t[i + 4] !== ref[s + 4]) continue;
      let len = 0;
      while (len < max && t[i + len] === ref[s + len]) len++;
      if (len > bestLen) {
        bestLen = len;
        bestSrc = s;
      }
    }
    if (bestLen < MIN_REP_MATCH) bestLen = 0;
    let start = i;
    if (bestLen < REP_GOOD_ENOUGH && i <= last) {
      // A fingerprint match must beat the repeat match by enough to pay for its address.
      let want = bestLen > 0 ? bestLen + REP_BONUS : MIN_HASH_MATCH - 1;
      let hLen = 0;
      let hSrc = 0;
      let c = head[Math.imul(h, HASH_SPREAD) >>> shift]!;
      const t0 = t[i]!;
      const t1 = t[i + 1]!;
      let budget = MAX_CHAIN;
      while (c >= 0 && budget-- > 0) {
        if (ref[c] === t0 && ref[c + 1] === t1 && ref[c + want] === t[i + want]) {
          const max = Math.min(n - i, refLen - c);
          let len = 0;
          while (len < max && t[i + len] === ref[c + len]) len++;
          if (len > want) {
            want = len;
            hLen = len;
            hSrc = c;
            if (len >= GOOD_ENOUGH) break;
          }
        }
        c = chain[c >>> ss]!;
      }
      if (hLen > 0) {
        let back = 0;
        while (i - back > lit && hSrc - back > 0 && t[i - back - 1] === ref[hSrc - back - 1]) back++;
        bestLen = hLen + back;
        bestSrc = hSrc - back;
        start = i - back;
      }
    }
    mLen = bestLen;
    mSrc = bestSrc;
    mStart = start;
  };

  let h = last >= 0 ? fingerprint(t, 0) : 0;
  let i = 0;
  // Skip acceleration: after many failed searches in a row (new or compressed
  // content) only every k-th position is searched, k growing with the misses.
  // Index lookups are cache misses, so this keeps unrelated data fast.
  let misses = 0;
  let nextSearch = 0;
  while (i < n) {
    if (i < nextSearch) {
      if (i < last) h = (Math.imul(h - Math.imul(t[i]!, HASH_OUT_WEIGHT), HASH_BASE) + t[i + L]!) | 0;
      i++;
      continue;
    }
    search(i, h);
    if (mLen > 0) {
      let len = mLen;
      let src = mSrc;
      let start = mStart;
      // Lazy step: a clearly longer match one byte later wins.
      if (len < LAZY_LIMIT && i + 1 <= last) {
        search(i + 1, fingerprint(t, i + 1));
        if (mLen > len + 1 && mStart > start) {
          len = mLen;
          src = mSrc;
          start = mStart;
        }
      }
      misses = 0;
      ops.push({ litStart: lit, start, len, src });
      const disp = src - (base + start);
      let k = 0;
      while (k < REPS - 1 && reps[k] !== disp) k++;
      for (; k > 0; k--) reps[k] = reps[k - 1]!;
      reps[0] = disp;
      i = start + len;
      lit = i;
      if (i <= last) h = fingerprint(t, i);
      continue;
    }
    misses++;
    nextSearch = i + 1 + Math.min(MAX_SKIP, misses >>> SKIP_SHIFT);
    if (i < last) h = (Math.imul(h - Math.imul(t[i]!, HASH_OUT_WEIGHT), HASH_BASE) + t[i + L]!) | 0;
    i++;
  }
  // The trailing literals are emitted by the caller from the last op's end.
  return ops;
}
