import { ByteWriter } from '../vcdiff/byte-writer.js';
import { MATCH_MAX_LEN, lzmaPropsByte } from './lzma-constants.js';
import { LzmaEncoder, PARSER_LOOKAHEAD } from './lzma-encoder.js';

/** LZMA2 limits: an LZMA chunk unpacks to at most 2 MiB and packs to at most 64 KiB... */
const CHUNK_MAX_UNPACKED = 1 << 21;
const CHUNK_MAX_PACKED = 1 << 16;
/** ...and an uncompressed chunk holds at most 64 KiB. */
const STORED_CHUNK_MAX = 1 << 16;
/** Control bytes: LZMA chunk (+ state reset, + new properties, + dictionary reset) and stored chunks. */
const CONTROL_LZMA = 0x80;
const CONTROL_LZMA_PROPS_RESET = 0xc0;
const CONTROL_LZMA_DICT_RESET = 0xe0;
const CONTROL_STORED_DICT_RESET = 0x01;
const CONTROL_STORED = 0x02;
/** Header bytes of an LZMA chunk (control, unpacked size, packed size) and of a stored chunk. */
const LZMA_CHUNK_HEADER = 5;
const STORED_CHUNK_HEADER = 3;
/** Input is fed to the window in pieces of this size, so the window stays bounded... */
const FEED_PIECE = 1 << 20;
/** ...whenever fewer bytes than this are ahead: what the parser and a stored block need. */
const FEED_AHEAD = PARSER_LOOKAHEAD + STORED_CHUNK_MAX;

/**
 * Effort presets: the match length at which the parser stops weighing
 * alternatives, the match finder's search depth, and for level 0 the fast
 * parse over hash chains (`LzmaEncoderOptions.fast`) instead of the optimal
 * parse over binary trees.
 *
 * Level 0 (fast): 1.6-2.1x the speed of level 1 on the sections of the
 * esbuild-bin and ts-tar VCDIFF deltas (about even on the small bcd-json
 * one) at 3-4% larger output (+4.1% / +3.5% / +2.8%; xz's fast presets
 * -0..-3 are 3% larger than -6 on the same deltas, and `xdelta3 -9 -S lzma`
 * deltas are within 0.3% of ours at level 0), and 2.6-4x on 8 MiB raw files at
 * 1.5-11% larger output. Most of the loss is in the inst and addr sections
 * (+3-8%), small-token data where the optimal parse pays off. Level 1 does
 * not spend most of its time parsing: the match finder (one search per
 * position, bound by memory latency) and the range coder are shared by both
 * modes, so the parse alone cannot make it several times faster.
 *
 * Levels 1-6 (optimal parse): on VCDIFF deltas of binaries every level
 * lands within 0.1% of xz -6; they differ on text-like data (a raw tar of
 * JavaScript, JSON), where level 1 is ~18% larger than xz -6, level 3 ~1-2%,
 * level 4 on par, and 5-6 beat it on JSON. The cost grows with the level on
 * such data only. Level 6's nice length of 273 is xz's own worst case: on
 * long near-repeats (lines of a few hundred equal bytes) it is some 30 times
 * slower than level 3, and no smaller.
 */
export const LZMA2_LEVELS: Readonly<Record<number, { niceLen: number; depth: number; fast?: boolean; matchFinder?: 'bt4' | 'hc4' }>> = {
  0: { niceLen: 32, depth: 8, fast: true, matchFinder: 'hc4' },
  1: { niceLen: 16, depth: 8 },
  2: { niceLen: 32, depth: 16 },
  3: { niceLen: 64, depth: 16 },
  4: { niceLen: 64, depth: 32 },
  5: { niceLen: 128, depth: 48 },
  6: { niceLen: 273, depth: 64 },
};

/** Settings of an `Lzma2Encoder`. */
export interface Lzma2EncoderOptions {
  /** Dictionary size in bytes (the decoder allocates this much). */
  dictSize: number;
  /** Effort preset, a key of LZMA2_LEVELS (0 = fast parse, 1-6 optimal parse). */
  level: number;
  /** Literal context bits. */
  lc: number;
  /** Literal position bits. */
  lp: number;
  /** Position bits. */
  pb: number;
}

/**
 * LZMA2 framing around `LzmaEncoder`, as a stream that is sync-flushed after
 * every `encode` call: each call's output ends at a chunk boundary and
 * decodes to exactly that call's input, while the dictionary and the coder
 * state carry over to the next call (what liblzma does for LZMA_SYNC_FLUSH).
 * Chunks that LZMA would not shrink are stored instead; the LZMA state is
 * then rolled back to the chunk start, so the next LZMA chunk continues
 * without a state reset.
 */
