import { CodecFailedError } from '../../errors.js';
import * as lzma from './lzma-constants.js';

// Imported bindings are live: optimized code reloads each one from its module
// cell and re-checks it at every use, which made the bit loops below ~1.5x
// slower. Module-scope copies are plain constants to the JIT.
const PROB_BITS = lzma.PROB_BITS;
const PROB_ONE = lzma.PROB_ONE;
const PROB_MOVE_BITS = lzma.PROB_MOVE_BITS;
const PROB_INIT = lzma.PROB_INIT;
const RANGE_TOP_BITS = lzma.RANGE_TOP_BITS;
const LIT_STATES = lzma.LIT_STATES;
const LITERAL_CODER_SIZE = lzma.LITERAL_CODER_SIZE;
const MATCH_MIN_LEN = lzma.MATCH_MIN_LEN;
const LEN_LOW_BITS = lzma.LEN_LOW_BITS;
const LEN_MID_BITS = lzma.LEN_MID_BITS;
const LEN_HIGH_BITS = lzma.LEN_HIGH_BITS;
const LEN_LOW_SYMBOLS = lzma.LEN_LOW_SYMBOLS;
const LEN_MID_SYMBOLS = lzma.LEN_MID_SYMBOLS;
const LEN_TO_POS_STATES = lzma.LEN_TO_POS_STATES;
const POS_SLOT_BITS = lzma.POS_SLOT_BITS;
const START_POS_MODEL_INDEX = lzma.START_POS_MODEL_INDEX;
const END_POS_MODEL_INDEX = lzma.END_POS_MODEL_INDEX;
const ALIGN_BITS = lzma.ALIGN_BITS;
const IS_MATCH = lzma.PROBS_IS_MATCH;
const IS_REP = lzma.PROBS_IS_REP;
const IS_REP_G0 = lzma.PROBS_IS_REP_G0;
const IS_REP_G1 = lzma.PROBS_IS_REP_G1;
const IS_REP_G2 = lzma.PROBS_IS_REP_G2;
const IS_REP0_LONG = lzma.PROBS_IS_REP0_LONG;
const POS_SLOT = lzma.PROBS_POS_SLOT;
const POS_SPECIAL = lzma.PROBS_POS_SPECIAL;
const ALIGN = lzma.PROBS_ALIGN;
const LEN_CODER = lzma.PROBS_LEN_CODER;
const REP_LEN_CODER = lzma.PROBS_REP_LEN_CODER;
const LEN_CHOICE = lzma.LEN_CHOICE;
const LEN_CHOICE2 = lzma.LEN_CHOICE2;
const LEN_LOW = lzma.LEN_LOW;
const LEN_MID = lzma.LEN_MID;
const LEN_HIGH = lzma.LEN_HIGH;
const LITERAL = lzma.PROBS_LITERAL;
const nextAfterLiteral = lzma.nextAfterLiteral;
const nextAfterMatch = lzma.nextAfterMatch;
const nextAfterLongRep = lzma.nextAfterLongRep;
const nextAfterShortRep = lzma.nextAfterShortRep;

/** The dictionary buffer starts this small and doubles towards the declared size. */
const MIN_DICT_ALLOC = 1 << 16;
/** Matches shorter than this are copied byte by byte: a `copyWithin` call costs more. */
const COPY_WITHIN_MIN = 64;

function fail(msg: string): never {
  throw new CodecFailedError(`LZMA secondary data is corrupt: ${msg}`);
}

/*
 * How a bit is decoded here. `range` and `code` are uint32 values kept as
 * int32 bit patterns (as uint32 they would turn into doubles above 2^31).
 * The bit is 0 when code < bound, compared as unsigned; instead of a branch,
 * which the CPU mispredicts on data that compresses poorly (every bit of a
 * delta's literals is close to a coin toss), the comparison is turned into a
 * mask t = -1 (bit 0) or 0 (bit 1): the sign of code - bound, computed from
 * the halves so it cannot overflow:
 *
 *   t = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31
 *
 * and the coder state is then selected with the mask:
 *
 *   bit 0: range = bound,         prob += (PROB_ONE - prob) >>> 5
 *   bit 1: range = range - bound, prob -= prob >>> 5, code -= bound
 *
 * After that, a range below 2^24 shifts in the next input byte.
 */

