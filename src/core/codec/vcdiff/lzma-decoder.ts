import { CodecFailedError } from '../../errors.js';
import {
  END_POS_MODEL_INDEX,
  LITERAL_CODER_SIZE,
  MATCH_MIN_LEN,
  NUM_FULL_DISTANCES,
  NUM_STATES,
  POS_STATES_MAX,
  PROB_INIT,
  RANGE_TOP,
} from './lzma-constants.js';

function fail(msg: string): never {
  throw new CodecFailedError(`LZMA secondary data is corrupt: ${msg}`);
}

/** Length coder probabilities (LZMA spec "LenDecoder"). */
class LenProbs {
  readonly choice = new Uint16Array(2);
  readonly low = new Uint16Array(POS_STATES_MAX << 3);
  readonly mid = new Uint16Array(POS_STATES_MAX << 3);
  readonly high = new Uint16Array(256);
  reset(): void {
    this.choice.fill(PROB_INIT);
    this.low.fill(PROB_INIT);
    this.mid.fill(PROB_INIT);
    this.high.fill(PROB_INIT);
  }
}

/**
 * An LZMA decoder with the state split the way LZMA2 needs it: the dictionary,
 * the coder state and the properties can each be reset by a chunk header, and
 * everything survives between chunks (and, for xdelta3, between windows).
 * The dictionary grows on demand up to its declared size, so a small section
 * never costs the 64 MiB that preset 9 declares.
 */
