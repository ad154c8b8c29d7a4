import {
  ALIGN_BITS,
  ALIGN_SIZE,
  END_POS_MODEL_INDEX,
  LEN_HIGH_BITS,
  LEN_LOW_BITS,
  LEN_LOW_SYMBOLS,
  LEN_MID_BITS,
  LEN_MID_SYMBOLS,
  LEN_SYMBOLS,
  LEN_TO_POS_STATES,
  LIT_STATES,
  LITERAL_CODER_SIZE,
  MATCH_MAX_LEN,
  MATCH_MIN_LEN,
  NUM_FULL_DISTANCES,
  NUM_REPS,
  NUM_STATES,
  POS_SLOT_BITS,
  POS_STATES_MAX,
  PROB_INIT,
  PROB_ONE,
  START_POS_MODEL_INDEX,
  LEN_CHOICE,
  LEN_CHOICE2,
  LEN_HIGH,
  LEN_LOW,
  LEN_MID,
  PROBS_ALIGN,
  PROBS_IS_MATCH,
  PROBS_IS_REP,
  PROBS_IS_REP0_LONG,
  PROBS_IS_REP_G0,
  PROBS_IS_REP_G1,
  PROBS_IS_REP_G2,
  PROBS_LEN_CODER,
  PROBS_LITERAL,
  PROBS_POS_SLOT,
  PROBS_POS_SPECIAL,
  PROBS_REP_LEN_CODER,
  nextAfterLiteral,
  nextAfterLongRep,
  nextAfterMatch,
  nextAfterShortRep,
} from './lzma-constants.js';
import { LzmaMatchFinder } from './lzma-match-finder.js';
import { matchLength } from '../vcdiff/match-length.js';
import { PRICE_REDUCE_BITS as PRICE_REDUCE, PRICE_SHIFT, PROB_PRICES, RangeEncoder, reverseTreePrice, treePrice } from './range-encoder.js';

/**
 * Positions one optimal-parse step may look ahead. Longer plans rarely help
 * and the plan length also bounds how far a chunk can overshoot its limit.
 */
const OPTS = 1 << 12;
const INFINITY_PRICE = 1 << 30;
/** Matches this long or longer share the last length state of the distance coder. */
const FAR_LEN = MATCH_MIN_LEN + LEN_TO_POS_STATES - 1;
/** Literal marker in `back` (otherwise 0-3 is a rep, 4+ a match at distance back - 4). */
const LITERAL = -1;
/** Distance price tables are rebuilt after this many matches... */
const DIST_PRICE_REFRESH = 1 << 7;
/** ...and the align prices after this many far matches. */
const ALIGN_PRICE_REFRESH = ALIGN_SIZE;

/**
 * Bytes a position can cost at worst (every probability at its extreme), so
 * a plan of n positions never adds more than n * this to a chunk.
 */
const MAX_BYTES_PER_POSITION = 12;
/**
 * Byte entropy (bits per byte, order 0) above which a block after a stored
 * chunk is stored without trying LZMA: compressed or encrypted data measures
 * 7.97-8.0, while data LZMA shrinks by even a few percent stays below 7.8.
 */
const STORE_ENTROPY = 7.9;
/** Blocks shorter than this are always tried with LZMA. */
const STORE_MIN_BLOCK = 4096;
/** A stored block's positions enter the match finder this sparsely... */
const STORE_INSERT_STEP = 4;
/** ...and are first probed every this many bytes for repeats of this length. */
const STORE_PROBE_STEP = 16;
const STORE_PROBE_LEN = 16;

/** Fast parse: a length-2 match this far away (distance - 1) costs more than it saves... */
const FAST_FAR_LEN2 = 0x80;
/** ...and a rep match 2 (3) shorter than the main match still wins when the main one is this far. */
const FAST_FAR_REP2 = 1 << 9;
const FAST_FAR_REP3 = 1 << 15;

/** Whether distance `small` is so much smaller than `big` that it is worth a byte of length. */
function muchSmaller(small: number, big: number): boolean {
  return big >>> 7 > small;
}

/** Bytes the parser needs ahead of a position before the end of the data stops mattering. */
export const PARSER_LOOKAHEAD = OPTS + MATCH_MAX_LEN + 1;

/** The distance slot: 2 * floor(log2(dist)) plus the bit below the top one. */
function posSlotOf(dist: number): number {
  if (dist < START_POS_MODEL_INDEX) return dist;
  const n = 31 - Math.clz32(dist);
  return (n << 1) | ((dist >>> (n - 1)) & 1);
}

/** LZMA encoder settings. */
export interface LzmaEncoderOptions {
  /** Dictionary size: how far back matches reach. */
  dictSize: number;
  /** Literal context bits (0-8; LZMA2 needs lc + lp <= 4). */
  lc: number;
  /** Literal position bits (0-4). */
  lp: number;
  /** Position bits (0-4). */
  pb: number;
  /** Match length at which the parser stops weighing alternatives (8-273). */
  niceLen: number;
  /** Match finder search depth (tree nodes or chain links visited per position). */
  depth: number;
  /**
   * Parse greedily with one position of lookahead (liblzma's "fast mode",
   * see `getFast`) instead of the optimal parse. Default false.
   */
  fast?: boolean;
  /** Match finder kind (see `MatchFinderOptions.kind`). Default 'bt4'. */
  matchFinder?: 'bt4' | 'hc4';
}

/**
 * Why `LzmaEncoder.run` returned: the chunk reached an LZMA2 size limit
 * (close it, start another); too few bytes ahead to parse well (append more,
 * or call again with `final`); or everything appended is coded.
 */
export type RunStop = 'chunk-full' | 'need-input' | 'done';

/**
 * An LZMA encoder with liblzma "normal mode" style optimal parsing (or,
 * with `fast`, the greedy parse of `getFast`): from
 * each position it prices every way to cover the next bytes (literals,
 * matches from the binary-tree match finder, the four rep distances, and
 * the combinations match/rep + literal + rep0) and keeps the cheapest path,
 * the way the LZMA SDK's encoder does. It is driven by the LZMA2 layer,
 * which cuts the output into chunks: the coder state (probabilities, state,
 * reps, dictionary) lives on across chunks and `run` calls; each chunk gets
 * a fresh range coder.
 */
