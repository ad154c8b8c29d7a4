/** Bytes covered by one reference fingerprint: shorter copies are found through repeat offsets and the window index. */
export const FINGERPRINT_LENGTH = 8;

/**
 * 32-bit hash of `buf[pos .. pos + 8)`, computed directly from two little-endian
 * words (no rolling state): the index samples positions, the matcher looks up
 * only the positions it searches, and both must agree. Callers take the high
 * bits as the table slot.
 */
export function fingerprint(buf: Uint8Array, pos: number): number {
  const a = buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24);
  const b = buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24);
  return Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ (b >>> 15), 0x85ebca6b);
}
