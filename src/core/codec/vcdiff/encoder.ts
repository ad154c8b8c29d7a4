import { open, stat, type FileHandle } from 'node:fs/promises';
import { DeltaTooLargeError } from '../../errors.js';
import type { EncodeOptions } from '../codec.js';
import { adler32 } from './adler32.js';
import { ByteWriter } from './byte-writer.js';
import { SECONDARY_LZMA, VCD_DECOMPRESS, VCDIFF_MAGIC } from './header.js';
import { XzSectionEncoder } from '../lzma/index.js';
import { InstructionWriter } from './instruction-writer.js';
import { ReferenceView } from './reference-view.js';
import { MatchList } from './match-list.js';
import { WindowMatcher } from './window-matcher.js';
import { DEFAULT_CODEC_LEVEL, type CodecLevel } from '../codec-level.js';
import { ENCODER_LEVELS } from './encoder-level.js';

/** Target bytes per window: the xdelta3 3.0.x decoder refuses windows over 16 MiB (XD3_HARDMAXWINSIZE). */
export const ENCODE_WINDOW = 16 << 20;
/** Shortest run of one byte inside literals worth a RUN instruction. */
const MIN_RUN = 12;
/** Sizes the encoder normally derives itself; tests shrink them to exercise slabs and windows with small files. */
export interface VcdiffEncoderTuning {
  /** Reference bytes held in memory at once (default DEFAULT_SLAB_BYTES). */
  slabBytes?: number;
  /** Target bytes per window (default and maximum ENCODE_WINDOW). */
  windowBytes?: number;
  /** Secondary compression of the sections (default `lzma`, as xdelta3 writes by default). */
  secondary?: 'lzma' | 'none';
  /** An already opened view of the reference at `referencePath` (kept open afterwards). */
  reference?: ReferenceView;
  /** Encoder effort (default DEFAULT_CODEC_LEVEL); every level writes the same format. */
  level?: CodecLevel;
}

/** Sections shorter than this stay uncompressed (xdelta3's SECONDARY_MIN_INPUT is 10). */
const SECONDARY_MIN_INPUT = 16;
/*
 * LZMA effort for the sections comes from the level (encoder-level.ts). On delta
 * sections LZMA level 1 comes out within 0.1% of levels 3-6 (and of `xz -6`) and
 * is the fastest optimal-parse level (bench/lzma-compare.ts); level 0 (the greedy
 * parse) is 1.6-2x as fast for sections 3-4% larger on the bench deltas.
 */
/** How much larger than the size cap raw sections may grow before the encode is abandoned. */
const RAW_SLACK = 4;

/**
 * LZMA dictionary for a target of `size` bytes: the sections are a fraction of the
 * target, so a quarter of it (1..4 MiB) holds all of them in the usual case. Both
 * sides' memory follows it (the encoder's match finder about 12x, the decoder 1x),
 * so it is kept no larger.
 */
function xzDictSize(size: number): number {
  return Math.min(4 << 20, Math.max(1 << 20, 2 ** Math.ceil(Math.log2(Math.max(1, size / 4)))));
}

const VCD_SOURCE = 0x01;
const VCD_ADLER32 = 0x04;

/**
 * Encodes `targetPath` against `referencePath` as VCDIFF with the default code
 * table, Adler-32 per window and LZMA secondary compression (xdelta3's default
 * format, so `xdelta3 -d` decodes it). Matching covers the
 * whole reference (fingerprint index + greedy extension + repeat offsets), not
 * a sliding source window, so moved blocks anywhere in the reference are found.
 */