export class LzmaEncoder {
  readonly mf: LzmaMatchFinder;
  readonly rc = new RangeEncoder();
  /** lc/lp/pb as LZMA2 announces them. */
  readonly lc: number;
  readonly lp: number;
  readonly pb: number;
  private readonly pbMask: number;
  private readonly lpMask: number;
  private readonly niceLen: number;
  private readonly fast: boolean;
  private readonly probs: Uint16Array;
  private readonly savedProbs: Uint16Array;
  private state = 0;
  private readonly reps = new Int32Array(NUM_REPS);
  private savedState = 0;
  private readonly savedReps = new Int32Array(NUM_REPS);

  /** Next byte to code, as a window index, and as a stream offset (for the position bits). */
  private enc = 0;
  private streamPos = 0;
  /** How many positions the match finder is ahead of `enc`. */
  private ahead = 0;
  /** Start of the current chunk (window index) and its uncompressed size so far. */
  chunkStart = 0;
  chunkSize = 0;

  // Match finder results: (len, dist) pairs, and those kept for the next step.
  private readonly matches = new Int32Array(2 * (MATCH_MAX_LEN + 1));
  private cachedPairs = 0;
  private cachedLen = 0;

  // The optimal parse: one node per position ahead.
  private readonly optPrice = new Int32Array(OPTS + 1);
  private readonly optPosPrev = new Int32Array(OPTS + 1);
  private readonly optBackPrev = new Int32Array(OPTS + 1);
  private readonly optPrev1IsChar = new Uint8Array(OPTS + 1);
  private readonly optPrev2 = new Uint8Array(OPTS + 1);
  private readonly optPosPrev2 = new Int32Array(OPTS + 1);
  private readonly optBackPrev2 = new Int32Array(OPTS + 1);
  private readonly optState = new Uint8Array(OPTS + 1);
  private readonly optReps = new Int32Array((OPTS + 1) * NUM_REPS);
  private optCur = 0;
  private optEnd = 0;
  private back = 0;
  private readonly repLens = new Int32Array(NUM_REPS);
  private readonly byteCounts = new Int32Array(256);

  // Price tables.
  private readonly lenTableSize: number;
  private readonly lenPrices = new Int32Array(POS_STATES_MAX * LEN_SYMBOLS);
  private readonly repLenPrices = new Int32Array(POS_STATES_MAX * LEN_SYMBOLS);
  private readonly lenCounters = new Int32Array(POS_STATES_MAX);
  private readonly repLenCounters = new Int32Array(POS_STATES_MAX);
  private readonly distTableSize: number;
  private readonly posSlotPrices = new Int32Array(LEN_TO_POS_STATES << POS_SLOT_BITS);
  private readonly distPrices = new Int32Array(LEN_TO_POS_STATES * NUM_FULL_DISTANCES);
  private readonly alignPrices = new Int32Array(ALIGN_SIZE);
  private matchPriceCount = 0;
  private alignPriceCount = 0;

  constructor(options: LzmaEncoderOptions, windowSlack: number) {
    const { dictSize, lc, lp, pb, niceLen, depth } = options;
    this.lc = lc;
    this.lp = lp;
    this.pb = pb;
    this.pbMask = (1 << pb) - 1;
    this.lpMask = (1 << lp) - 1;
    this.niceLen = niceLen;
    this.fast = options.fast ?? false;
    this.mf = new LzmaMatchFinder({ dictSize, niceLen, depth, kind: options.matchFinder ?? 'bt4' }, windowSlack);
    this.probs = new Uint16Array(PROBS_LITERAL + (LITERAL_CODER_SIZE << (lc + lp)));
    this.savedProbs = new Uint16Array(this.probs.length);
    this.lenTableSize = niceLen + 1 - MATCH_MIN_LEN;
    let log = 0;
    while (2 ** log < dictSize) log++;
    this.distTableSize = log * 2;
    this.resetState();
  }

  /** Fresh probabilities and state (what an LZMA2 state reset does to the decoder). */
  resetState(): void {
    this.probs.fill(PROB_INIT);
    this.state = 0;
    this.reps.fill(0);
    const states = 1 << this.pb;
    for (let ps = 0; ps < states; ps++) {
      this.updateLenPrices(PROBS_LEN_CODER, this.lenPrices, this.lenCounters, ps);
      this.updateLenPrices(PROBS_REP_LEN_CODER, this.repLenPrices, this.repLenCounters, ps);
    }
    this.fillDistPrices();
    this.fillAlignPrices();
  }

  /** Remembers the coder state at a chunk start, in case the chunk is stored instead. */
  saveState(): void {
    this.savedProbs.set(this.probs);
    this.savedState = this.state;
    this.savedReps.set(this.reps);
  }

  /** Back to the state of `saveState`: the decoder never saw the chunk's LZMA symbols. */
  restoreState(): void {
    this.probs.set(this.savedProbs);
    this.state = this.savedState;
    this.reps.set(this.savedReps);
  }

  /** Appends input to the window (only between `run` calls, at a plan boundary). */
  append(src: Uint8Array, start: number, end: number): void {
    const keep = this.chunkStart < this.enc ? this.chunkStart : this.enc;
    const shift = this.mf.append(src, start, end, keep);
    this.enc -= shift;
    this.chunkStart -= shift;
  }

  /** Bytes appended but not coded yet. */
  get lookahead(): number {
    return this.mf.end - this.enc;
  }

  /**
   * Called at a chunk boundary after a stored chunk: if the next block (up
   * to `maxBytes`) looks incompressible as well - high byte entropy, no long
   * repeats of earlier data - it is stepped over without LZMA coding and its
   * length returned; the caller stores it as `mf.buf[enc - n..enc)`. The
   * coder state is untouched, as a stored chunk leaves the decoder's.
   * Returns 0 (and changes nothing) when the block deserves a real try.
   */
  skipIncompressible(maxBytes: number, final: boolean): number {
    const left = this.mf.end - this.enc;
    const n = left < maxBytes ? left : maxBytes;
    if (n < maxBytes && (!final || n < STORE_MIN_BLOCK)) return 0;
    const buf = this.mf.buf;
    const counts = this.byteCounts;
    counts.fill(0);
    for (let i = this.enc, end = this.enc + n; i < end; i++) counts[buf[i]!]++;
    let bits = 0;
    for (let b = 0; b < 256; b++) {
      const c = counts[b]!;
      if (c !== 0) bits -= c * Math.log2(c / n);
    }
    if (bits < STORE_ENTROPY * n) return 0;
    if (this.mf.countRepeats(this.enc, this.enc + n, STORE_PROBE_STEP, STORE_PROBE_LEN) !== 0) return 0;
    this.mf.skipSparse(n - this.ahead, STORE_INSERT_STEP);
    this.ahead = 0;
    this.enc += n;
    this.streamPos += n;
    return n;
  }

