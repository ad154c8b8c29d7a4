import { crc32 } from '../../../../src/core/codec/lzma/crc32.js';
import { XZ_FOOTER_MAGIC } from '../../../../src/core/codec/lzma/xz-format.js';

/** Stream header (magic, flags, CRC) that `XzSectionEncoder` writes first. */
const STREAM_HEADER_SIZE = 12;
const LZMA2_END_MARKER = 0x00;
const INDEX_INDICATOR = 0x00;

/**
 * Turns the concatenated outputs of one `XzSectionEncoder` (a stream that
 * xdelta3 never finishes) into a complete .xz file that `xz -d` accepts:
 * LZMA2 end marker, block padding, an index with the one block, and the
 * stream footer. Check type is none, so the block has no check field.
 */
export function finishXzStream(sections: readonly Uint8Array[], uncompressedSize: number): Buffer {
  const body = Buffer.concat([...sections, Buffer.from([LZMA2_END_MARKER])]);
  const unpaddedSize = body.length - STREAM_HEADER_SIZE;
  const blockPadding = Buffer.alloc((4 - (unpaddedSize % 4)) % 4);
  const index = [INDEX_INDICATOR, ...vli(1), ...vli(unpaddedSize), ...vli(uncompressedSize)];
  while (index.length % 4 !== 0) index.push(0);
  const indexBytes = Buffer.from(index);
  const indexWithCrc = Buffer.concat([indexBytes, le32(crc32(indexBytes))]);
  const footerFields = Buffer.concat([le32(indexWithCrc.length / 4 - 1), Buffer.from([0x00, 0x00])]);
  const footer = Buffer.concat([le32(crc32(footerFields)), footerFields, Buffer.from(XZ_FOOTER_MAGIC)]);
  return Buffer.concat([body, blockPadding, indexWithCrc, footer]);
}

function vli(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function le32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
