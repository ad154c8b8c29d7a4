import { FINGERPRINT_LENGTH, fingerprint } from './fingerprint.js';

/** Most positions the index samples (4 bytes each in the chain): 64 MiB. */
export const MAX_INDEX_POSITIONS = 1 << 24;
/**
 * Largest head table (4 bytes a slot). Kept at 16 MiB even for big references:
 * every insert and lookup is a cache miss in it, and a table that fits the CPU
 * cache builds 2-3x faster; the chains absorb the extra collisions.
 */
const MAX_HEAD_BITS = 22;

/**
 * Fingerprint index over the whole reference with hash chains: `head` maps a
 * fingerprint slot to the newest sampled position, `chain` links each sampled
 * position to the previous one in its slot. Positions are sampled every
 * `stride` bytes so memory stays bounded (at most 64 MiB of chain plus a
 * 16 MiB head table) for any reference size; any match of
 * `stride + FINGERPRINT_LENGTH - 1` bytes or more hits a sampled position.
 * Chains matter for text: short fingerprints like "function" occur thousands
 * of times and the first candidate is rarely the best one.
 */
export class ReferenceIndex {
  readonly head: Int32Array;
  readonly chain: Int32Array;
  readonly shift: number;
  readonly stride: number;
  readonly strideShift: number;

  /**
   * Sizes the tables for references of up to `capacity` bytes, sampling at most
   * `maxPositions` of them; `build()` fills them.
   */
  constructor(capacity: number, maxPositions = MAX_INDEX_POSITIONS) {
    const n = capacity;
    // At least every other position: halves the (cache-missing) build cost and
    // still finds every match of FINGERPRINT_LENGTH + 1 bytes.
    let strideShift = 1;
    while (n / (1 << strideShift) > maxPositions) strideShift++;
    this.strideShift = strideShift;
    this.stride = 1 << strideShift;
    let bits = 10;
    while (1 << bits < n / this.stride && bits < MAX_HEAD_BITS) bits++;
    this.shift = 32 - bits;
    this.head = new Int32Array(1 << bits);
    this.chain = new Int32Array(Math.max(1, Math.ceil(n / this.stride)));
  }

  /** Indexes `ref` (at most `capacity` bytes), replacing what was indexed before. */
  build(ref: Uint8Array): this {
    if (Math.ceil(ref.length / this.stride) > this.chain.length) throw new RangeError(`reference of ${ref.length} bytes exceeds the index capacity`);
    const last = ref.length - FINGERPRINT_LENGTH;
    const head = this.head.fill(-1);
    const chain = this.chain;
    const shift = this.shift;
    const stride = this.stride;
    const ss = this.strideShift;
    for (let p = 0; p <= last; p += stride) {
      const slot = fingerprint(ref, p) >>> shift;
      chain[p >>> ss] = head[slot]!;
      head[slot] = p;
    }
    return this;
  }
}