  /** Window index of the next byte to code. */
  get position(): number {
    return this.enc;
  }

  /** Starts a chunk: a new range coder, and a snapshot to fall back on. */
  beginChunk(): void {
    this.rc.reset();
    this.chunkStart = this.enc;
    this.chunkSize = 0;
    this.saveState();
  }

  /**
   * Codes symbols until the chunk would pass `maxUnpacked` uncompressed or
   * `maxPacked` compressed bytes, or the input runs short. Without `final`,
   * the last PARSER_LOOKAHEAD bytes stay uncoded so the parser never mistakes
   * the end of what was appended for the end of the data. Limits are checked
   * between parse steps; a step is capped so it cannot overshoot them.
   */
  run(final: boolean, maxUnpacked: number, maxPacked: number): RunStop {
    for (;;) {
      let len: number;
      if (this.optCur !== this.optEnd) {
        const i = this.optCur;
        len = this.optPosPrev[i]! - i;
        this.back = this.optBackPrev[i]!;
        this.optCur = this.optPosPrev[i]!;
      } else {
        const left = this.mf.end - this.enc;
        if (left === 0) return final ? 'done' : 'need-input';
        if (!final && left < PARSER_LOOKAHEAD) return 'need-input';
        const room = maxPacked - this.rc.pendingSize;
        let maxPlan = Math.floor(room / MAX_BYTES_PER_POSITION);
        if (maxPlan > OPTS) maxPlan = OPTS;
        if (maxPlan <= MATCH_MAX_LEN || this.chunkSize + OPTS + MATCH_MAX_LEN > maxUnpacked) return 'chunk-full';
        len = this.fast ? this.getFast() : this.getOptimum(maxPlan);
      }
      this.encodeSymbol(this.back, len);
      this.ahead -= len;
      this.enc += len;
      this.streamPos += len;
      this.chunkSize += len;
    }
  }

  /** The match finder's next results, counting the position as read. */
  private readMatches(): number {
    this.ahead++;
    return this.mf.findMatches(this.matches);
  }

  /**
   * The match pairs at `enc`, in `matches`: read now, or left there by the last
   * step's lookahead. Returns their count; the longest length is in `cachedLen`.
   */
  private matchesHere(): number {
    if (this.ahead === 0) {
      const n = this.readMatches();
      this.cachedPairs = n;
      this.cachedLen = n > 0 ? this.matches[n - 2]! : 0;
    }
    return this.cachedPairs;
  }

  private skip(n: number): void {
    this.ahead += n;
    this.mf.skip(n);
  }

  private literalBase(pos: number, prevByte: number): number {
    return PROBS_LITERAL + LITERAL_CODER_SIZE * (((pos & this.lpMask) << this.lc) + (prevByte >>> (8 - this.lc)));
  }

  // ---------------------------------------------------------------- coding

  private encodeSymbol(back: number, len: number): void {
    const rc = this.rc;
    const probs = this.probs;
    const st = this.state;
    const posState = this.streamPos & this.pbMask;
    const buf = this.mf.buf;
    const enc = this.enc;
    if (back === LITERAL) {
      rc.encodeBit(probs, PROBS_IS_MATCH + (st << 4) + posState, 0);
      const base = this.literalBase(this.streamPos, this.streamPos === 0 ? 0 : buf[enc - 1]!);
      if (st >= LIT_STATES) rc.encodeMatchedLiteral(probs, base, buf[enc]!, buf[enc - this.reps[0]! - 1]!);
      else rc.encodeTree(probs, base, 8, buf[enc]!);
      this.state = nextAfterLiteral(st);
      return;
    }
    rc.encodeBit(probs, PROBS_IS_MATCH + (st << 4) + posState, 1);
    const reps = this.reps;
    if (back < NUM_REPS) {
      rc.encodeBit(probs, PROBS_IS_REP + st, 1);
      if (back === 0) {
        rc.encodeBit(probs, PROBS_IS_REP_G0 + st, 0);
        rc.encodeBit(probs, PROBS_IS_REP0_LONG + (st << 4) + posState, len === 1 ? 0 : 1);
      } else {
        const dist = reps[back]!;
        rc.encodeBit(probs, PROBS_IS_REP_G0 + st, 1);
        if (back === 1) {
          rc.encodeBit(probs, PROBS_IS_REP_G1 + st, 0);
        } else {
          rc.encodeBit(probs, PROBS_IS_REP_G1 + st, 1);
          rc.encodeBit(probs, PROBS_IS_REP_G2 + st, back - 2);
          if (back === 3) reps[3] = reps[2]!;
          reps[2] = reps[1]!;
        }
        reps[1] = reps[0]!;
        reps[0] = dist;
      }
      if (len === 1) {
        this.state = nextAfterShortRep(st);
      } else {
        this.encodeLen(PROBS_REP_LEN_CODER, len, posState);
        if (--this.repLenCounters[posState] <= 0 && !this.fast) {
          this.updateLenPrices(PROBS_REP_LEN_CODER, this.repLenPrices, this.repLenCounters, posState);
        }
        this.state = nextAfterLongRep(st);
      }
      return;
    }
    rc.encodeBit(probs, PROBS_IS_REP + st, 0);
    this.encodeLen(PROBS_LEN_CODER, len, posState);
    if (--this.lenCounters[posState] <= 0 && !this.fast) this.updateLenPrices(PROBS_LEN_CODER, this.lenPrices, this.lenCounters, posState);
    const dist = back - NUM_REPS;
    const lenState = len - MATCH_MIN_LEN < LEN_TO_POS_STATES - 1 ? len - MATCH_MIN_LEN : LEN_TO_POS_STATES - 1;
    const slot = posSlotOf(dist);
    rc.encodeTree(probs, PROBS_POS_SLOT + (lenState << POS_SLOT_BITS), POS_SLOT_BITS, slot);
    if (slot >= START_POS_MODEL_INDEX) {
      const footerBits = (slot >>> 1) - 1;
      const base = (2 | (slot & 1)) << footerBits;
      const reduced = dist - base;
      if (slot < END_POS_MODEL_INDEX) {
        rc.encodeReverseTree(probs, PROBS_POS_SPECIAL + base - slot, footerBits, reduced);
      } else {
        rc.encodeDirect(reduced >>> ALIGN_BITS, footerBits - ALIGN_BITS);
        rc.encodeReverseTree(probs, PROBS_ALIGN, ALIGN_BITS, reduced & (ALIGN_SIZE - 1));
        this.alignPriceCount++;
      }
    }
    reps[3] = reps[2]!;
    reps[2] = reps[1]!;
    reps[1] = reps[0]!;
    reps[0] = dist;
    this.matchPriceCount++;
    this.state = nextAfterMatch(st);
  }