/**
 * An LZMA decoder with the state split the way LZMA2 needs it: the dictionary,
 * the coder state and the properties can each be reset by a chunk header, and
 * everything survives between chunks (and, for xdelta3, between windows).
 * The dictionary grows on demand up to its declared size, so a small section
 * never costs the 64 MiB that preset 9 declares.
 *
 * The history is a ring buffer `dict` written at `dictPos`; decoded bytes are
 * copied from it to the caller's output at the end of a call and whenever the
 * ring wraps. The buffer is grown before a chunk rather than per byte, so the
 * symbol loop only checks for a wrap. Plain literals (most of a delta) are
 * decoded inline in `decodeChunk` with the range coder in locals; the rarer
 * symbols go through methods that keep it in fields.
 */
export class LzmaDecoder {
  // dictionary
  private dict: Uint8Array = new Uint8Array(0);
  private dictPos = 0;
  private dictFull = false;
  private flushed = 0;
  // properties
  private lc = 0;
  private lpMask = 0;
  private pbMask = 0;
  private probs = new Uint16Array(0);
  // state
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  // range decoder: int32 bit patterns of uint32 values (see above)
  private range = -1;
  private code = 0;
  private inBuf: Uint8Array = new Uint8Array(0);
  private inPos = 0;
  private inEnd = 0;
  // output sink for the current call
  private out: Uint8Array = new Uint8Array(0);
  private outPos = 0;

  constructor(private readonly dictSize: number) {}

  /** Forgets the history (LZMA2 dictionary reset). */
  resetDict(): void {
    this.dictPos = 0;
    this.dictFull = false;
    this.flushed = 0;
  }

  /** Sets lc/lp/pb from an LZMA properties byte; LZMA2 forbids lc+lp > 4. */
  setProps(props: number): void {
    if (props >= 9 * 5 * 5) fail('bad properties byte');
    const lc = props % 9;
    const rest = Math.floor(props / 9);
    const lp = rest % 5;
    const pb = Math.floor(rest / 5);
    if (lc + lp > 4) fail('lc + lp > 4');
    this.lc = lc;
    this.lpMask = (1 << lp) - 1;
    this.pbMask = (1 << pb) - 1;
    const n = LITERAL + (LITERAL_CODER_SIZE << (lc + lp));
    if (this.probs.length !== n) this.probs = new Uint16Array(n);
  }

  /** Resets probabilities and match state (LZMA2 state reset). */
  resetState(): void {
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    this.probs.fill(PROB_INIT);
  }

  /** Copies `n` stored bytes into the history and the output (LZMA2 uncompressed chunk). */
  storeUncompressed(src: Uint8Array, start: number, n: number, out: Uint8Array, outPos: number): void {
    this.begin(n, out, outPos);
    while (n > 0) {
      if (this.dictPos === this.dict.length) this.wrap();
      const k = Math.min(n, this.dict.length - this.dictPos);
      this.dict.set(src.subarray(start, start + k), this.dictPos);
      this.dictPos += k;
      start += k;
      n -= k;
    }
    this.flush();
  }

