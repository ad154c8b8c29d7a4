/**
 * Adler-32 as xdelta3 writes it per window (VCD_ADLER32). The sums are folded
 * every 1024 bytes, so they stay 31-bit integers (V8 keeps them in registers
 * instead of doubles), and the inner loop takes 16 bytes at a time: `b` gains
 * 16 times `a` plus each byte weighted by the number of sums it enters.
 */
export function adler32(data: Uint8Array, start = 0, end = data.length, seed = 1): number {
  let a = seed & 0xffff;
  let b = (seed >>> 16) & 0xffff;
  let i = start;
  while (i < end) {
    const stop = Math.min(end, i + 1024);
    const stop16 = stop - ((stop - i) & 15);
    for (; i < stop16; i += 16) {
      const d0 = data[i]!, d1 = data[i + 1]!, d2 = data[i + 2]!, d3 = data[i + 3]!;
      const d4 = data[i + 4]!, d5 = data[i + 5]!, d6 = data[i + 6]!, d7 = data[i + 7]!;
      const d8 = data[i + 8]!, d9 = data[i + 9]!, d10 = data[i + 10]!, d11 = data[i + 11]!;
      const d12 = data[i + 12]!, d13 = data[i + 13]!, d14 = data[i + 14]!, d15 = data[i + 15]!;
      b += 16 * a + 16 * d0 + 15 * d1 + 14 * d2 + 13 * d3 + 12 * d4 + 11 * d5 + 10 * d6 + 9 * d7 + 8 * d8 + 7 * d9 + 6 * d10 + 5 * d11 + 4 * d12 + 3 * d13 + 2 * d14 + d15;
      a += d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9 + d10 + d11 + d12 + d13 + d14 + d15;
    }
    for (; i < stop; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