  private encodeLen(coder: number, len: number, posState: number): void {
    const rc = this.rc;
    const probs = this.probs;
    let l = len - MATCH_MIN_LEN;
    if (l < LEN_LOW_SYMBOLS) {
      rc.encodeBit(probs, coder + LEN_CHOICE, 0);
      rc.encodeTree(probs, coder + LEN_LOW + (posState << LEN_LOW_BITS), LEN_LOW_BITS, l);
      return;
    }
    rc.encodeBit(probs, coder + LEN_CHOICE, 1);
    l -= LEN_LOW_SYMBOLS;
    if (l < LEN_MID_SYMBOLS) {
      rc.encodeBit(probs, coder + LEN_CHOICE2, 0);
      rc.encodeTree(probs, coder + LEN_MID + (posState << LEN_MID_BITS), LEN_MID_BITS, l);
      return;
    }
    rc.encodeBit(probs, coder + LEN_CHOICE2, 1);
    rc.encodeTree(probs, coder + LEN_HIGH, LEN_HIGH_BITS, l - LEN_MID_SYMBOLS);
  }

  // ---------------------------------------------------------------- prices

  private updateLenPrices(coder: number, prices: Int32Array, counters: Int32Array, posState: number): void {
    const probs = this.probs;
    const choice = probs[coder + LEN_CHOICE]!;
    const choice2 = probs[coder + LEN_CHOICE2]!;
    const a0 = PROB_PRICES[choice >>> PRICE_REDUCE]!;
    const a1 = PROB_PRICES[(PROB_ONE - choice) >>> PRICE_REDUCE]!;
    const b0 = a1 + PROB_PRICES[choice2 >>> PRICE_REDUCE]!;
    const b1 = a1 + PROB_PRICES[(PROB_ONE - choice2) >>> PRICE_REDUCE]!;
    const base = posState * LEN_SYMBOLS;
    const n = this.lenTableSize;
    let i = 0;
    for (; i < n && i < LEN_LOW_SYMBOLS; i++) {
      prices[base + i] = a0 + treePrice(probs, coder + LEN_LOW + (posState << LEN_LOW_BITS), LEN_LOW_BITS, i);
    }
    for (; i < n && i < LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS; i++) {
      prices[base + i] = b0 + treePrice(probs, coder + LEN_MID + (posState << LEN_MID_BITS), LEN_MID_BITS, i - LEN_LOW_SYMBOLS);
    }
    for (; i < n; i++) {
      prices[base + i] = b1 + treePrice(probs, coder + LEN_HIGH, LEN_HIGH_BITS, i - LEN_LOW_SYMBOLS - LEN_MID_SYMBOLS);
    }
    counters[posState] = n;
  }

  private fillDistPrices(): void {
    const probs = this.probs;
    for (let ls = 0; ls < LEN_TO_POS_STATES; ls++) {
      const treeBase = PROBS_POS_SLOT + (ls << POS_SLOT_BITS);
      const row = ls << POS_SLOT_BITS;
      for (let slot = 0; slot < this.distTableSize; slot++) {
        let p = treePrice(probs, treeBase, POS_SLOT_BITS, slot);
        // Direct bits cost one bit each; the align bits are priced separately.
        if (slot >= END_POS_MODEL_INDEX) p += ((slot >>> 1) - 1 - ALIGN_BITS) << PRICE_SHIFT;
        this.posSlotPrices[row + slot] = p;
      }
      const drow = ls * NUM_FULL_DISTANCES;
      for (let d = 0; d < START_POS_MODEL_INDEX; d++) this.distPrices[drow + d] = this.posSlotPrices[row + d]!;
    }
    for (let d = START_POS_MODEL_INDEX; d < NUM_FULL_DISTANCES; d++) {
      const slot = posSlotOf(d);
      const footerBits = (slot >>> 1) - 1;
      const base = (2 | (slot & 1)) << footerBits;
      const p = reverseTreePrice(probs, PROBS_POS_SPECIAL + base - slot, footerBits, d - base);
      for (let ls = 0; ls < LEN_TO_POS_STATES; ls++) {
        this.distPrices[ls * NUM_FULL_DISTANCES + d] = this.posSlotPrices[(ls << POS_SLOT_BITS) + slot]! + p;
      }
    }
    this.matchPriceCount = 0;
  }

  private fillAlignPrices(): void {
    for (let i = 0; i < ALIGN_SIZE; i++) this.alignPrices[i] = reverseTreePrice(this.probs, PROBS_ALIGN, ALIGN_BITS, i);
    this.alignPriceCount = 0;
  }

  /** Price of a literal `sym`; after a match it is coded against `matchByte`. */
  private literalPrice(base: number, matched: boolean, matchByte: number, sym: number): number {
    const probs = this.probs;
    let price = 0;
    let m = 1;
    let i = 7;
    if (matched) {
      for (; i >= 0; i--) {
        const mb = (matchByte >>> i) & 1;
        const bit = (sym >>> i) & 1;
        const p = probs[base + ((1 + mb) << 8) + m]!;
        price += PROB_PRICES[(bit === 0 ? p : PROB_ONE - p) >>> PRICE_REDUCE]!;
        m = (m << 1) | bit;
        if (mb !== bit) {
          i--;
          break;
        }
      }
    }
    for (; i >= 0; i--) {
      const bit = (sym >>> i) & 1;
      const p = probs[base + m]!;
      price += PROB_PRICES[(bit === 0 ? p : PROB_ONE - p) >>> PRICE_REDUCE]!;
      m = (m << 1) | bit;
    }
    return price;
  }

  private bit0(i: number): number {
    return PROB_PRICES[this.probs[i]! >>> PRICE_REDUCE]!;
  }

  private bit1(i: number): number {
    return PROB_PRICES[(PROB_ONE - this.probs[i]!) >>> PRICE_REDUCE]!;
  }

