/**
 * Growable output buffer for one delta section. Sections are built in memory per
 * window (a window is bounded), then written in one go.
 */
export class ByteWriter {
  buf: Buffer;
  length = 0;
  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** One byte. */
  byte(b: number): void {
    if (this.length >= this.buf.length) this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** RFC 3284 base-128 big-endian integer. */
  varint(v: number): void {
    this.ensure(10);
    if (v < 128) {
      this.buf[this.length++] = v;
      return;
    }
    const tmp: number[] = [];
    tmp.push(v % 128);
    v = Math.floor(v / 128);
    while (v > 0) {
      tmp.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    for (let i = tmp.length - 1; i >= 0; i--) this.buf[this.length++] = tmp[i]!;
  }

  /** A byte range of `src`. */
  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    this.buf.set(src.subarray(start, end), this.length);
    this.length += n;
  }

  /** View of what was written. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Forgets the content, keeps the memory. */
  reset(): void {
    this.length = 0;
  }
}
