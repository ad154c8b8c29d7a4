import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * The CRC-32 byte table, used by the LZMA match finder as a cheap byte hash (as xz's
 * does); not a checksum here: CRC-32 itself is zlib's, the one CRC-32 of the project.
 */
export const CRC32_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of `data[start, end)`, for the xz stream and block headers of LZMA secondary sections. */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  return zlibCrc32(data.subarray(start, end)) >>> 0;
}