  /** Price of a rep match's "which rep" bits (not its length). */
  private pureRepPrice(rep: number, st: number, posState: number): number {
    if (rep === 0) return this.bit0(PROBS_IS_REP_G0 + st) + this.bit1(PROBS_IS_REP0_LONG + (st << 4) + posState);
    let price = this.bit1(PROBS_IS_REP_G0 + st);
    if (rep === 1) return price + this.bit0(PROBS_IS_REP_G1 + st);
    price += this.bit1(PROBS_IS_REP_G1 + st);
    return price + (rep === 2 ? this.bit0(PROBS_IS_REP_G2 + st) : this.bit1(PROBS_IS_REP_G2 + st));
  }

  private shortRepPrice(st: number, posState: number): number {
    return this.bit0(PROBS_IS_REP_G0 + st) + this.bit0(PROBS_IS_REP0_LONG + (st << 4) + posState);
  }

  private matchDistPrice(dist: number, len: number): number {
    const ls = len - MATCH_MIN_LEN < LEN_TO_POS_STATES - 1 ? len - MATCH_MIN_LEN : LEN_TO_POS_STATES - 1;
    if (dist < NUM_FULL_DISTANCES) return this.distPrices[ls * NUM_FULL_DISTANCES + dist]!;
    return this.posSlotPrices[(ls << POS_SLOT_BITS) + posSlotOf(dist)]! + this.alignPrices[dist & (ALIGN_SIZE - 1)]!;
  }

  // ---------------------------------------------------------------- parsing

  /**
   * The fast parse: one symbol per call, chosen greedily among the match
   * finder's longest match and the four rep matches, with the heuristics of
   * liblzma's fast mode: a rep match nearly as long as the main match wins
   * (it codes no distance); a main match one byte longer than the next
   * shorter one only wins if its distance is not much larger; a length-2
   * match far away is not worth its distance; and a literal is coded instead
   * when the next position has a clearly better match (one step of lazy
   * evaluation, whose results stay cached for the next call). A literal
   * whose byte repeats at rep0 is coded as a short rep when that is cheaper.
   * No price tables are needed. Returns the length and leaves the kind in `back`.
   */
  private getFast(): number {
    const matches = this.matches;
    let numPairs = this.matchesHere();
    let mainLen = this.cachedLen;
    const buf = this.mf.buf;
    const view = this.mf.view;
    const enc = this.enc;
    const avail = this.mf.end - enc;
    const numAvail = avail < MATCH_MAX_LEN ? avail : MATCH_MAX_LEN;
    this.back = LITERAL;
    if (numAvail < 2 || this.streamPos === 0) return 1;
    const niceLen = this.niceLen;
    const reps = this.reps;

    let repLen = 0;
    let repIndex = 0;
    for (let i = 0; i < NUM_REPS; i++) {
      const src = enc - reps[i]! - 1;
      if (view.getUint16(enc) !== view.getUint16(src)) continue;
      const len = matchLength(view, enc, src, 2, numAvail);
      if (len >= niceLen) {
        this.back = i;
        this.skip(len - 1);
        return len;
      }
      if (len > repLen) {
        repLen = len;
        repIndex = i;
      }
    }
    if (mainLen >= niceLen) {
      this.back = matches[numPairs - 1]! + NUM_REPS;
      this.skip(mainLen - 1);
      return mainLen;
    }

    let mainDist = 0;
    if (mainLen >= 2) {
      mainDist = matches[numPairs - 1]!;
      // A match one byte shorter at a much smaller distance is the better deal.
      while (numPairs > 2 && mainLen === matches[numPairs - 4]! + 1 && !muchSmaller(matches[numPairs - 3]!, mainDist)) {
        numPairs -= 2;
        mainLen = matches[numPairs - 2]!;
        mainDist = matches[numPairs - 1]!;
      }
      if (mainLen === 2 && mainDist >= FAST_FAR_LEN2) mainLen = 1;
    }
    if (
      repLen >= 2 &&
      (repLen + 1 >= mainLen || (repLen + 2 >= mainLen && mainDist >= FAST_FAR_REP2) || (repLen + 3 >= mainLen && mainDist >= FAST_FAR_REP3))
    ) {
      this.back = repIndex;
      this.skip(repLen - 1);
      return repLen;
    }
    if (mainLen < 2 || numAvail <= 2) return this.literalOrShortRep();

    // Look one position ahead: a clearly better match there makes this a literal.
    const nextPairs = this.readMatches();
    this.cachedPairs = nextPairs;
    const nextLen = nextPairs > 0 ? matches[nextPairs - 2]! : 0;
    this.cachedLen = nextLen;
    if (nextLen >= 2) {
      const nextDist = matches[nextPairs - 1]!;
      if (
        (nextLen >= mainLen && nextDist < mainDist) ||
        (nextLen === mainLen + 1 && !muchSmaller(mainDist, nextDist)) ||
        nextLen > mainLen + 1 ||
        (nextLen + 1 >= mainLen && mainLen >= 3 && muchSmaller(nextDist, mainDist))
      ) {
        return this.literalOrShortRep();
      }
    }
    // Or a rep match at the next position nearly as long as this match.
    const limit = mainLen - 1 > 2 ? mainLen - 1 : 2;
    for (let i = 0; i < NUM_REPS; i++) {
      const src = enc + 1 - reps[i]! - 1;
      if (view.getUint16(enc + 1) === view.getUint16(src) && matchLength(view, enc + 1, src, 2, limit) === limit) {
        return this.literalOrShortRep();
      }
    }
    this.back = mainDist + NUM_REPS;
    this.skip(mainLen - 2);
    return mainLen;
  }

  /** A one-byte step for the fast parse: a literal, or a short rep (rep0, length 1) if cheaper. */
  private literalOrShortRep(): number {
    const buf = this.mf.buf;
    const enc = this.enc;
    const curByte = buf[enc]!;
    const matchByte = buf[enc - this.reps[0]! - 1]!;
    this.back = LITERAL;
    if (curByte !== matchByte) return 1;
    const state = this.state;
    const posState = this.streamPos & this.pbMask;
    const isMatch = PROBS_IS_MATCH + (state << 4) + posState;
    const litPrice = this.bit0(isMatch) + this.literalPrice(this.literalBase(this.streamPos, buf[enc - 1]!), state >= LIT_STATES, matchByte, curByte);
    const repPrice = this.bit1(isMatch) + this.bit1(PROBS_IS_REP + state) + this.shortRepPrice(state, posState);
    if (repPrice < litPrice) this.back = 0;
    return 1;
  }