export async function encodeVcdiff(
  referencePath: string,
  targetPath: string,
  deltaPath: string,
  options: EncodeOptions & VcdiffEncoderTuning = {},
): Promise<{ size: number }> {
  const windowBytes = options.windowBytes ?? ENCODE_WINDOW;
  if (!Number.isInteger(windowBytes) || windowBytes < 1 || windowBytes > ENCODE_WINDOW) throw new RangeError(`windowBytes must be 1..${ENCODE_WINDOW}, got ${windowBytes}`);
  const refSize = options.reference ? options.reference.size : (await stat(referencePath)).size;
  // A view handed in (the worker's cache of the last reference) stays open for the next encode.
  const reference = options.reference ?? (await ReferenceView.open(referencePath, refSize, options.slabBytes));
  let tfh: FileHandle | undefined;
  let out: FileHandle | undefined;
  try {
    options.signal?.throwIfAborted();
    const limit = options.maxOutputBytes ?? Number.MAX_SAFE_INTEGER;
    tfh = await open(targetPath, 'r');
    const targetSize = (await tfh.stat()).size;
    const sink = (out = await open(deltaPath, 'w'));
    const target = tfh;
    const secondary = options.secondary ?? 'lzma';
    const level = ENCODER_LEVELS[options.level ?? DEFAULT_CODEC_LEVEL];
    const xz = secondary === 'lzma' ? [0, 1, 2].map(() => new XzSectionEncoder({ dictSize: xzDictSize(targetSize), level: level.lzmaLevel })) : undefined;
    const header = Buffer.from(xz ? [...VCDIFF_MAGIC, VCD_DECOMPRESS, SECONDARY_LZMA] : [...VCDIFF_MAGIC, 0]);
    let written = 0;
    const write = async (b: Uint8Array): Promise<void> => {
      if (written + b.length > limit) throw new DeltaTooLargeError(limit);
      let off = 0;
      while (off < b.length) {
        const { bytesWritten } = await sink.write(b, off, b.length - off, written + off);
        off += bytesWritten;
      }
      written += b.length;
    };
    await write(header);

    const w = new InstructionWriter();
    // Buffers sized for this target: a small object costs little to encode.
    const windowSize = Math.max(1, Math.min(windowBytes, targetSize));
    const win = Buffer.allocUnsafe(windowSize);
    const matcher = new WindowMatcher(reference, windowSize, level);
    const ops = new MatchList();
    const frame = new ByteWriter(64);
    let base = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      let n = 0;
      while (n < windowSize) {
        const { bytesRead } = await target.read(win, n, windowSize - n, base + n);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      // An empty target still gets one (empty) window: xdelta3 -d rejects a
      // delta without windows ("nothing to output").
      if (n === 0 && base > 0) break;
      const full = n;
      // A sliced reference may end the window early: the rest comes from elsewhere.
      n = await reference.prepare(win.subarray(0, n), n, base);
      const t = win.subarray(0, n);
      ops.reset();
      matcher.findMatches(t, n, base, ops);

      let segStart = Number.MAX_SAFE_INTEGER;
      let segEnd = 0;
      let fromRef = 0;
      for (let k = 0; k < ops.count; k++) {
        if (ops.self[k]) continue;
        fromRef++;
        const s = ops.src[k]!;
        if (s < segStart) segStart = s;
        if (s + ops.len[k]! > segEnd) segEnd = s + ops.len[k]!;
      }
      const segLen = fromRef > 0 ? segEnd - segStart : 0;
      w.reset();
      const budget = limit - written;
      // Raw sections shrink under secondary compression: give up early only when even
      // a generous compression could not bring them under the cap.
      const rawSlack = xz ? RAW_SLACK : 1;
      let pos = 0;
      for (let k = 0; k < ops.count; k++) {
        const start = ops.start[k]!;
        const len = ops.len[k]!;
        emitLiterals(w, t, pos, start);
        w.copy(ops.self[k] ? segLen + ops.src[k]! : ops.src[k]! - segStart, len, segLen + start);
        pos = start + len;
        if (w.size > budget * rawSlack) throw new DeltaTooLargeError(limit);
      }
      emitLiterals(w, t, pos, n);
      w.flush();

      // Secondary compression, per section kind, each kind one continuing LZMA
      // stream across windows as xdelta3 writes it. A section too small to pay for
      // its size prefix stays raw and never enters its stream.
      let deltaIndicator = 0;
      const sections: Uint8Array[] = [w.data.view(), w.inst.view(), w.addr.view()];
      if (xz) {
        for (let kind = 0; kind < 3; kind++) {
          const raw = sections[kind]!;
          if (raw.length < SECONDARY_MIN_INPUT) continue;
          const packed = xz[kind]!.encode(raw);
          const sec = new ByteWriter(packed.length + 8);
          sec.varint(raw.length);
          sec.bytes(packed);
          sections[kind] = sec.view();
          deltaIndicator |= 1 << kind;
        }
      }
      const sectionBytes = sections[0]!.length + sections[1]!.length + sections[2]!.length;

      const checksum = adler32(t);
      const body = new ByteWriter(32);
      body.varint(n);
      body.byte(deltaIndicator);
      body.varint(sections[0]!.length);
      body.varint(sections[1]!.length);
      body.varint(sections[2]!.length);
      body.byte(checksum >>> 24);
      body.byte((checksum >>> 16) & 0xff);
      body.byte((checksum >>> 8) & 0xff);
      body.byte(checksum & 0xff);
      frame.reset();
      frame.byte(fromRef > 0 ? VCD_SOURCE | VCD_ADLER32 : VCD_ADLER32);
      if (fromRef > 0) {
        frame.varint(segLen);
        frame.varint(segStart);
      }
      frame.varint(body.length + sectionBytes);
      const total = frame.length + body.length + sectionBytes;
      if (written + total > limit) throw new DeltaTooLargeError(limit);
      await write(frame.view());
      await write(body.view());
      for (const section of sections) await write(section);
      base += n;
      if (full < windowSize && n === full) break;
    }
    return { size: written };
  } finally {
    await tfh?.close();
    await out?.close();
    if (!options.reference) await reference.close();
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

