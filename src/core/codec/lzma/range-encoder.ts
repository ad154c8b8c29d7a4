import { PROB_BITS, PROB_MOVE_BITS, PROB_ONE, RANGE_TOP_BITS } from './lzma-constants.js';

/** Prices are in 1/16 bit, so that integer sums stay precise enough to compare parses. */
export const PRICE_SHIFT = 4;
/** Probabilities are priced by their top 7 bits: finer steps do not change decisions. */
export const PRICE_REDUCE_BITS = 4;
const TWO_POW_32 = 0x100000000;
/**
 * Branch-free adaptation: a probability moves 1/32 of the way towards
 * ADAPT_BASE + ADAPT_SPAN (after a 0) or towards ADAPT_BASE (after a 1).
 * With an arithmetic shift, `(PROB_ONE - p) >> 5` is the decoder's
 * `(PROB_ONE - p) >>> 5`, and `(31 - p) >> 5` is exactly its `-(p >>> 5)`.
 * Coded bits are close to random on the data LZMA finds no matches in, so
 * branches on them mispredict about half the time.
 */
const ADAPT_BASE = (1 << PROB_MOVE_BITS) - 1;
const ADAPT_SPAN = PROB_ONE - ADAPT_BASE;
/** The first output buffer; it doubles when a chunk needs more. */
const INITIAL_OUTPUT = 1 << 16;

/**
 * `-log2(p)` in 1/16 bit for each probability bucket (`prob >>> 4`). Prices
 * only steer the parser's choices, never what is written, so rounding here can
 * cost compression but not correctness.
 */
export const PROB_PRICES: Uint32Array = (() => {
  const n = PROB_ONE >>> PRICE_REDUCE_BITS;
  const t = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const p = (i * (1 << PRICE_REDUCE_BITS) + (1 << (PRICE_REDUCE_BITS - 1))) / PROB_ONE;
    t[i] = Math.round(-Math.log2(p) * (1 << PRICE_SHIFT));
  }
  return t;
})();

/** Price of coding `bit` with probability `prob` (of a 0). */
export function bitPrice(prob: number, bit: number): number {
  return PROB_PRICES[(bit === 0 ? prob : PROB_ONE - prob) >>> PRICE_REDUCE_BITS]!;
}

/** Price of coding `bit` as a 0 with probability `prob`. */
export function bit0Price(prob: number): number {
  return PROB_PRICES[prob >>> PRICE_REDUCE_BITS]!;
}

/** Price of coding `bit` as a 1 with probability `prob`. */
export function bit1Price(prob: number): number {
  return PROB_PRICES[(PROB_ONE - prob) >>> PRICE_REDUCE_BITS]!;
}

/** Price of `symbol` (of `bits` bits, most significant first) in the bit tree at `probs[base + 1..]`. */
export function treePrice(probs: Uint16Array, base: number, bits: number, symbol: number): number {
  let price = 0;
  let m = 1;
  for (let i = bits - 1; i >= 0; i--) {
    const bit = (symbol >>> i) & 1;
    price += bitPrice(probs[base + m]!, bit);
    m = (m << 1) | bit;
  }
  return price;
}

/** Price of `symbol` in the reverse (least significant bit first) tree at `probs[base + 1..]`. */
export function reverseTreePrice(probs: Uint16Array, base: number, bits: number, symbol: number): number {
  let price = 0;
  let m = 1;
  for (let i = 0; i < bits; i++) {
    const bit = (symbol >>> i) & 1;
    price += bitPrice(probs[base + m]!, bit);
    m = (m << 1) | bit;
  }
  return price;
}

/**
 * The LZMA range encoder (arithmetic coder over adaptive binary
 * probabilities), the exact inverse of the decoder in `lzma-decoder.ts`.
 * `low` can carry into bit 32, so it is kept as a double below 2^33 and the
 * carry is resolved through `cache`/`cacheSize`, the pending 0xFF run that a
 * carry would turn into 0x00s. Every LZMA2 chunk starts a fresh coder
 * (`reset`) and ends with `flush`.
 */
export class RangeEncoder {
  private low = 0;
  /** The range as an int32 bit pattern (it needs all 32 bits): int32 arithmetic is what the JIT does fastest. */
  private range = -1;
  private cache = 0;
  private cacheSize = 1;
  /** Output of the current chunk: `out[0..outPos)`. */
  out: Uint8Array = new Uint8Array(INITIAL_OUTPUT);
  outPos = 0;

  /** Starts a new coder (and a new chunk's output). */
  reset(): void {
    this.low = 0;
    this.range = -1;
    this.cache = 0;
    this.cacheSize = 1;
    this.outPos = 0;
  }

  /** Bytes the chunk will have once flushed: written plus still pending. */
  get pendingSize(): number {
    return this.outPos + this.cacheSize + 4;
  }

