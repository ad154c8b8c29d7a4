import { CodecFailedError } from '../../errors.js';

/**
 * Bounds-checked cursor over one delta section. Every read past `end` throws
 * CodecFailedError, so a truncated or hostile delta can never read garbage or loop.
 */
export class ByteReader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length, readonly what = 'delta') {
    this.pos = start;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** One byte. */
  byte(): number {
    if (this.pos >= this.end) throw truncated(this.what);
    return this.buf[this.pos++]!;
  }

  /**
   * RFC 3284 base-128 big-endian integer. Values above 2^53 cannot be offsets in
   * anything we can hold, so they are rejected rather than silently rounded.
   */
  varint(): number {
    let v = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw truncated(this.what);
      const b = this.buf[this.pos++]!;
      v = v * 128 + (b & 0x7f);
      if (v > Number.MAX_SAFE_INTEGER) throw new CodecFailedError(`VCDIFF integer overflow in ${this.what}`);
      if ((b & 0x80) === 0) return v;
    }
    throw new CodecFailedError(`VCDIFF integer too long in ${this.what}`);
  }

  /** `n` raw bytes as a view (no copy). */
  bytes(n: number): Uint8Array {
    if (n > this.end - this.pos) throw truncated(this.what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function truncated(what: string): CodecFailedError {
  return new CodecFailedError(`VCDIFF ${what} is truncated`);
}

/** Bytes taken by `v` as an RFC 3284 integer; the encoder uses it to price address modes. */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
