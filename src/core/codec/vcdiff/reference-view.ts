import { open, readFile, type FileHandle } from 'node:fs/promises';
import { AnchorTable, VOTE_BLOCK_SHIFT } from './anchor-table.js';
import { ReferenceIndex } from './reference-index.js';

/**
 * Largest reference held whole in memory; larger ones are matched a slab of
 * this size at a time. A whole reference costs about 3x its size with its
 * index (112 MiB at 32 MiB), a slab 2.5x (80 MiB). 32 MiB, measured on the
 * synthetic 100 MiB / 200 MiB / 1 GiB families against 64 MiB: the same
 * delta sizes at 100 and 200 MiB (1 GiB: 74 KB instead of 3.2 MB), 150 MiB
 * less peak memory per encode; references of 32-64 MiB encode about 3x
 * slower than held whole (a slab is indexed per window).
 */
export const DEFAULT_SLAB_BYTES = 32 << 20;
/** Index positions sampled in a slab (4 bytes each): the slab's index stays at 32 MiB. */
const SLAB_INDEX_POSITIONS = 1 << 23;
/** Anchors looked at to tell a stray anchor from content that comes from elsewhere. */
const LOOKAHEAD = 64;
/** Shortest window cut off because the content after it comes from elsewhere. */
const MIN_WINDOW = 64 << 10;
/** Most anchors recorded per window. */
const MAX_HITS = 1 << 19;

/**
 * The part of the reference the matcher sees for the current target window:
 * the whole reference when it is at most `slabBytes`, else a slab of that size
 * chosen per window by content-defined anchors, so a block moved anywhere in a
 * large reference is still found, and moved only when the window's content
 * comes from outside it. Memory stays bounded whatever the reference size.
 */
export class ReferenceView {
  /** Reference bytes visible now. */
  bytes: Uint8Array;
  /** Absolute reference offset of `bytes[0]`. */
  base = 0;
  /** Slab loads so far (1 for a reference held whole). */
  loads = 0;
  readonly #fh: FileHandle | undefined;
  readonly #anchors: AnchorTable | undefined;
  readonly #hitPos: Int32Array;
  readonly #hitBlock: Int32Array;
  readonly #slab: Buffer;

  private constructor(
    readonly size: number,
    readonly index: ReferenceIndex,
    whole: Buffer | undefined,
    fh: FileHandle | undefined,
    anchors: AnchorTable | undefined,
    slabBytes: number,
  ) {
    this.#fh = fh;
    this.#anchors = anchors;
    this.#slab = whole ?? Buffer.allocUnsafe(slabBytes);
    this.bytes = whole ?? this.#slab.subarray(0, 0);
    this.#hitPos = new Int32Array(anchors ? MAX_HITS : 0);
    this.#hitBlock = new Int32Array(anchors ? MAX_HITS : 0);
    if (whole) {
      index.build(whole);
      this.loads = 1;
    }
  }

  /** Opens a reference file; `slabBytes` bounds what is held in memory. */
  static async open(path: string, size: number, slabBytes = DEFAULT_SLAB_BYTES): Promise<ReferenceView> {
    if (size <= slabBytes) {
      const whole = await readFile(path);
      return new ReferenceView(whole.length, new ReferenceIndex(whole.length), whole, undefined, undefined, 0);
    }
    const fh = await open(path, 'r');
    try {
      const anchors = await AnchorTable.build(fh, size);
      return new ReferenceView(size, new ReferenceIndex(slabBytes, SLAB_INDEX_POSITIONS), undefined, fh, anchors, slabBytes);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** True when the reference is matched a slab at a time. */
  get sliced(): boolean {
    return this.#anchors !== undefined;
  }

  /**
   * Makes current the slab that target window `t[0, n)` (at absolute offset
   * `tBase`) resembles, and returns how much of the window to encode with it:
   * all of it, or the part before the content starts coming from a region of
   * the reference that no single slab holds together with it (a block moved far
   * away); the rest goes into the next window.
   */
  async prepare(t: Uint8Array, n: number, tBase: number): Promise<number> {
    if (!this.#anchors) return n;
    const B = 2 ** VOTE_BLOCK_SHIFT;
    const span = this.#slab.length / B;
    const count = this.#anchors.hits(t, n, this.#hitPos, this.#hitBlock);
    if (count === 0) {
      // Nothing recognisable: keep the slab, or start on the diagonal.
      if (this.bytes.length === 0) await this.#load(Math.max(0, Math.min(tBase, this.size - this.#slab.length)));
      return n;
    }
    const pos = this.#hitPos;
    const block = this.#hitBlock;
    // Seed the run with the median block of the first anchors, so a stray first
    // anchor (a fingerprint collision, a common pattern) cannot mislead it.
    const seed = Array.from(block.subarray(0, Math.min(count, LOOKAHEAD))).sort((a, b) => a - b)[Math.min(count, LOOKAHEAD) >> 1]!;
    let lo = seed;
    let hi = seed;
    let cut = n;
    for (let k = 0; k < count; k++) {
      const b = block[k]!;
      if (Math.max(hi, b) - Math.min(lo, b) < span) {
        lo = Math.min(lo, b);
        hi = Math.max(hi, b);
        continue;
      }
      // Outside what one slab holds with the run: a stray, or the start of content
      // from elsewhere? The latter when most of the next anchors are outside too.
      // The latter when nearly all of the next anchors are outside too and agree with
      // each other (fit one slab).
      let outside = 0;
      let olo = b;
      let ohi = b;
      const end = Math.min(count, k + LOOKAHEAD);
      for (let j = k; j < end; j++) {
        const bj = block[j]!;
        if (Math.max(hi, bj) - Math.min(lo, bj) < span) continue;
        outside++;
        olo = Math.min(olo, bj);
        ohi = Math.max(ohi, bj);
      }
      if (end - k >= LOOKAHEAD / 2 && outside * 10 >= (end - k) * 9 && ohi - olo < span && pos[k]! >= MIN_WINDOW) {
        cut = pos[k]!;
        break;
      }
    }
    const curLo = this.base / B;
    const curHi = (this.base + this.bytes.length) / B - 1;
    if (this.bytes.length === 0 || lo < curLo || hi > curHi) {
      // One block of slack before the run when it fits (copies start a little before
      // the first anchor); the rest of the slab lies ahead, where the next windows go.
      const startBlock = Math.max(0, hi + 1 - span, lo - 1);
      await this.#load(Math.max(0, Math.min(startBlock * B, this.size - this.#slab.length)));
    }
    return cut;
  }

  async #load(start: number): Promise<void> {
    const slab = this.#slab;
    const len = Math.min(slab.length, this.size - start);
    let got = 0;
    const old = this.bytes;
    // Reuse the overlap with the current slab when moving forward.
    if (old.length > 0 && start > this.base && start < this.base + old.length) {
      got = this.base + old.length - start;
      slab.copyWithin(0, start - this.base, old.length);
    }
    while (got < len) {
      const { bytesRead } = await this.#fh!.read(slab, got, len - got, start + got);
      if (bytesRead === 0) throw new Error('reference file shrank while encoding');
      got += bytesRead;
    }
    this.base = start;
    this.bytes = slab.subarray(0, len);
    this.index.build(this.bytes);
    this.loads++;
  }

  async close(): Promise<void> {
    await this.#fh?.close();
  }
}