  /**
   * Plans the next symbols from `enc`: returns the first symbol's length and
   * leaves its kind in `back`; the rest of the plan stays in the opt arrays
   * for `run` to replay. `maxPlan` bounds how many positions the plan spans.
   */
  private getOptimum(maxPlan: number): number {
    this.optCur = 0;
    this.optEnd = 0;
    if (this.matchPriceCount >= DIST_PRICE_REFRESH) this.fillDistPrices();
    if (this.alignPriceCount >= ALIGN_PRICE_REFRESH) this.fillAlignPrices();

    const matches = this.matches;
    let numPairs = this.matchesHere();
    let mainLen = this.cachedLen;
    const buf = this.mf.buf;
    const view = this.mf.view;
    const enc = this.enc;
    const avail = this.mf.end - enc;
    const numAvail = avail < MATCH_MAX_LEN ? avail : MATCH_MAX_LEN;
    if (numAvail < 2 || this.streamPos === 0) {
      this.back = LITERAL;
      return 1;
    }
    const niceLen = this.niceLen;
    const reps = this.reps;
    const repLens = this.repLens;
    let repMax = 0;
    for (let i = 0; i < NUM_REPS; i++) {
      const src = enc - reps[i]! - 1;
      if (view.getUint16(enc) !== view.getUint16(src)) {
        repLens[i] = 0;
        continue;
      }
      const len = matchLength(view, enc, src, 2, numAvail);
      repLens[i] = len;
      if (len > repLens[repMax]!) repMax = i;
    }
    if (repLens[repMax]! >= niceLen) {
      const len = repLens[repMax]!;
      this.back = repMax;
      this.skip(len - 1);
      return len;
    }
    if (mainLen >= niceLen) {
      this.back = matches[numPairs - 1]! + NUM_REPS;
      this.skip(mainLen - 1);
      return mainLen;
    }
    const curByte = buf[enc]!;
    const matchByte = buf[enc - reps[0]! - 1]!;
    // A lone length-2 match far back costs about what two literals do: not worth planning around.
    if ((mainLen < 2 || (mainLen === 2 && matches[numPairs - 1]! >= FAST_FAR_LEN2)) && curByte !== matchByte && repLens[repMax]! < 2) {
      this.back = LITERAL;
      return 1;
    }

    // The first position: prices of reaching each node directly from `enc`.
    const probs = this.probs;
    const optPrice = this.optPrice;
    const optPosPrev = this.optPosPrev;
    const optBackPrev = this.optBackPrev;
    const optPrev1IsChar = this.optPrev1IsChar;
    const optReps = this.optReps;
    const lenPrices = this.lenPrices;
    const repLenPrices = this.repLenPrices;
    const position = this.streamPos;
    const state = this.state;
    const posState = position & this.pbMask;
    this.optState[0] = state;
    optPrice[1] =
      PROB_PRICES[probs[PROBS_IS_MATCH + (state << 4) + posState]! >>> PRICE_REDUCE]! +
      this.literalPrice(this.literalBase(position, buf[enc - 1]!), state >= LIT_STATES, matchByte, curByte);
    optBackPrev[1] = LITERAL;
    optPrev1IsChar[1] = 0;
    const matchPrice0 = PROB_PRICES[(PROB_ONE - probs[PROBS_IS_MATCH + (state << 4) + posState]!) >>> PRICE_REDUCE]!;
    const repMatchPrice0 = matchPrice0 + this.bit1(PROBS_IS_REP + state);
    if (matchByte === curByte) {
      const p = repMatchPrice0 + this.shortRepPrice(state, posState);
      if (p < optPrice[1]!) {
        optPrice[1] = p;
        optBackPrev[1] = 0;
      }
    }
    let lenEnd = mainLen >= repLens[repMax]! ? mainLen : repLens[repMax]!;
    if (lenEnd < 2) {
      this.back = optBackPrev[1]!;
      return 1;
    }
    optPosPrev[1] = 0;
    optReps[0] = reps[0]!;
    optReps[1] = reps[1]!;
    optReps[2] = reps[2]!;
    optReps[3] = reps[3]!;
    for (let l = lenEnd; l >= 2; l--) optPrice[l] = INFINITY_PRICE;

    for (let i = 0; i < NUM_REPS; i++) {
      let repLen = repLens[i]!;
      if (repLen < 2) continue;
      const price = repMatchPrice0 + this.pureRepPrice(i, state, posState);
      do {
        const p = price + repLenPrices[posState * LEN_SYMBOLS + repLen - MATCH_MIN_LEN]!;
        if (p < optPrice[repLen]!) {
          optPrice[repLen] = p;
          optPosPrev[repLen] = 0;
          optBackPrev[repLen] = i;
          optPrev1IsChar[repLen] = 0;
        }
      } while (--repLen >= 2);
    }

    const normalMatchPrice = matchPrice0 + this.bit0(PROBS_IS_REP + state);
    let len = repLens[0]! >= 2 ? repLens[0]! + 1 : 2;
    if (len <= mainLen) {
      let offs = 0;
      while (len > matches[offs]!) offs += 2;
      for (; ; len++) {
        const dist = matches[offs + 1]!;
        const p = normalMatchPrice + lenPrices[posState * LEN_SYMBOLS + len - MATCH_MIN_LEN]! + this.matchDistPrice(dist, len);
        if (p < optPrice[len]!) {
          optPrice[len] = p;
          optPosPrev[len] = 0;
          optBackPrev[len] = dist + NUM_REPS;
          optPrev1IsChar[len] = 0;
        }
        if (len === matches[offs]) {
          offs += 2;
          if (offs === numPairs) break;
        }
      }
    }

    // Then walk forward, relaxing from every node until the plan settles.
    for (let cur = 1; ; cur++) {
      if (cur === lenEnd) return this.backward(cur);
      const pairs = this.readMatches();
      const newLen = pairs > 0 ? matches[pairs - 2]! : 0;
      if (newLen >= niceLen) {
        this.cachedPairs = pairs;
        this.cachedLen = newLen;
        return this.backward(cur);
      }
      lenEnd = this.relaxFrom(cur, lenEnd, pairs, newLen, maxPlan);
    }
  }

