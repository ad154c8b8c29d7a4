import { FINGERPRINT_LENGTH, HASH_BASE, HASH_OUT_WEIGHT, HASH_SPREAD, fingerprint } from './rolling-hash.js';

/** Most positions the index samples (4 bytes each in the chain): 64 MiB. */
export const MAX_INDEX_POSITIONS = 1 << 24;

/**
 * Fingerprint index over the whole reference with hash chains: `head` maps a
 * fingerprint slot to the newest sampled position, `chain` links each sampled
 * position to the previous one in its slot. Positions are sampled every
 * `stride` bytes so memory stays bounded (at most 64 MiB of chain plus a
 * 64 MiB head table) for any reference size; any match of
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

  constructor(readonly ref: Uint8Array) {
    const n = ref.length;
    // At least every other position: halves the (cache-missing) build cost and
    // still finds every match of FINGERPRINT_LENGTH + 1 bytes.
    let strideShift = 1;
    while (n / (1 << strideShift) > MAX_INDEX_POSITIONS) strideShift++;
    this.strideShift = strideShift;
    this.stride = 1 << strideShift;
    let bits = 10;
    while (1 << bits < n / this.stride && bits < 24) bits++;
    this.shift = 32 - bits;
    this.head = new Int32Array(1 << bits).fill(-1);
    this.chain = new Int32Array(Math.max(1, Math.ceil(n / this.stride)));
    this.build();
  }

  private build(): void {
    const ref = this.ref;
    const last = ref.length - FINGERPRINT_LENGTH;
    if (last < 0) return;
    const head = this.head;
    const chain = this.chain;
    const shift = this.shift;
    const mask = this.stride - 1;
    const ss = this.strideShift;
    let h = fingerprint(ref, 0);
    for (let p = 0; p <= last; p++) {
      if ((p & mask) === 0) {
        const slot = Math.imul(h, HASH_SPREAD) >>> shift;
        chain[p >>> ss] = head[slot]!;
        head[slot] = p;
      }
      if (p < last) h = (Math.imul(h - Math.imul(ref[p]!, HASH_OUT_WEIGHT), HASH_BASE) + ref[p + FINGERPRINT_LENGTH]!) | 0;
    }
  }
}
