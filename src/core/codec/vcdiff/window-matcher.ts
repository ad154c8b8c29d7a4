import type { MatchList } from './match-list.js';
import type { ReferenceView } from './reference-view.js';
import { FINGERPRINT_LENGTH, fingerprint } from './fingerprint.js';
import { ENCODER_LEVELS, type EncoderLevelSettings } from './encoder-level.js';

/** Shortest copy at the displacement of a recent copy (cheap to address). */
const MIN_REP_MATCH = 4;
/** Shortest copy of earlier bytes of the same window. */
const MIN_SELF_MATCH = 5;
/** Displacements of recent reference copies tried at every position. */
const REPS = 4;
/** A repeat match this long is taken without looking further. */
const REP_GOOD_ENOUGH = 64;
/** A candidate this long ends a chain walk early. */
const GOOD_ENOUGH = 512;
/** Matches shorter than this are checked against the next position first (lazy matching). */
const LAZY_LIMIT = 256;
/** Largest skip between searches in unmatched data. */
const MAX_SKIP = 31;
/** log2 of the window index's largest head table (a quarter slot per byte of window, at most). */
const MAX_SELF_BITS = 20;
/** Most window-index entries per window (12 bytes each): bounds memory on incompressible data. */
const MAX_SELF_ENTRIES = 1 << 21;
const NEAR = 4;