export class LzmaDecoder {
  // dictionary
  private dict: Uint8Array = new Uint8Array(0);
  private dictPos = 0;
  private dictFull = false;
  private dictCap = 0;
  private flushed = 0;
  // properties
  private lc = 0;
  private lp = 0;
  private pb = 0;
  private literal = new Uint16Array(0);
  // state
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  private readonly isMatch = new Uint16Array(NUM_STATES << 4);
  private readonly isRep = new Uint16Array(NUM_STATES);
  private readonly isRepG0 = new Uint16Array(NUM_STATES);
  private readonly isRepG1 = new Uint16Array(NUM_STATES);
  private readonly isRepG2 = new Uint16Array(NUM_STATES);
  private readonly isRep0Long = new Uint16Array(NUM_STATES << 4);
  private readonly posSlot = new Uint16Array(4 << 6);
  private readonly posSpecial = new Uint16Array(1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX);
  private readonly align = new Uint16Array(16);
  private readonly lenProbs = new LenProbs();
  private readonly repLenProbs = new LenProbs();
  // range decoder
  private range = 0;
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
    this.lp = lp;
    this.pb = pb;
    const n = LITERAL_CODER_SIZE << (lc + lp);
    if (this.literal.length !== n) this.literal = new Uint16Array(n);
  }

  /** Resets probabilities and match state (LZMA2 state reset). */
  resetState(): void {
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
    this.literal.fill(PROB_INIT);
    this.isMatch.fill(PROB_INIT);
    this.isRep.fill(PROB_INIT);
    this.isRepG0.fill(PROB_INIT);
    this.isRepG1.fill(PROB_INIT);
    this.isRepG2.fill(PROB_INIT);
    this.isRep0Long.fill(PROB_INIT);
    this.posSlot.fill(PROB_INIT);
    this.posSpecial.fill(PROB_INIT);
    this.align.fill(PROB_INIT);
    this.lenProbs.reset();
    this.repLenProbs.reset();
  }

  /** Copies `n` stored bytes into the history and the output (LZMA2 uncompressed chunk). */
  storeUncompressed(src: Uint8Array, start: number, n: number, out: Uint8Array, outPos: number): void {
    this.out = out;
    this.outPos = outPos;
    this.flushed = this.dictPos;
    for (let i = 0; i < n; i++) this.putByte(src[start + i]!);
    this.flush();
  }

  /**
   * Decodes one LZMA chunk: exactly `unpacked` bytes from `packed` bytes of
   * input, appended to `out` at `outPos`. Every loop is bounded by `unpacked`.
   */
  decodeChunk(src: Uint8Array, start: number, packed: number, unpacked: number, out: Uint8Array, outPos: number): void {
    this.inBuf = src;
    this.inPos = start;
    this.inEnd = start + packed;
    this.out = out;
    this.outPos = outPos;
    this.flushed = this.dictPos;
    if (packed < 5) fail('chunk too short');
    if (src[this.inPos++] !== 0) fail('range coder start byte');
    this.code = 0;
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | src[this.inPos++]!) >>> 0;
    this.range = 0xffffffff;
    if (this.literal.length === 0) fail('no properties');

    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    const lc = this.lc;
    let remaining = unpacked;
    let total = this.totalPos();
    while (remaining > 0) {
      const posState = total & pbMask;
      const st = this.state;
      if (this.bit(this.isMatch, (st << 4) + posState) === 0) {
        const prev = this.byteAt(0, true);
        const base = LITERAL_CODER_SIZE * (((total & lpMask) << lc) + (prev >>> (8 - lc)));
        const probs = this.literal;
        let sym = 1;
        if (st >= 7) {
          let matchByte = this.byteAt(this.rep0, false);
          do {
            const matchBit = (matchByte >>> 7) & 1;
            matchByte <<= 1;
            const b = this.bit(probs, base + ((1 + matchBit) << 8) + sym);
            sym = (sym << 1) | b;
            if (matchBit !== b) break;
          } while (sym < 0x100);
        }
        while (sym < 0x100) sym = (sym << 1) | this.bit(probs, base + sym);
        this.putByte(sym & 0xff);
        this.state = st < 4 ? 0 : st < 10 ? st - 3 : st - 6;
        remaining--;
        total++;
        continue;
      }
      let len: number;
      if (this.bit(this.isRep, st) === 0) {
        this.rep3 = this.rep2;
        this.rep2 = this.rep1;
        this.rep1 = this.rep0;
        len = this.decodeLen(this.lenProbs, posState);
        this.state = st < 7 ? 7 : 10;
        const dist = this.decodeDistance(len);
        if (dist === 0xffffffff) fail('unexpected end marker in LZMA2');
        this.rep0 = dist;
      } else {
        if (this.bit(this.isRepG0, st) === 0) {
          if (this.bit(this.isRep0Long, (st << 4) + posState) === 0) {
            this.state = st < 7 ? 9 : 11;
            this.putByte(this.byteAt(this.rep0, false));
            remaining--;
            total++;
            continue;
          }
        } else {
          let dist: number;
          if (this.bit(this.isRepG1, st) === 0) {
            dist = this.rep1;
          } else {
            if (this.bit(this.isRepG2, st) === 0) {
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
        len = this.decodeLen(this.repLenProbs, posState);
        this.state = st < 7 ? 8 : 11;
      }
      len += MATCH_MIN_LEN;
      if (len > remaining) fail('match crosses the chunk end');
      this.copyMatch(this.rep0, len);
      remaining -= len;
      total += len;
    }
    this.flush();
  }

  /** Where the output pointer is after the last call. */
  get outputPosition(): number {
    return this.outPos;
  }

  private totalPos(): number {
    // Only the low bits matter (pos state / literal position), and those are
    // the same for the write position in a dictionary that is a multiple of 16.
    return this.dictPos;
  }

  private normalize(): void {
    if (this.range < RANGE_TOP) {
      if (this.inPos >= this.inEnd) fail('input overrun');
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.inBuf[this.inPos++]!) >>> 0;
    }
  }

  private bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> 11) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.range -= bound;
      this.code -= bound;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    if (this.range < RANGE_TOP) this.normalize();
    return b;
  }

  private direct(n: number): number {
    let res = 0;
    for (let i = 0; i < n; i++) {
      this.range >>>= 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        b = 1;
      }
      res = res * 2 + b;
      if (this.range < RANGE_TOP) this.normalize();
    }
    return res;
  }

  private tree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probs, base + m);
    return m - (1 << bits);
  }

  private reverseTree(probs: Uint16Array, base: number, bits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) | b;
      sym |= b << i;
    }
    return sym;
  }

  private decodeLen(p: LenProbs, posState: number): number {
    if (this.bit(p.choice, 0) === 0) return this.tree(p.low, posState << 3, 3);
    if (this.bit(p.choice, 1) === 0) return 8 + this.tree(p.mid, posState << 3, 3);
    return 16 + this.tree(p.high, 0, 8);
  }

  private decodeDistance(len: number): number {
    const lenState = len < 3 ? len : 3;
    const slot = this.tree(this.posSlot, lenState << 6, 6);
    if (slot < 4) return slot;
    const nDirect = (slot >>> 1) - 1;
    let dist = (2 | (slot & 1)) * 2 ** nDirect;
    if (slot < END_POS_MODEL_INDEX) {
      dist += this.reverseTree(this.posSpecial, dist - slot, nDirect);
    } else {
      dist += this.direct(nDirect - 4) * 16;
      dist += this.reverseTree(this.align, 0, 4);
    }
    return dist;
  }

  /** Byte `dist` + 1 back in the history; `soft` allows an empty history (returns 0). */
  private byteAt(dist: number, soft: boolean): number {
    const have = this.dictFull ? this.dictCap : this.dictPos;
    if (dist >= have) {
      if (soft) return 0;
      fail('distance beyond the dictionary');
    }
    let i = this.dictPos - dist - 1;
    if (i < 0) i += this.dictCap;
    return this.dict[i]!;
  }

  private grow(): void {
    const next = Math.min(this.dictSize, Math.max(1 << 16, this.dictCap * 2));
    if (next <= this.dictCap) {
      // At the declared size: wrap around.
      this.flush();
      this.dictPos = 0;
      this.flushed = 0;
      this.dictFull = true;
      return;
    }
    const d = new Uint8Array(next);
    d.set(this.dict.subarray(0, this.dictPos));
    this.dict = d;
    this.dictCap = next;
  }

  private putByte(b: number): void {
    if (this.dictPos >= this.dictCap) this.grow();
    this.dict[this.dictPos++] = b;
  }

  private copyMatch(dist: number, len: number): void {
    const have = this.dictFull ? this.dictCap : this.dictPos;
    if (dist >= have) fail('distance beyond the dictionary');
    // Fast path: source and destination contiguous in the buffer.
    while (len > 0) {
      if (this.dictPos >= this.dictCap) this.grow();
      let src = this.dictPos - dist - 1;
      if (src < 0) src += this.dictCap;
      let n = Math.min(len, this.dictCap - this.dictPos, this.dictCap - src);
      if (src < this.dictPos) n = Math.min(n, this.dictPos - src);
      const d = this.dict;
      if (n > 1) {
        d.copyWithin(this.dictPos, src, src + n);
      } else {
        d[this.dictPos] = d[src]!;
        n = 1;
      }
      this.dictPos += n;
      len -= n;
    }
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