  /**
   * Decodes one LZMA chunk: exactly `unpacked` bytes from `packed` bytes of
   * input, appended to `out` at `outPos`. Every loop is bounded by `unpacked`.
   */
  decodeChunk(src: Uint8Array, start: number, packed: number, unpacked: number, out: Uint8Array, outPos: number): void {
    if (packed < 5) fail('chunk too short');
    if (this.probs.length === 0) fail('no properties');
    if (src[start] !== 0) fail('range coder start byte');
    this.begin(unpacked, out, outPos);
    const inEnd = start + packed;
    let code = (src[start + 1]! << 24) | (src[start + 2]! << 16) | (src[start + 3]! << 8) | src[start + 4]!;
    let range = -1;
    let inPos = start + 5;
    this.inBuf = src;
    this.inEnd = inEnd;

    const probs = this.probs;
    const pbMask = this.pbMask;
    const lpMask = this.lpMask;
    const lc = this.lc;
    const dict = this.dict;
    const cap = dict.length;
    let pos = this.dictPos;
    let state = this.state;
    // Bytes of history a distance may reach: all of the ring once it is full.
    let have = this.dictFull ? cap : pos;
    let left = unpacked;
    while (left > 0) {
      if (pos === cap) {
        this.dictPos = pos;
        this.wrap();
        pos = 0;
        have = cap;
      }
      const posState = pos & pbMask;
      const im = IS_MATCH + (state << 4) + posState;
      const p = probs[im]!;
      const bound = Math.imul(range >>> PROB_BITS, p);
      if ((code ^ 0x80000000) < (bound ^ 0x80000000)) {
        // A literal. (The branch on the match bit stays: the code differs on each side.)
        range = bound;
        probs[im] = p + ((PROB_ONE - p) >>> PROB_MOVE_BITS);
        if (range >>> RANGE_TOP_BITS === 0) {
          if (inPos >= inEnd) fail('input overrun');
          range <<= 8;
          code = (code << 8) | src[inPos++]!;
        }
        const prev = pos > 0 ? dict[pos - 1]! : have > 0 ? dict[cap - 1]! : 0;
        const base = LITERAL + LITERAL_CODER_SIZE * (((pos & lpMask) << lc) + (prev >>> (8 - lc)));
        if (state < LIT_STATES) {
          let m = 1;
          do {
            const i = base + m;
            const p = probs[i]!;
            const bound = Math.imul(range >>> PROB_BITS, p);
            const t = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
            range = (bound & t) | ((range - bound) & ~t);
            code = (code - (bound & ~t)) | 0;
            probs[i] = p + ((((PROB_ONE - p) >>> PROB_MOVE_BITS) & t) | (-(p >>> PROB_MOVE_BITS) & ~t));
            m = (m << 1) + 1 + t;
            if (range >>> RANGE_TOP_BITS === 0) {
              if (inPos >= inEnd) fail('input overrun');
              range <<= 8;
              code = (code << 8) | src[inPos++]!;
            }
          } while (m < 0x100);
          dict[pos] = m;
        } else {
          // A literal after a match: while its bits agree with the byte at rep0 they
          // come from the two "matched" trees at `base + 0x100..`, the rest from the
          // plain tree at `base + 1..`. Inline for the same reason as the plain one:
          // after copies (most of a delta's sections) this is every other symbol.
          const rep0 = this.rep0;
          if (rep0 >= have) fail('distance beyond the dictionary');
          const from = pos - rep0 - 1;
          let matchByte = dict[from < 0 ? from + cap : from]!;
          let m = 1;
          // 0x100 while the bits agree, 0 from the first difference on.
          let offset = 0x100;
          do {
            matchByte <<= 1;
            const matchBit = matchByte & offset;
            const i = base + offset + matchBit + m;
            const p = probs[i]!;
            const bound = Math.imul(range >>> PROB_BITS, p);
            const t = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
            range = (bound & t) | ((range - bound) & ~t);
            code = (code - (bound & ~t)) | 0;
            probs[i] = p + ((((PROB_ONE - p) >>> PROB_MOVE_BITS) & t) | (-(p >>> PROB_MOVE_BITS) & ~t));
            m = (m << 1) + 1 + t;
            // Bit 0 (t = -1) keeps the offset if the match bit was 0; bit 1 if it was 1.
            offset &= matchBit ^ t;
            if (range >>> RANGE_TOP_BITS === 0) {
              if (inPos >= inEnd) fail('input overrun');
              range <<= 8;
              code = (code << 8) | src[inPos++]!;
            }
          } while (m < 0x100);
          dict[pos] = m;
        }
        pos++;
        if (have < pos) have = pos;
        left--;
        state = nextAfterLiteral(state);
        continue;
      }
      range = (range - bound) | 0;
      code = (code - bound) | 0;
      probs[im] = p - (p >>> PROB_MOVE_BITS);
      if (range >>> RANGE_TOP_BITS === 0) {
        if (inPos >= inEnd) fail('input overrun');
        range <<= 8;
        code = (code << 8) | src[inPos++]!;
      }
      this.range = range;
      this.code = code;
      this.inPos = inPos;
      this.state = state;
      const len = this.decodeMatch(posState, have);
      range = this.range;
      code = this.code;
      inPos = this.inPos;
      state = this.state;
      const rep0 = this.rep0;
      // A rep's distance was checked when it was new, but maybe against a history reset since.
      if (rep0 >= have) fail('distance beyond the dictionary');
      if (len === 1) {
        // A short rep: one byte from rep0.
        const from = pos - rep0 - 1;
        dict[pos] = dict[from < 0 ? from + cap : from]!;
        pos++;
        if (have < pos) have = pos;
        left--;
        continue;
      }
      if (len > left) fail('match crosses the chunk end');
      left -= len;
      let from = pos - rep0 - 1;
      if (from >= 0 && pos + len <= cap) {
        // Contiguous: a forward byte copy also repeats overlapping (short-distance) matches right.
        if (len >= COPY_WITHIN_MIN && rep0 >= len) {
          dict.copyWithin(pos, from, from + len);
          pos += len;
        } else {
          const stop = pos + len;
          while (pos < stop) dict[pos++] = dict[from++]!;
        }
      } else {
        // The source or the destination crosses the end of the ring.
        if (from < 0) from += cap;
        for (let k = len; k > 0; k--) {
          if (pos === cap) {
            this.dictPos = pos;
            this.wrap();
            pos = 0;
            have = cap;
          }
          dict[pos++] = dict[from++]!;
          if (from === cap) from = 0;
        }
      }
      if (have < pos) have = pos;
    }
    this.dictPos = pos;
    this.state = state;
    this.flush();
  }

