import { FINGERPRINT_LENGTH, HASH_BASE, HASH_OUT_WEIGHT, HASH_SPREAD, fingerprint } from './rolling-hash.js';

/** Most table slots the index allocates (4 bytes each): 64 MiB. */
export const MAX_INDEX_SLOTS = 1 << 24;

/**
 * Fingerprint index over the whole reference: one slot per sampled position,
 * sampled every `stride` bytes so the table stays within MAX_INDEX_SLOTS even
 * for a reference of gigabytes. Any match of `stride + FINGERPRINT_LENGTH - 1`
 * bytes or more is guaranteed to hit a sampled position.
 */
export class ReferenceIndex {
  readonly table: Int32Array;
  readonly shift: number;
  readonly stride: number;

  constructor(readonly ref: Uint8Array) {
    const n = ref.length;
    let stride = 2;
    while (n / stride > MAX_INDEX_SLOTS / 2) stride *= 2;
    this.stride = stride;
    let bits = 10;
    while (1 << bits < (n / stride) * 2 && bits < 24) bits++;
    this.shift = 32 - bits;
    this.table = new Int32Array(1 << bits).fill(-1);
    this.build();
  }

  private build(): void {
    const ref = this.ref;
    const last = ref.length - FINGERPRINT_LENGTH;
    if (last < 0) return;
    const table = this.table;
    const shift = this.shift;
    const mask = this.stride - 1;
    let h = fingerprint(ref, 0);
    // On a slot collision the first position wins: a repeated block (padding,
    // tables) then points at one stable place, which keeps COPY addresses close
    // to each other and cheap in the address cache.
    for (let p = 0; p <= last; p++) {
      if ((p & mask) === 0) {
        const slot = Math.imul(h, HASH_SPREAD) >>> shift;
        if (table[slot] === -1) table[slot] = p;
      }
      if (p < last) h = (Math.imul(h - Math.imul(ref[p]!, HASH_OUT_WEIGHT), HASH_BASE) + ref[p + FINGERPRINT_LENGTH]!) | 0;
    }
  }
}
