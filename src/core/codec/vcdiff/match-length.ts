/**
 * How far the byte strings at `a` and `b` of `view` agree, given that their
 * first `len` bytes do, stopping at `limit`. Compares four bytes at a time
 * (the first difference is the lowest set byte of the XOR, as the loads are
 * little-endian): repetitive data makes the LZMA match finder and parser
 * compare tens of bytes per position, and a byte loop there dominated.
 */
export function matchLength(view: DataView, a: number, b: number, len: number, limit: number): number {
  while (len + 4 <= limit) {
    const x = view.getInt32(a + len, true) ^ view.getInt32(b + len, true);
    if (x !== 0) return len + ((31 - Math.clz32(x & -x)) >>> 3);
    len += 4;
  }
  while (len < limit && view.getUint8(a + len) === view.getUint8(b + len)) len++;
  return len;
}