  /** Codes `bit` with the adaptive probability `probs[i]` and adapts it. */
  encodeBit(probs: Uint16Array, i: number, bit: number): void {
    const p = probs[i]!;
    let range = this.range;
    const bound = Math.imul(range >>> PROB_BITS, p);
    const mask = -bit;
    this.low += (bound & mask) >>> 0;
    range = ((range - bound) & mask) | (bound & ~mask);
    probs[i] = p + ((ADAPT_BASE + (ADAPT_SPAN & ~mask) - p) >> PROB_MOVE_BITS);
    // One shift always suffices: a coded bit leaves at least 2^24 * 31 / 2048.
    if (range >>> RANGE_TOP_BITS === 0) {
      this.range = range << 8;
      this.shiftLow();
    } else {
      this.range = range;
    }
  }

  /** Codes the low `count` bits of `value` with probability 1/2 each, most significant first. */
  encodeDirect(value: number, count: number): void {
    let range = this.range;
    for (let i = count - 1; i >= 0; i--) {
      range >>>= 1;
      if ((value >>> i) & 1) this.low += range;
      if (range >>> RANGE_TOP_BITS === 0) {
        range <<= 8;
        this.shiftLow();
      }
    }
    this.range = range;
  }

  /**
   * Codes `symbol` (of `bits` bits, most significant first) with the bit
   * tree at `probs[base + 1..]`. The hot coding loops keep `low` and `range`
   * in locals and only touch the fields when a byte is shifted out.
   */
  encodeTree(probs: Uint16Array, base: number, bits: number, symbol: number): void {
    let range = this.range;
    let low = this.low;
    let m = 1;
    for (let i = bits - 1; i >= 0; i--) {
      const bit = (symbol >>> i) & 1;
      const at = base + m;
      const p = probs[at]!;
      const bound = Math.imul(range >>> PROB_BITS, p);
      const mask = -bit;
      low += (bound & mask) >>> 0;
      range = ((range - bound) & mask) | (bound & ~mask);
      probs[at] = p + ((ADAPT_BASE + (ADAPT_SPAN & ~mask) - p) >> PROB_MOVE_BITS);
      if (range >>> RANGE_TOP_BITS === 0) {
        range <<= 8;
        this.low = low;
        this.shiftLow();
        low = this.low;
      }
      m = (m << 1) | bit;
    }
    this.range = range;
    this.low = low;
  }

  /**
   * Codes a literal after a match: while its bits agree with `matchByte`
   * they use the two "matched" trees at `base + 0x100..`, then the plain tree.
   */
  encodeMatchedLiteral(probs: Uint16Array, base: number, symbol: number, matchByte: number): void {
    let range = this.range;
    let low = this.low;
    let m = 1;
    let offset = 0x100;
    for (let i = 7; i >= 0; i--) {
      const bit = (symbol >>> i) & 1;
      const matchBit = (matchByte >>> i) & 1;
      // offset is 0x100 while the bits agree, 0 after the first difference.
      const at = base + offset + (offset & -matchBit) + m;
      const p = probs[at]!;
      const bound = Math.imul(range >>> PROB_BITS, p);
      const mask = -bit;
      low += (bound & mask) >>> 0;
      range = ((range - bound) & mask) | (bound & ~mask);
      probs[at] = p + ((ADAPT_BASE + (ADAPT_SPAN & ~mask) - p) >> PROB_MOVE_BITS);
      if (range >>> RANGE_TOP_BITS === 0) {
        range <<= 8;
        this.low = low;
        this.shiftLow();
        low = this.low;
      }
      m = (m << 1) | bit;
      if (bit !== matchBit) offset = 0;
    }
    this.range = range;
    this.low = low;
  }

  /** Codes `symbol` least significant bit first with the tree at `probs[base + 1..]`. */
  encodeReverseTree(probs: Uint16Array, base: number, bits: number, symbol: number): void {
    let m = 1;
    for (let i = 0; i < bits; i++) {
      const bit = (symbol >>> i) & 1;
      this.encodeBit(probs, base + m, bit);
      m = (m << 1) | bit;
    }
  }

  /** Writes out everything still held in `low` and the cache; the coder is then done. */
  flush(): void {
    for (let i = 0; i < 5; i++) this.shiftLow();
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= TWO_POW_32) {
      const carry = low >= TWO_POW_32 ? 1 : 0;
      let temp = this.cache;
      do {
        this.writeByte((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = (low >>> 24) & 0xff;
    }
    this.cacheSize++;
    this.low = (low & 0x00ffffff) * 256;
  }

  private writeByte(b: number): void {
    if (this.outPos === this.out.length) {
      const next = new Uint8Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    this.out[this.outPos++] = b;
  }
}
