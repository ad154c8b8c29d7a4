import { ByteReader } from '../../../../src/core/codec/vcdiff/byte-reader.js';
import { ByteWriter } from '../../../../src/core/codec/vcdiff/byte-writer.js';
import { SECONDARY_LZMA, VCD_APPHEADER, VCD_CODETABLE, VCD_DECOMPRESS } from '../../../../src/core/codec/vcdiff/header.js';

const VCD_SOURCE = 0x01;
const VCD_TARGET = 0x02;
const VCD_ADLER32 = 0x04;
/** Sections shorter than this stay uncompressed, as xdelta3 leaves them. */
const MIN_COMPRESSED_SECTION = 10;
const MAGIC_LENGTH = 4;

/** Compresses one section of kind 0 (data), 1 (inst) or 2 (addr); the caller keeps one stream per kind. */
export type SectionCompressor = (kind: number, section: Uint8Array) => Uint8Array;

/**
 * Rewrites a VCDIFF delta made without secondary compression (`xdelta3 -S
 * none`) into one whose data, inst and addr sections are LZMA-compressed by
 * `compress`, the way `xdelta3 -S lzma` lays them out: VCD_DECOMPRESS with
 * the LZMA id in the header, and per window a section becomes a varint of
 * its size followed by the compressed bytes, its VCD_*COMP bit set.
 */
export function withLzmaSections(delta: Uint8Array, compress: SectionCompressor): Buffer {
  const r = new ByteReader(delta);
  const out = new ByteWriter(delta.length);
  out.bytes(r.bytes(MAGIC_LENGTH));
  const ind = r.byte();
  if (ind & VCD_DECOMPRESS) throw new Error('the delta already uses secondary compression');
  out.byte(ind | VCD_DECOMPRESS);
  out.byte(SECONDARY_LZMA);
  // The rest of the header (code table, application header) is copied unchanged.
  const restAt = r.pos;
  if (ind & VCD_CODETABLE) r.bytes(r.varint());
  if (ind & VCD_APPHEADER) r.bytes(r.varint());
  out.bytes(delta, restAt, r.pos);
  while (r.remaining > 0) {
    const winInd = r.byte();
    out.byte(winInd);
    if (winInd & (VCD_SOURCE | VCD_TARGET)) {
      out.varint(r.varint());
      out.varint(r.varint());
    }
    const deltaLen = r.varint();
    const w = new ByteReader(r.bytes(deltaLen));
    const targetLen = w.varint();
    let deltaInd = w.byte();
    const lengths = [w.varint(), w.varint(), w.varint()];
    const checksum = winInd & VCD_ADLER32 ? w.bytes(4) : new Uint8Array(0);
    const sections = lengths.map((n, kind) => {
      const s = w.bytes(n);
      if (s.length < MIN_COMPRESSED_SECTION) return s;
      deltaInd |= 1 << kind;
      const body = new ByteWriter();
      body.varint(s.length);
      body.bytes(compress(kind, s));
      return new Uint8Array(body.view());
    });
    const body = new ByteWriter();
    body.varint(targetLen);
    body.byte(deltaInd);
    for (const s of sections) body.varint(s.length);
    body.bytes(checksum);
    for (const s of sections) body.bytes(s);
    out.varint(body.length);
    out.bytes(body.view());
  }
  return Buffer.from(out.view());
}