/** Bytes of a VCDIFF varint holding `v`. */
function varintCost(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Instruction bytes of a COPY of `len` (the default code table embeds sizes 4..18). */
function sizeCost(len: number): number {
  return len <= 18 ? 1 : 1 + varintCost(len);
}

/**
 * Finds the copies of one target window. Two sources: the reference, through a
 * fingerprint index over all of it plus the displacements of recent copies
 * (what small edits in binaries leave behind), and the window itself (new
 * content that repeats, e.g. one new function bundled into several files),
 * through a hash chain over the window's literal bytes only: bytes already
 * covered by a reference copy can be copied from the reference again. Every
 * candidate is scored by the bytes it saves after its instruction and address
 * cost, with one step of lazy matching.
 */
export class WindowMatcher {
  /** Displacements (reference offset - target offset) of recent reference copies, newest first. */
  private readonly reps = new Float64Array(REPS);
  /** Reference offsets of the last copies, mirroring the VCDIFF near cache. */
  private readonly near = new Float64Array(NEAR);
  private nearSlot = 0;
  private readonly selfHead: Int32Array;
  private readonly selfBits: number;
  /** Window index entries, 3 ints each (position, 4-byte key, previous entry of the slot): one cache line per step. */
  private selfEntries = new Int32Array(3 << 16);
  private selfCount = 0;
  /** Cost of an address with no nearby copy: the varint of a typical segment offset. */
  private readonly farCost: number;

  /**
   * `maxWindow`: the largest target window it will see (sizes the window index).
   * `level`: how hard to look (the candidate budgets bound the worst case on repetitive data).
   */
  constructor(
    private readonly reference: ReferenceView,
    maxWindow: number,
    private readonly level: EncoderLevelSettings = ENCODER_LEVELS.best,
  ) {
    let bits = 10;
    while (bits < MAX_SELF_BITS && 1 << (bits + 2) < maxWindow) bits++;
    this.selfBits = bits;
    this.selfHead = new Int32Array(1 << bits);
    this.farCost = Math.max(2, varintCost(Math.min(reference.size, reference.bytes.length || reference.size)));
  }

  /**
   * Appends the copies of `t[0, n)` to `out`, matching against the reference
   * view's current bytes. `base` is the absolute target offset of `t[0]`;
   * reference copies carry absolute reference offsets.
   */
  findMatches(t: Uint8Array, n: number, base: number, out: MatchList): void {
    const ref = this.reference.bytes;
    const refBase = this.reference.base;
    const refLen = ref.length;
    const { head, chain, strideShift: ss, shift } = this.reference.index;
    const reps = this.reps;
    const near = this.near;
    const L = FINGERPRINT_LENGTH;
    const last = n - L;
    const selfLast = n - MIN_SELF_MATCH;
    const selfShift = 32 - this.selfBits;
    this.selfHead.fill(-1);
    this.selfCount = 0;
    near.fill(-Infinity);
    this.nearSlot = 0;
    const farCost = this.farCost;
    const selfHead = this.selfHead;
    let ent = this.selfEntries;
    const { refChain, selfChain, lazy, skipShift } = this.level;

    let lit = 0;
    /** Next position to enter into the window index. */
    let indexed = 0;
    // Result of search(): the best copy at the searched position.
    let mGain = 0;
    let mLen = 0;
    let mStart = 0;
    let mSrc = 0;
    let mSelf = false;

    const addrCost = (src: number): number => {
      let c = farCost;
      for (let k = 0; k < NEAR; k++) {
        const d = src - near[k]!;
        if (d >= 0) {
          const v = varintCost(d);
          if (v < c) c = v;
        }
      }
      return c;
    };

    const indexUpTo = (p: number): void => {
      // Without self copies nothing reads the window index.
      if (selfChain === 0) return;
      const stop = Math.min(p, selfLast + 1, indexed + MAX_SELF_ENTRIES - this.selfCount);
      for (let q = indexed; q < stop; q++) {
        const key = t[q]! | (t[q + 1]! << 8) | (t[q + 2]! << 16) | (t[q + 3]! << 24);
        const h = Math.imul(key, 0x9e3779b1) >>> selfShift;
        const e = this.selfCount++ * 3;
        if (e === ent.length) {
          const grown = new Int32Array(ent.length * 2);
          grown.set(ent);
          this.selfEntries = ent = grown;
        }
        ent[e] = q;
        ent[e + 1] = key;
        ent[e + 2] = selfHead[h]!;
        selfHead[h] = e;
      }
      if (p > indexed) indexed = p;
    };

    const search = (i: number): void => {
      let bestGain = 0;
      let bestLen = 0;
      let bestStart = i;
      let bestSrc = 0;
      let bestSelf = false;
      const maxFwd = n - i;
      // 1. Displacements of recent copies.
      for (let r = 0; r < REPS; r++) {
        const s = base + i + reps[r]! - refBase;
        if (!(s >= 0 && s < refLen)) continue;
        const max = Math.min(maxFwd, refLen - s);
        if (max < MIN_REP_MATCH || t[i] !== ref[s] || t[i + 1] !== ref[s + 1] || t[i + 3] !== ref[s + 3]) continue;
        let len = 2;
        while (len < max && t[i + len] === ref[s + len]) len++;
        if (len < MIN_REP_MATCH || len <= bestLen) continue;
        const gain = len - sizeCost(len) - addrCost(s + refBase);
        if (gain > bestGain) {
          bestGain = gain;
          bestLen = len;
          bestSrc = s + refBase;
        }
      }
      if (bestLen >= REP_GOOD_ENOUGH) {
        mGain = bestGain;
        mLen = bestLen;
        mStart = i;
        mSrc = bestSrc;
        mSelf = false;
        return;
      }
      // 2. The reference index.
      if (i <= last) {
        let c = head[fingerprint(t, i) >>> shift]!;
        const t0 = t[i]!;
        let budget = refChain;
        let want = bestLen > L ? bestLen : L;
        while (c >= 0 && budget-- > 0) {
          if (ref[c] === t0 && ref[c + want - 1] === t[i + want - 1]) {
            const max = Math.min(maxFwd, refLen - c);
            let len = 0;
            while (len < max && t[i + len] === ref[c + len]) len++;
            if (len >= want) {
              let back = 0;
              while (i - back > lit && c - back > 0 && t[i - back - 1] === ref[c - back - 1]) back++;
              const total = len + back;
              const gain = total - sizeCost(total) - addrCost(c - back + refBase);
              if (gain > bestGain) {
                bestGain = gain;
                bestLen = total;
                bestStart = i - back;
                bestSrc = c - back + refBase;
                bestSelf = false;
                want = len + 1;
                if (len >= GOOD_ENOUGH) break;
              }
            }
          }
          c = chain[c >>> ss]!;
        }
      }
      // 3. Earlier literal bytes of this window.
      if (selfChain > 0 && i <= selfLast && bestLen < GOOD_ENOUGH) {
        const key = t[i]! | (t[i + 1]! << 8) | (t[i + 2]! << 16) | (t[i + 3]! << 24);
        let e = selfHead[Math.imul(key, 0x9e3779b1) >>> selfShift]!;
        let budget = selfChain;
        while (e >= 0 && budget-- > 0) {
          const q = ent[e]!;
          const k = ent[e + 1]!;
          e = ent[e + 2]!;
          if (k !== key || q >= i) continue;
          if (t[q + bestLen] !== t[i + bestLen] && bestLen < maxFwd) continue;
          let len = 0;
          while (len < maxFwd && t[q + len] === t[i + len]) len++;
          if (len < MIN_SELF_MATCH) continue;
          let back = 0;
          while (i - back > lit && q - back > 0 && t[i - back - 1] === t[q - back - 1]) back++;
          const total = len + back;
          const gain = total - sizeCost(total) - varintCost(i - q);
          if (gain > bestGain) {
            bestGain = gain;
            bestLen = total;
            bestStart = i - back;
            bestSrc = q - back;
            bestSelf = true;
            if (len >= GOOD_ENOUGH) break;
          }
        }
      }
      mGain = bestGain;
      mLen = bestLen;
      mStart = bestStart;
      mSrc = bestSrc;
      mSelf = bestSelf;
    };

    let i = 0;
    // Skip acceleration: after many failed searches in a row (new or compressed
    // content) only every k-th position is searched, k growing with the misses.
    let misses = 0;
    let nextSearch = 0;
    while (i < n) {
      if (i >= nextSearch) {
        search(i);
        if (mGain > 0) {
          let gain = mGain;
          let len = mLen;
          let start = mStart;
          let src = mSrc;
          let self = mSelf;
          // Lazy step: a clearly better copy one byte later wins.
          if (lazy && len < LAZY_LIMIT && i + 1 < n) {
            indexUpTo(i + 1);
            search(i + 1);
            if (mGain > gain + 1) {
              gain = mGain;
              len = mLen;
              start = mStart;
              src = mSrc;
              self = mSelf;
            }
          }
          misses = 0;
          indexUpTo(start);
          out.push(start, len, src, self);
          if (!self) {
            const disp = src - (base + start);
            let k = 0;
            while (k < REPS - 1 && reps[k] !== disp) k++;
            for (; k > 0; k--) reps[k] = reps[k - 1]!;
            reps[0] = disp;
            near[this.nearSlot] = src;
          } else {
            near[this.nearSlot] = -Infinity;
          }
          this.nearSlot = (this.nearSlot + 1) % NEAR;
          i = start + len;
          lit = i;
          if (indexed < i) indexed = i;
          continue;
        }
        misses++;
        // Odd steps only: the reference index samples every `stride` positions, and an
        // even step would never visit the positions that line up with the samples.
        nextSearch = i + 1 + (Math.min(MAX_SKIP, misses >>> skipShift) & ~1);
      }
      indexUpTo(i + 1);
      i++;
    }
  }
}