  /** Where the output pointer is after the last call. */
  get outputPosition(): number {
    return this.outPos;
  }

  /**
   * Decodes a match or rep after its match bit: updates the state and the
   * reps (rep0 is the distance - 1 to copy from) and returns the length, 1
   * for a short rep. A new distance must be below `have`, the history size.
   */
  private decodeMatch(posState: number, have: number): number {
    const st = this.state;
    if (this.bit(IS_REP + st) === 0) {
      const len = this.decodeLen(LEN_CODER, posState);
      const dist = this.decodeDistance(len);
      // Also rejects LZMA's end marker (2^32 - 1), which LZMA2 does not allow, before it becomes a double field.
      if (dist >= have) fail('distance beyond the dictionary');
      this.rep3 = this.rep2;
      this.rep2 = this.rep1;
      this.rep1 = this.rep0;
      this.rep0 = dist;
      this.state = nextAfterMatch(st);
      return len + MATCH_MIN_LEN;
    }
    if (this.bit(IS_REP_G0 + st) === 0) {
      if (this.bit(IS_REP0_LONG + (st << 4) + posState) === 0) {
        this.state = nextAfterShortRep(st);
        return 1;
      }
    } else {
      let dist: number;
      if (this.bit(IS_REP_G1 + st) === 0) {
        dist = this.rep1;
      } else {
        if (this.bit(IS_REP_G2 + st) === 0) {
          dist = this.rep2;
        } else {
          dist = this.rep3;
          this.rep3 = this.rep2;
        }
        this.rep2 = this.rep1;
      }
      this.rep1 = this.rep0;
      this.rep0 = dist;
    }
    this.state = nextAfterLongRep(st);
    return this.decodeLen(REP_LEN_CODER, posState) + MATCH_MIN_LEN;
  }

  /** A match length minus MATCH_MIN_LEN from the length coder at `coder`. */
  private decodeLen(coder: number, posState: number): number {
    if (this.bit(coder + LEN_CHOICE) === 0) return this.tree(coder + LEN_LOW + (posState << LEN_LOW_BITS), LEN_LOW_BITS);
    if (this.bit(coder + LEN_CHOICE2) === 0) return LEN_LOW_SYMBOLS + this.tree(coder + LEN_MID + (posState << LEN_MID_BITS), LEN_MID_BITS);
    return LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS + this.tree(coder + LEN_HIGH, LEN_HIGH_BITS);
  }

  /** The distance - 1 of a match of length `len` + MATCH_MIN_LEN. */
  private decodeDistance(len: number): number {
    const lenState = len < LEN_TO_POS_STATES - 1 ? len : LEN_TO_POS_STATES - 1;
    const slot = this.tree(POS_SLOT + (lenState << POS_SLOT_BITS), POS_SLOT_BITS);
    if (slot < START_POS_MODEL_INDEX) return slot;
    const footerBits = (slot >>> 1) - 1;
    if (slot < END_POS_MODEL_INDEX) {
      const base = (2 | (slot & 1)) << footerBits;
      return base + this.reverseTree(POS_SPECIAL + base - slot, footerBits);
    }
    // Up to 32 bits: computed as a double. footerBits <= 30, so the shift stays positive;
    // `2 ** footerBits` here (Math.pow) took a tenth of the decode time on executables.
    const high = (2 | (slot & 1)) * (1 << footerBits);
    return high + this.direct(footerBits - ALIGN_BITS) * (1 << ALIGN_BITS) + this.reverseTree(ALIGN, ALIGN_BITS);
  }

  /** Decodes one bit with the probability at `probs[i]` and adapts it. */
  private bit(i: number): number {
    const probs = this.probs;
    let range = this.range;
    let code = this.code;
    const p = probs[i]!;
    const bound = Math.imul(range >>> PROB_BITS, p);
    const t = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
    range = (bound & t) | ((range - bound) & ~t);
    code = (code - (bound & ~t)) | 0;
    probs[i] = p + ((((PROB_ONE - p) >>> PROB_MOVE_BITS) & t) | (-(p >>> PROB_MOVE_BITS) & ~t));
    if (range >>> RANGE_TOP_BITS === 0) {
      if (this.inPos >= this.inEnd) fail('input overrun');
      range <<= 8;
      code = (code << 8) | this.inBuf[this.inPos++]!;
    }
    this.range = range;
    this.code = code;
    return t + 1;
  }

