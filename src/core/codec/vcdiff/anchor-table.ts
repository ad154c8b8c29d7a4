import type { FileHandle } from 'node:fs/promises';
import { FINGERPRINT_LENGTH, fingerprint } from './fingerprint.js';

/** Most anchors kept for one reference (12 bytes each in the table, at half load). */
const MAX_ANCHORS = 1 << 20;
/** Reference bytes read per step while collecting anchors. */
const READ_CHUNK = 16 << 20;
/** Multiplier that decides, from a fingerprint, whether a position is an anchor. */
const ANCHOR_MIX = 0x2545f491;
const EMPTY = -1;
const AMBIGUOUS = -2;
/** Granularity of the anchor positions reported: 1 MiB blocks of the reference. */
export const VOTE_BLOCK_SHIFT = 20;

/**
 * Content-defined anchors over a reference too large to hold in memory: a
 * position is an anchor when its fingerprint has `bits` leading zero bits after
 * mixing, so the same content is an anchor in the reference and in the target
 * wherever it sits. A target window looks up its own anchors and learns which
 * regions of the reference it resembles (including blocks moved far away),
 * which decides the slab of the reference the window is matched against and
 * where the window has to end because its content comes from elsewhere.
 */
export class AnchorTable {
  readonly #keys: Int32Array;
  readonly #pos: Float64Array;
  readonly #mask: number;
  readonly #shift: number;

  private constructor(readonly refSize: number, readonly bits: number) {
    let slots = 1 << 10;
    while (slots < 2 * Math.min(MAX_ANCHORS, Math.ceil(refSize / 2 ** bits) + 1)) slots *= 2;
    this.#keys = new Int32Array(slots);
    this.#pos = new Float64Array(slots).fill(EMPTY);
    this.#mask = slots - 1;
    this.#shift = 32 - bits;
  }

  /** Reads the reference once and collects its anchors. */
  static async build(fh: FileHandle, refSize: number): Promise<AnchorTable> {
    let bits = 6;
    while (refSize / 2 ** bits > MAX_ANCHORS) bits++;
    const table = new AnchorTable(refSize, bits);
    const buf = Buffer.allocUnsafe(READ_CHUNK + FINGERPRINT_LENGTH);
    let count = 0;
    for (let at = 0; at < refSize && count < MAX_ANCHORS; at += READ_CHUNK) {
      const want = Math.min(READ_CHUNK + FINGERPRINT_LENGTH - 1, refSize - at);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(buf, got, want - got, at + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const last = Math.min(got - FINGERPRINT_LENGTH, READ_CHUNK - 1);
      for (let p = 0; p <= last; p++) {
        const fp = fingerprint(buf, p);
        if (Math.imul(fp, ANCHOR_MIX) >>> table.#shift !== 0) continue;
        table.#insert(fp, at + p);
        if (++count >= MAX_ANCHORS) break;
      }
    }
    return table;
  }

  #insert(fp: number, pos: number): void {
    let s = (Math.imul(fp, 0x9e3779b1) >>> 0) & this.#mask;
    // Linear probing. Content that occurs more than once in the reference (common
    // text lines, padding) says nothing about where a window comes from: such
    // anchors are marked ambiguous and never reported.
    while (this.#pos[s] !== EMPTY) {
      if (this.#keys[s] === fp) {
        this.#pos[s] = AMBIGUOUS;
        return;
      }
      s = (s + 1) & this.#mask;
    }
    this.#keys[s] = fp;
    this.#pos[s] = pos;
  }

  /**
   * Records the anchors of `t[0, n)` found in the reference, in target order:
   * the target position and the 1 MiB reference block of each. Returns the count
   * (at most the arrays' length).
   */
  hits(t: Uint8Array, n: number, pos: Int32Array, block: Int32Array): number {
    let found = 0;
    const last = n - FINGERPRINT_LENGTH;
    for (let i = 0; i <= last && found < pos.length; i++) {
      const fp = fingerprint(t, i);
      if (Math.imul(fp, ANCHOR_MIX) >>> this.#shift !== 0) continue;
      let s = (Math.imul(fp, 0x9e3779b1) >>> 0) & this.#mask;
      while (this.#pos[s] !== EMPTY) {
        if (this.#keys[s] === fp) {
          if (this.#pos[s] === AMBIGUOUS) break;
          pos[found] = i;
          block[found++] = Math.floor(this.#pos[s]! / 2 ** VOTE_BLOCK_SHIFT);
          break;
        }
        s = (s + 1) & this.#mask;
      }
    }
    return found;
  }
}
