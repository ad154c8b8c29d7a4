import { ByteWriter } from '../vcdiff/byte-writer.js';
import { crc32 } from './crc32.js';
import { Lzma2Encoder } from './lzma2-encoder.js';
import { XZ_CHECK_NONE, XZ_FILTER_LZMA2, XZ_MAGIC, lzma2DictByte, lzma2DictSize } from './xz-format.js';

/** Default dictionary: xz -6's 8 MiB. The decoder allocates it, so it is not larger. */
export const DEFAULT_XZ_DICT_SIZE = 8 << 20;
/** Default effort (a key of LZMA2_LEVELS): xz -6 sizes on deltas, within ~2% of it on text. */
export const DEFAULT_XZ_LEVEL = 3;
/** Smallest dictionary LZMA2 can announce. */
export const MIN_XZ_DICT_SIZE = 4 << 10;
/** Largest dictionary accepted: xz -9's 64 MiB (the encoder then needs ~750 MiB). */
export const MAX_XZ_DICT_SIZE = 64 << 20;
/** lc/lp/pb of every liblzma preset (xz's defaults). */
const LC = 3;
const LP = 0;
const PB = 2;
/** Stream flags: no check. */
const STREAM_FLAGS = [0x00, XZ_CHECK_NONE];
/** Block header: one filter (LZMA2, one property byte), no size fields. */
const BLOCK_FLAGS = 0x00;
const LZMA2_PROPS_SIZE = 1;

/** Settings of an `XzSectionEncoder`. */
export interface XzSectionEncoderOptions {
  /** Dictionary size in bytes, rounded up to what LZMA2 can announce. Default DEFAULT_XZ_DICT_SIZE. */
  dictSize?: number;
  /**
   * Effort 0 (fastest) to 6 (smallest output). Default DEFAULT_XZ_LEVEL.
   * Level 0 parses greedily like xz's fast presets: 1.6-2x the speed of
   * level 1 on VCDIFF delta sections for 3-4% more output; levels 1-6 use
   * the optimal parse (see LZMA2_LEVELS for measured figures).
   */
  level?: number;
}

/**
 * Encoder for xdelta3's LZMA secondary compression, the counterpart of
 * `XzSectionDecoder`: one never-finished xz stream (LZMA2, no check) per
 * section kind, sync-flushed after each window's section. The first call's
 * output starts with the xz stream header and the block header; every
 * call's output ends at an LZMA2 chunk boundary and decodes (by liblzma or
 * `XzSectionDecoder`) to exactly that call's input, with the dictionary
 * carried over from earlier calls. Memory is bounded by the dictionary, not
 * by the total input: about 11.5 bytes per byte seen, up to the dictionary
 * size (some 93 MiB for the default 8 MiB, as for xz -6), plus ~3 MiB;
 * level 0's hash chains need 4 bytes per byte less.
 *
 * @example
 * const enc = new XzSectionEncoder();
 * const first = enc.encode(window1DataSection);  // header + chunks
 * const second = enc.encode(window2DataSection); // chunks only
 * // VCDIFF section = varint(section.length) + the bytes returned here
 */
export class XzSectionEncoder {
  private readonly lzma2: Lzma2Encoder;
  private readonly dictByte: number;
  private started = false;
  private readonly out = new ByteWriter(1 << 16);

  constructor(options: XzSectionEncoderOptions = {}) {
    const dictSize = options.dictSize ?? DEFAULT_XZ_DICT_SIZE;
    const level = options.level ?? DEFAULT_XZ_LEVEL;
    if (!Number.isInteger(dictSize) || dictSize < MIN_XZ_DICT_SIZE || dictSize > MAX_XZ_DICT_SIZE) {
      throw new RangeError(`xz dictSize must be an integer from ${MIN_XZ_DICT_SIZE} to ${MAX_XZ_DICT_SIZE}, got ${dictSize}`);
    }
    this.dictByte = lzma2DictByte(dictSize);
    this.lzma2 = new Lzma2Encoder({ dictSize: lzma2DictSize(this.dictByte), level, lc: LC, lp: LP, pb: PB });
  }

  /**
   * Compresses one section; the result is a fresh array. An empty section
   * gives an empty result and leaves the stream untouched (even unstarted),
   * so a caller that stores it uncompressed stays in step with the decoder.
   */
  encode(section: Uint8Array): Uint8Array {
    if (section.length === 0) return new Uint8Array(0);
    const out = this.out;
    out.reset();
    if (!this.started) {
      this.writeHeaders(out);
      this.started = true;
    }
    this.lzma2.encode(section, out);
    return new Uint8Array(out.view());
  }

  private writeHeaders(out: ByteWriter): void {
    out.bytes(Uint8Array.from(XZ_MAGIC));
    const flagsAt = out.length;
    out.bytes(Uint8Array.from(STREAM_FLAGS));
    writeLe32(out, crc32(out.buf, flagsAt, out.length));

    const blockAt = out.length;
    const fields = [BLOCK_FLAGS, XZ_FILTER_LZMA2, LZMA2_PROPS_SIZE, this.dictByte];
    const size = (Math.ceil((1 + fields.length) / 4) + 1) * 4;
    out.byte(size / 4 - 1);
    for (const f of fields) out.byte(f);
    while (out.length - blockAt < size - 4) out.byte(0);
    writeLe32(out, crc32(out.buf, blockAt, out.length));
  }
}

function writeLe32(out: ByteWriter, v: number): void {
  out.byte(v & 0xff);
  out.byte((v >>> 8) & 0xff);
  out.byte((v >>> 16) & 0xff);
  out.byte((v >>> 24) & 0xff);
}