  /** A `bits`-bit symbol, most significant bit first, from the bit tree at `probs[base + 1..]`. */
  private tree(base: number, bits: number): number {
    const probs = this.probs;
    const buf = this.inBuf;
    const end = this.inEnd;
    let range = this.range;
    let code = this.code;
    let pos = this.inPos;
    const top = 1 << bits;
    let m = 1;
    do {
      const i = base + m;
      const p = probs[i]!;
      const bound = Math.imul(range >>> PROB_BITS, p);
      const t = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
      range = (bound & t) | ((range - bound) & ~t);
      code = (code - (bound & ~t)) | 0;
      probs[i] = p + ((((PROB_ONE - p) >>> PROB_MOVE_BITS) & t) | (-(p >>> PROB_MOVE_BITS) & ~t));
      m = (m << 1) + 1 + t;
      if (range >>> RANGE_TOP_BITS === 0) {
        if (pos >= end) fail('input overrun');
        range <<= 8;
        code = (code << 8) | buf[pos++]!;
      }
    } while (m < top);
    this.range = range;
    this.code = code;
    this.inPos = pos;
    return m - top;
  }

  /** Like `tree`, least significant bit first. */
  private reverseTree(base: number, bits: number): number {
    const probs = this.probs;
    const buf = this.inBuf;
    const end = this.inEnd;
    let range = this.range;
    let code = this.code;
    let pos = this.inPos;
    let m = 1;
    let sym = 0;
    for (let k = 0; k < bits; k++) {
      const i = base + m;
      const p = probs[i]!;
      const bound = Math.imul(range >>> PROB_BITS, p);
      const t = ((code >>> 1) - (bound >>> 1) - (~code & bound & 1)) >> 31;
      range = (bound & t) | ((range - bound) & ~t);
      code = (code - (bound & ~t)) | 0;
      probs[i] = p + ((((PROB_ONE - p) >>> PROB_MOVE_BITS) & t) | (-(p >>> PROB_MOVE_BITS) & ~t));
      m = (m << 1) + 1 + t;
      sym |= (t + 1) << k;
      if (range >>> RANGE_TOP_BITS === 0) {
        if (pos >= end) fail('input overrun');
        range <<= 8;
        code = (code << 8) | buf[pos++]!;
      }
    }
    this.range = range;
    this.code = code;
    this.inPos = pos;
    return sym;
  }

  /** `n` (at most 26) bits of probability 1/2, most significant first. */
  private direct(n: number): number {
    const buf = this.inBuf;
    let range = this.range;
    let code = this.code;
    let pos = this.inPos;
    let res = 0;
    for (let k = 0; k < n; k++) {
      range >>>= 1;
      // t = -1 if code < range (a 0), else 0, as for the other bits.
      const t = ((code >>> 1) - (range >>> 1) - (~code & range & 1)) >> 31;
      code = (code - (range & ~t)) | 0;
      res = (res << 1) + 1 + t;
      if (range >>> RANGE_TOP_BITS === 0) {
        if (pos >= this.inEnd) fail('input overrun');
        range <<= 8;
        code = (code << 8) | buf[pos++]!;
      }
    }
    this.range = range | 0;
    this.code = code;
    this.inPos = pos;
    return res;
  }

  /**
   * Starts a call that adds `n` bytes: points the output at `out[outPos..]`
   * and grows the dictionary buffer so the bytes fit without a wrap, as far
   * as the declared size allows. So the ring only wraps at the declared size,
   * a multiple of 16: ring positions give the same position bits as stream
   * positions.
   */
  private begin(n: number, out: Uint8Array, outPos: number): void {
    this.out = out;
    this.outPos = outPos;
    this.flushed = this.dictPos;
    const need = this.dictPos + n;
    const cap = this.dict.length;
    if (need <= cap || cap === this.dictSize || this.dictFull) return;
    const next = Math.min(this.dictSize, Math.max(need, MIN_DICT_ALLOC, cap * 2));
    const d = new Uint8Array(next);
    d.set(this.dict.subarray(0, this.dictPos));
    this.dict = d;
  }

  /** At the end of the ring: hands the bytes out and continues at the start. */
  private wrap(): void {
    this.flush();
    this.dictPos = 0;
    this.flushed = 0;
    this.dictFull = true;
  }

  /** Appends history bytes written since the last flush to the caller's output. */
  private flush(): void {
    const n = this.dictPos - this.flushed;
    if (n > 0) {
      if (this.outPos + n > this.out.length) fail('more output than announced');
      this.out.set(this.dict.subarray(this.flushed, this.dictPos), this.outPos);
      this.outPos += n;
    }
    this.flushed = this.dictPos;
  }
}
