/**
 * Adler-32 as xdelta3 writes it per window (VCD_ADLER32). Sums are folded every
 * 5552 bytes, the largest run that cannot overflow 32 bits, to keep the loop cheap.
 */
export function adler32(data: Uint8Array, start = 0, end = data.length, seed = 1): number {
  let a = seed & 0xffff;
  let b = (seed >>> 16) & 0xffff;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + 5552);
    for (; i < stop; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