  /**
   * One step of the optimal parse: works out the coder state and reps on
   * the cheapest arrival at `cur`, then offers every way on from there (a
   * literal or short rep, rep and normal matches of every length, and the
   * rep/match + literal + rep0 triples) to the nodes ahead, keeping the
   * cheaper of each. `pairs`/`newLen` are the match finder's results at
   * `cur`. Returns the new end of the explored nodes.
   */
  private relaxFrom(cur: number, lenEnd: number, numPairs: number, newLen: number, maxPlan: number): number {
    const matches = this.matches;
    const buf = this.mf.buf;
    const view = this.mf.view;
    const probs = this.probs;
    const niceLen = this.niceLen;
    const pbMask = this.pbMask;
    const optPrice = this.optPrice;
    const optPosPrev = this.optPosPrev;
    const optBackPrev = this.optBackPrev;
    const optPrev1IsChar = this.optPrev1IsChar;
    const optPrev2 = this.optPrev2;
    const optPosPrev2 = this.optPosPrev2;
    const optBackPrev2 = this.optBackPrev2;
    const optState = this.optState;
    const optReps = this.optReps;
    const lenPrices = this.lenPrices;
    const repLenPrices = this.repLenPrices;
    const position = this.streamPos + cur;
    const e = this.enc + cur;

    // The state and reps on arrival at `cur`.
    let prev = optPosPrev[cur]!;
    let st: number;
    if (optPrev1IsChar[cur]) {
      prev--;
      if (optPrev2[cur]) {
        st = optState[optPosPrev2[cur]!]!;
        st = optBackPrev2[cur]! < NUM_REPS ? nextAfterLongRep(st) : nextAfterMatch(st);
      } else {
        st = optState[prev]!;
      }
      st = nextAfterLiteral(st);
    } else {
      st = optState[prev]!;
    }
    let r0: number;
    let r1: number;
    let r2: number;
    let r3: number;
    if (prev === cur - 1) {
      st = optBackPrev[cur] === 0 ? nextAfterShortRep(st) : nextAfterLiteral(st);
      const b = prev * NUM_REPS;
      r0 = optReps[b]!;
      r1 = optReps[b + 1]!;
      r2 = optReps[b + 2]!;
      r3 = optReps[b + 3]!;
    } else {
      let pos: number;
      if (optPrev1IsChar[cur] && optPrev2[cur]) {
        prev = optPosPrev2[cur]!;
        pos = optBackPrev2[cur]!;
        st = nextAfterLongRep(st);
      } else {
        pos = optBackPrev[cur]!;
        st = pos < NUM_REPS ? nextAfterLongRep(st) : nextAfterMatch(st);
      }
      const b = prev * NUM_REPS;
      if (pos < NUM_REPS) {
        r0 = optReps[b + pos]!;
        r1 = pos === 0 ? optReps[b + 1]! : optReps[b]!;
        r2 = pos <= 1 ? optReps[b + 2]! : optReps[b + 1]!;
        r3 = pos <= 2 ? optReps[b + 3]! : optReps[b + 2]!;
      } else {
        r0 = pos - NUM_REPS;
        r1 = optReps[b]!;
        r2 = optReps[b + 1]!;
        r3 = optReps[b + 2]!;
      }
    }
    optState[cur] = st;
    const rb = cur * NUM_REPS;
    optReps[rb] = r0;
    optReps[rb + 1] = r1;
    optReps[rb + 2] = r2;
    optReps[rb + 3] = r3;

    const curPrice = optPrice[cur]!;
    const curB = buf[e]!;
    const matchB = buf[e - r0 - 1]!;
    const posState = position & pbMask;
    const lenRow = posState * LEN_SYMBOLS - MATCH_MIN_LEN;
    const isMatchProb = probs[PROBS_IS_MATCH + (st << 4) + posState]!;
    const curAnd1Price =
      curPrice +
      PROB_PRICES[isMatchProb >>> PRICE_REDUCE]! +
      this.literalPrice(this.literalBase(position, buf[e - 1]!), st >= LIT_STATES, matchB, curB);
    let nextIsChar = false;
    if (curAnd1Price < optPrice[cur + 1]!) {
      optPrice[cur + 1] = curAnd1Price;
      optPosPrev[cur + 1] = cur;
      optBackPrev[cur + 1] = LITERAL;
      optPrev1IsChar[cur + 1] = 0;
      nextIsChar = true;
    }
    const matchPrice = curPrice + PROB_PRICES[(PROB_ONE - isMatchProb) >>> PRICE_REDUCE]!;
    const repMatchPrice = matchPrice + this.bit1(PROBS_IS_REP + st);
    if (matchB === curB && !(optPosPrev[cur + 1]! < cur && optBackPrev[cur + 1] === 0)) {
      const p = repMatchPrice + this.shortRepPrice(st, posState);
      if (p <= optPrice[cur + 1]!) {
        optPrice[cur + 1] = p;
        optPosPrev[cur + 1] = cur;
        optBackPrev[cur + 1] = 0;
        optPrev1IsChar[cur + 1] = 0;
        nextIsChar = true;
      }
    }

    let numAvailFull = this.mf.end - e;
    if (numAvailFull > maxPlan - 1 - cur) numAvailFull = maxPlan - 1 - cur;
    if (numAvailFull < 2) return lenEnd;
    const numAvailHere = numAvailFull < niceLen ? numAvailFull : niceLen;

    if (!nextIsChar && matchB !== curB) {
      // A literal, then a rep0 match.
      const src = e - r0 - 1;
      const limit = numAvailFull < niceLen + 1 ? numAvailFull : niceLen + 1;
      const len2 = matchLength(view, e, src, 1, limit) - 1;
      if (len2 >= 2) {
        const st2 = nextAfterLiteral(st);
        const ps2 = (position + 1) & pbMask;
        const offset = cur + 1 + len2;
        while (lenEnd < offset) optPrice[++lenEnd] = INFINITY_PRICE;
        const p =
          curAnd1Price +
          this.bit1(PROBS_IS_MATCH + (st2 << 4) + ps2) +
          this.bit1(PROBS_IS_REP + st2) +
          repLenPrices[ps2 * LEN_SYMBOLS + len2 - MATCH_MIN_LEN]! +
          this.pureRepPrice(0, st2, ps2);
        if (p < optPrice[offset]!) {
          optPrice[offset] = p;
          optPosPrev[offset] = cur + 1;
          optBackPrev[offset] = 0;
          optPrev1IsChar[offset] = 1;
          optPrev2[offset] = 0;
        }
      }
    }

    let startLen = 2;
    for (let ri = 0; ri < NUM_REPS; ri++) {
      const rd = ri === 0 ? r0 : ri === 1 ? r1 : ri === 2 ? r2 : r3;
      const src = e - rd - 1;
      if (view.getUint16(e) !== view.getUint16(src)) continue;
      let lenTest = matchLength(view, e, src, 2, numAvailHere);
      while (lenEnd < cur + lenTest) optPrice[++lenEnd] = INFINITY_PRICE;
      const repLen = lenTest;
      const price = repMatchPrice + this.pureRepPrice(ri, st, posState);
      do {
        const p = price + repLenPrices[lenRow + lenTest]!;
        const at = cur + lenTest;
        if (p < optPrice[at]!) {
          optPrice[at] = p;
          optPosPrev[at] = cur;
          optBackPrev[at] = ri;
          optPrev1IsChar[at] = 0;
        }
      } while (--lenTest >= 2);
      lenTest = repLen;
      if (ri === 0) startLen = lenTest + 1;

      // The rep match, a literal, then rep0 again.
      lenEnd = this.relaxCopyLiteralRep0(cur, lenEnd, lenTest, src, price + repLenPrices[lenRow + lenTest]!, nextAfterLongRep(st), ri, numAvailFull);
    }

    if (newLen > numAvailHere) {
      newLen = numAvailHere;
      numPairs = 0;
      while (newLen > matches[numPairs]!) numPairs += 2;
      matches[numPairs] = newLen;
      numPairs += 2;
    }
    if (newLen >= startLen) {
      const normalMatchPrice = matchPrice + this.bit0(PROBS_IS_REP + st);
      while (lenEnd < cur + newLen) optPrice[++lenEnd] = INFINITY_PRICE;
      let offs = 0;
      while (startLen > matches[offs]!) offs += 2;
      let pairLen = matches[offs]!;
      let curBack = matches[offs + 1]!;
      // From length 5 on the distance is priced in the same (last) length state.
      let farDistPrice = this.matchDistPrice(curBack, FAR_LEN);
      for (let lenTest = startLen; ; lenTest++) {
        const p =
          normalMatchPrice + lenPrices[lenRow + lenTest]! + (lenTest < FAR_LEN ? this.matchDistPrice(curBack, lenTest) : farDistPrice);
        const at = cur + lenTest;
        if (p < optPrice[at]!) {
          optPrice[at] = p;
          optPosPrev[at] = cur;
          optBackPrev[at] = curBack + NUM_REPS;
          optPrev1IsChar[at] = 0;
        }
        if (lenTest !== pairLen) continue;

        // The match, a literal, then rep0 (the match's distance) again.
        lenEnd = this.relaxCopyLiteralRep0(cur, lenEnd, lenTest, e - curBack - 1, p, nextAfterMatch(st), curBack + NUM_REPS, numAvailFull);
        offs += 2;
        if (offs === numPairs) break;
        pairLen = matches[offs]!;
        curBack = matches[offs + 1]!;
        farDistPrice = this.matchDistPrice(curBack, FAR_LEN);
      }
    }
    return lenEnd;
  }

