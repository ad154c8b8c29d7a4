import { CodecFailedError } from '../../errors.js';
import { crc32 } from './crc32.js';
import { LzmaDecoder } from './lzma-decoder.js';
import { uint8View } from '../uint8-view.js';
import { LZMA2_DICT_BYTE_MAX, XZ_FILTER_LZMA2, XZ_MAGIC, lzma2DictSize } from './xz-format.js';

const CHECK_SIZES: Record<number, number> = { 0: 0, 1: 4, 4: 8, 10: 32 };

function fail(msg: string): never {
  throw new CodecFailedError(`LZMA secondary section is corrupt: ${msg}`);
}

/**
 * Decoder for xdelta3's LZMA secondary compression. xdelta3 keeps ONE liblzma xz
 * stream (LZMA2 filter, no check) per section kind (data, inst, addr) for the
 * whole delta and does a sync flush at the end of each window, so window N's
 * section continues the stream of window N-1: no new xz header, and the LZMA2
 * dictionary and coder state carry over. This object is that long-lived state.
 */
export class XzSectionDecoder {
  private phase: 'stream-header' | 'block-header' | 'lzma2' | 'block-end' = 'stream-header';
  private checkSize = 0;
  private lzma: LzmaDecoder | undefined;
  private blockBytes = 0;
  private needDictReset = true;
  private needProps = true;

  /** Decodes one window's section (`input`) into exactly `outSize` bytes. */
  decode(section: Uint8Array, outSize: number): Uint8Array {
    const input = uint8View(section);
    const out = new Uint8Array(outSize);
    let pos = 0;
    let outPos = 0;
    const end = input.length;
    const need = (n: number): void => {
      if (end - pos < n) fail('truncated');
    };
    // Bounded: every iteration consumes at least one input byte.
    while (pos < end || (outPos < outSize && this.phase !== 'lzma2')) {
      if (this.phase === 'stream-header') {
        need(12);
        for (let i = 0; i < 6; i++) if (input[pos + i] !== XZ_MAGIC[i]) fail('bad xz magic');
        if (input[pos + 6] !== 0) fail('bad xz stream flags');
        const check = input[pos + 7]!;
        const size = CHECK_SIZES[check];
        if (size === undefined) fail(`unsupported xz check type ${check}`);
        const crc = readLe32(input, pos + 8);
        if (crc !== crc32(input, pos + 6, pos + 8)) fail('xz stream header CRC');
        this.checkSize = size;
        pos += 12;
        this.phase = 'block-header';
      } else if (this.phase === 'block-header') {
        need(1);
        if (input[pos] === 0) fail('xz index where a block was expected');
        const hsize = (input[pos]! + 1) * 4;
        need(hsize);
        const crc = readLe32(input, pos + hsize - 4);
        if (crc !== crc32(input, pos, pos + hsize - 4)) fail('xz block header CRC');
        const flags = input[pos + 1]!;
        if ((flags & 0x3c) !== 0) fail('reserved xz block flags');
        if ((flags & 0x03) !== 0) fail('xz filter chain other than plain LZMA2');
        let p = pos + 2;
        const hend = pos + hsize - 4;
        const vli = (): number => {
          let v = 0;
          for (let i = 0; i < 9; i++) {
            if (p >= hend) fail('xz block header overrun');
            const b = input[p++]!;
            v += (b & 0x7f) * 2 ** (7 * i);
            if ((b & 0x80) === 0) return v;
          }
          fail('xz integer too long');
        };
        if (flags & 0x40) vli();
        if (flags & 0x80) vli();
        if (vli() !== XZ_FILTER_LZMA2) fail('xz filter is not LZMA2');
        if (vli() !== 1) fail('LZMA2 properties size');
        if (p >= hend) fail('xz block header overrun');
        const dictByte = input[p++]!;
        if (dictByte > LZMA2_DICT_BYTE_MAX) fail('LZMA2 dictionary size');
        this.lzma = new LzmaDecoder(lzma2DictSize(dictByte));
        this.needDictReset = true;
        this.needProps = true;
        pos += hsize;
        this.blockBytes = hsize;
        this.phase = 'lzma2';
      } else if (this.phase === 'lzma2') {
        if (pos >= end) fail('truncated');
        const start = pos;
        const control = input[pos++]!;
        const lzma = this.lzma!;
        if (control === 0x00) {
          this.phase = 'block-end';
        } else if (control === 0x01 || control === 0x02) {
          need(2);
          const size = ((input[pos]! << 8) | input[pos + 1]!) + 1;
          pos += 2;
          if (control === 0x01) {
            lzma.resetDict();
            this.needDictReset = false;
          } else if (this.needDictReset) fail('missing dictionary reset');
          need(size);
          if (outPos + size > outSize) fail('more output than announced');
          lzma.storeUncompressed(input, pos, size, out, outPos);
          outPos += size;
          pos += size;
        } else if (control >= 0x80) {
          need(4);
          const unpacked = (control & 0x1f) * 65536 + ((input[pos]! << 8) | input[pos + 1]!) + 1;
          const packed = ((input[pos + 2]! << 8) | input[pos + 3]!) + 1;
          pos += 4;
          const reset = (control >> 5) & 3;
          if (reset === 3) {
            lzma.resetDict();
            this.needDictReset = false;
          } else if (this.needDictReset) fail('missing dictionary reset');
          if (reset >= 2) {
            need(1);
            lzma.setProps(input[pos++]!);
            this.needProps = false;
          } else if (this.needProps) fail('missing LZMA properties');
          if (reset >= 1) lzma.resetState();
          need(packed);
          if (outPos + unpacked > outSize) fail('more output than announced');
          lzma.decodeChunk(input, pos, packed, unpacked, out, outPos);
          outPos += unpacked;
          pos += packed;
        } else {
          fail(`bad LZMA2 control byte ${control}`);
        }
        this.blockBytes += pos - start;
      } else {
        // LZMA2 end marker seen: block padding, check, then a new block.
        const pad = (4 - (this.blockBytes % 4)) % 4;
        need(pad + this.checkSize);
        pos += pad + this.checkSize;
        this.phase = 'block-header';
      }
    }
    if (outPos !== outSize) fail(`section decoded to ${outPos} bytes, expected ${outSize}`);
    return out;
  }
}

function readLe32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}