export class Lzma2Encoder {
  private readonly lzma: LzmaEncoder;
  private readonly props: number;
  private needDictReset = true;
  private needProps = true;
  /** The last chunk was stored: the next block may be stored without an LZMA try. */
  private lastStored = false;

  constructor(options: Lzma2EncoderOptions) {
    const level = LZMA2_LEVELS[options.level];
    if (!level) throw new RangeError(`LZMA level must be one of ${Object.keys(LZMA2_LEVELS).join(', ')}, got ${options.level}`);
    const { lc, lp, pb } = options;
    if (lc + lp > 4 || lc < 0 || lp < 0 || pb < 0 || pb > 4) throw new RangeError(`LZMA2 needs lc + lp <= 4 and pb <= 4, got lc=${lc} lp=${lp} pb=${pb}`);
    this.lzma = new LzmaEncoder({ dictSize: options.dictSize, lc, lp, pb, ...level }, FEED_PIECE + FEED_AHEAD + MATCH_MAX_LEN);
    this.props = lzmaPropsByte(lc, lp, pb);
  }

  /** Appends to `out` LZMA2 chunks that decode to `data`, ending at a chunk boundary. */
  encode(data: Uint8Array, out: ByteWriter): void {
    const lzma = this.lzma;
    let fed = 0;
    let open = false;
    for (;;) {
      while (fed < data.length && lzma.lookahead < FEED_AHEAD) {
        const n = Math.min(FEED_PIECE, data.length - fed);
        lzma.append(data, fed, fed + n);
        fed += n;
      }
      const final = fed === data.length;
      if (!open) {
        if (final && lzma.lookahead === 0) return;
        const skipped = this.lastStored ? lzma.skipIncompressible(STORED_CHUNK_MAX, final) : 0;
        if (skipped > 0) {
          this.writeStored(out, lzma.position - skipped, skipped);
          continue;
        }
        lzma.beginChunk();
        open = true;
      }
      const stop = lzma.run(final, CHUNK_MAX_UNPACKED, CHUNK_MAX_PACKED);
      if (stop === 'need-input') continue;
      this.endChunk(out);
      open = false;
      if (stop === 'done') return;
    }
  }

  /** Writes the open chunk: as LZMA if that is smaller, else as stored chunks. */
  private endChunk(out: ByteWriter): void {
    const lzma = this.lzma;
    const rc = lzma.rc;
    const unpacked = lzma.chunkSize;
    if (unpacked === 0) return;
    rc.flush();
    const packed = rc.outPos;
    const lzmaCost = LZMA_CHUNK_HEADER + (this.needProps ? 1 : 0) + packed;
    const storedCost = unpacked + STORED_CHUNK_HEADER * Math.ceil(unpacked / STORED_CHUNK_MAX);
    if (packed <= CHUNK_MAX_PACKED && unpacked <= CHUNK_MAX_UNPACKED && lzmaCost < storedCost) {
      const control = this.needDictReset ? CONTROL_LZMA_DICT_RESET : this.needProps ? CONTROL_LZMA_PROPS_RESET : CONTROL_LZMA;
      const u = unpacked - 1;
      const p = packed - 1;
      out.ensure(lzmaCost);
      out.byte(control | (u >>> 16));
      out.byte((u >>> 8) & 0xff);
      out.byte(u & 0xff);
      out.byte(p >>> 8);
      out.byte(p & 0xff);
      if (this.needProps) out.byte(this.props);
      out.bytes(rc.out, 0, packed);
      this.needDictReset = false;
      this.needProps = false;
      this.lastStored = false;
      return;
    }
    lzma.restoreState();
    this.writeStored(out, lzma.chunkStart, unpacked);
  }

  /** Writes window bytes `[start, start + n)` as stored chunks. */
  private writeStored(out: ByteWriter, start: number, n: number): void {
    const buf = this.lzma.mf.buf;
    for (let end = start + n; start < end; ) {
      const size = Math.min(STORED_CHUNK_MAX, end - start);
      out.ensure(STORED_CHUNK_HEADER + size);
      out.byte(this.needDictReset ? CONTROL_STORED_DICT_RESET : CONTROL_STORED);
      out.byte((size - 1) >>> 8);
      out.byte((size - 1) & 0xff);
      out.bytes(buf, start, start + size);
      this.needDictReset = false;
      start += size;
    }
    this.lastStored = true;
  }
}