  /**
   * After a copy of `lenTest` bytes at `cur` from `src` (a rep or a match, `back`
   * as optBackPrev codes it), costing `price` up to its end and leaving state
   * `st`: prices "that copy, a literal, then rep0 again" and keeps it in the plan
   * where it is cheaper. Returns the new plan end.
   */
  private relaxCopyLiteralRep0(cur: number, lenEnd: number, lenTest: number, src: number, price: number, st: number, back: number, numAvailFull: number): number {
    const e = this.enc + cur;
    const niceLen = this.niceLen;
    const limit = numAvailFull < lenTest + 1 + niceLen ? numAvailFull : lenTest + 1 + niceLen;
    const len2 = lenTest + 1 < limit ? matchLength(this.mf.view, e, src, lenTest + 1, limit) - lenTest - 1 : 0;
    if (len2 < 2) return lenEnd;
    const buf = this.mf.buf;
    const position = this.streamPos + cur;
    const ps = (position + lenTest) & this.pbMask;
    const litPrice =
      price +
      this.bit0(PROBS_IS_MATCH + (st << 4) + ps) +
      this.literalPrice(this.literalBase(position + lenTest, buf[e + lenTest - 1]!), true, buf[src + lenTest]!, buf[e + lenTest]!);
    const st2 = nextAfterLiteral(st);
    const ps2 = (position + lenTest + 1) & this.pbMask;
    const offset = cur + lenTest + 1 + len2;
    const optPrice = this.optPrice;
    while (lenEnd < offset) optPrice[++lenEnd] = INFINITY_PRICE;
    const p =
      litPrice +
      this.bit1(PROBS_IS_MATCH + (st2 << 4) + ps2) +
      this.bit1(PROBS_IS_REP + st2) +
      this.repLenPrices[ps2 * LEN_SYMBOLS + len2 - MATCH_MIN_LEN]! +
      this.pureRepPrice(0, st2, ps2);
    if (p < optPrice[offset]!) {
      optPrice[offset] = p;
      this.optPosPrev[offset] = cur + lenTest + 1;
      this.optBackPrev[offset] = 0;
      this.optPrev1IsChar[offset] = 1;
      this.optPrev2[offset] = 1;
      this.optPosPrev2[offset] = cur;
      this.optBackPrev2[offset] = back;
    }
    return lenEnd;
  }

  /** Turns the back links ending at `cur` into forward links; returns the first symbol. */
  private backward(cur: number): number {
    const optPosPrev = this.optPosPrev;
    const optBackPrev = this.optBackPrev;
    const optPrev1IsChar = this.optPrev1IsChar;
    this.optEnd = cur;
    let posMem = optPosPrev[cur]!;
    let backMem = optBackPrev[cur]!;
    do {
      if (optPrev1IsChar[cur]) {
        // Materialise the literal (and the symbol before it) as nodes of their own.
        optBackPrev[posMem] = LITERAL;
        optPrev1IsChar[posMem] = 0;
        optPosPrev[posMem] = posMem - 1;
        if (this.optPrev2[cur]) {
          optPrev1IsChar[posMem - 1] = 0;
          optPosPrev[posMem - 1] = this.optPosPrev2[cur]!;
          optBackPrev[posMem - 1] = this.optBackPrev2[cur]!;
        }
      }
      const prev = posMem;
      const backCur = backMem;
      backMem = optBackPrev[prev]!;
      posMem = optPosPrev[prev]!;
      optBackPrev[prev] = backCur;
      optPosPrev[prev] = cur;
      cur = prev;
    } while (cur !== 0);
    this.back = optBackPrev[0]!;
    this.optCur = optPosPrev[0]!;
    return this.optCur;
  }
}
