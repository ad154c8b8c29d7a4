import { CRC32_TABLE } from './crc32.js';
import { MATCH_MAX_LEN } from './lzma-constants.js';
import { matchLength } from '../vcdiff/match-length.js';

/** The CRC table read as int32 so hashing stays in small-integer arithmetic. */
const HASH_TABLE = new Int32Array(CRC32_TABLE.buffer, CRC32_TABLE.byteOffset, CRC32_TABLE.length);
/** Buckets of the 2-byte and 3-byte hashes that find short, near matches cheaply. */
const HASH2_BITS = 10;
const HASH3_BITS = 16;
/**
 * The 4-byte hash starts small and doubles as data arrives, keeping about
 * one bucket per position, up to half the dictionary (liblzma's sizing) and
 * at most 2^24 buckets; so a short stream does not pay for a big table.
 */
const HASH4_MIN_BITS = 16;
const HASH4_MAX_BITS = 24;
/** Bytes a position needs ahead of it before it can be hashed and inserted. */
const HASH_BYTES = 4;
/** Table entries are re-based before positions could leave the int32 range. */
const NORMALIZE_LIMIT = 0x40000000;
const NORMALIZE_MARGIN = 64;
/** First allocation of the tree when the stream is still small. */
const MIN_TREE_ENTRIES = 1 << 16;

/** Tuning of the match finder. */
export interface MatchFinderOptions {
  /** Longest distance a match may reach back (the LZMA dictionary size). */
  dictSize: number;
  /** Matches this long end the search; the longest is then extended to 273. */
  niceLen: number;
  /** Tree nodes visited per position at most (the search depth). */
  depth: number;
  /** Stored positions are re-based once they pass this. Default NORMALIZE_LIMIT; tests lower it. */
  normalizeLimit?: number;
  /**
   * 'bt4' (default): binary trees, every length's best match. 'hc4': hash
   * chains, cheaper to insert into (a skipped position costs O(1)) but a
   * search only sees the `depth` most recent candidates; for the fast parser.
   */
  kind?: 'bt4' | 'hc4';
}

/**
 * A binary-tree match finder over a sliding window ("bt4"): every position is
 * inserted in a binary search tree of the strings that share its 4-byte hash,
 * kept sorted as the tree is walked, so one walk both finds the longest
 * matches at every length and re-roots the tree at the new position. Two
 * small hash tables catch 2- and 3-byte matches. Memory is the window plus
 * 8 bytes per window byte for the tree; both grow with the data seen, up to
 * the dictionary size, so a small stream costs little.
 *
 * Positions in the tables are `buffer index + posOffset`, with `posOffset`
 * starting at the cyclic size, so an empty (zero) entry always looks too far
 * away and needs no separate check.
 */
export class LzmaMatchFinder {
  /** The window: history (up to the dictionary size) followed by the bytes not yet coded. */
  buf: Uint8Array;
  /** `buf` for four-byte comparisons. */
  view: DataView;
  /** Next position whose matches are searched (a `buf` index). */
  cur = 0;
  /** End of the data in `buf`. */
  end = 0;
  /** Positions stepped over at the end of the data, inserted once more data arrives. */
  private pending = 0;
  private readonly cyclicSize: number;
  private cyclicPos = 0;
  private posOffset: number;
  /** bt4: two child links per position ([2i] smaller strings, [2i + 1] larger ones); hc4: one chain link. */
  private son: Int32Array;
  /** Hash chains instead of binary trees. */
  private readonly chain: boolean;
  /** `son` entries per position: 2 for trees, 1 for chains. */
  private readonly sonShift: number;
  private readonly hash2 = new Int32Array(1 << HASH2_BITS);
  private readonly hash3 = new Int32Array(1 << HASH3_BITS);
  private hash4: Int32Array;
  private hash4Mask: number;
  private readonly hash4MaxBits: number;
  /** Bytes appended so far, which sizes the 4-byte hash. */
  private seen = 0;
  private readonly niceLen: number;
  private readonly depth: number;
  /** Window size past which old history is discarded instead of growing the buffer. */
  private readonly windowTarget: number;
  private readonly normalizeLimit: number;

  constructor(options: MatchFinderOptions, lookahead: number) {
    const { dictSize, niceLen, depth } = options;
    this.normalizeLimit = options.normalizeLimit ?? NORMALIZE_LIMIT;
    this.cyclicSize = dictSize;
    this.posOffset = dictSize;
    this.niceLen = niceLen;
    this.depth = depth;
    let bits = HASH4_MIN_BITS;
    while (bits < HASH4_MAX_BITS && 2 ** bits < dictSize / 2) bits++;
    this.hash4MaxBits = bits;
    this.hash4 = new Int32Array(1 << HASH4_MIN_BITS);
    this.hash4Mask = (1 << HASH4_MIN_BITS) - 1;
    this.chain = options.kind === 'hc4';
    this.sonShift = this.chain ? 0 : 1;
    this.son = new Int32Array(Math.min(dictSize << this.sonShift, MIN_TREE_ENTRIES));
    this.windowTarget = dictSize + lookahead;
    this.buf = new Uint8Array(Math.min(this.windowTarget, 1 << 16));
    this.view = new DataView(this.buf.buffer);
  }

  /**
   * Appends `src[start..end)` to the window. History more than a dictionary
   * behind both `keepFrom` (a `buf` index the caller still needs) and the
   * search position is dropped when room is needed. Returns how far the
   * window moved: the caller subtracts it from the `buf` indices it holds.
   */
  append(src: Uint8Array, start: number, end: number, keepFrom: number): number {
    const n = end - start;
    let shift = 0;
    if (this.end + n > this.buf.length) {
      const oldest = Math.min(keepFrom, this.cur - this.pending - 1) - this.cyclicSize;
      const from = oldest > 0 ? oldest : 0;
      const need = this.end - from + n;
      let cap = this.buf.length;
      if (need > cap) cap = Math.max(need, Math.min(cap * 2, this.windowTarget));
      const dest = cap === this.buf.length ? this.buf : new Uint8Array(cap);
      dest.set(this.buf.subarray(from, this.end), 0);
      this.buf = dest;
      this.view = new DataView(dest.buffer);
      shift = from;
      this.cur -= from;
      this.end -= from;
      this.posOffset += from;
    }
    this.buf.set(src.subarray(start, end), this.end);
    this.end += n;
    this.seen += n;
    this.growHash4();
    if (this.cur + this.posOffset > this.normalizeLimit) this.normalize();
    if (this.pending > 0) {
      const p = this.pending;
      this.pending = 0;
      this.cur -= p;
      this.skip(p);
    }
    return shift;
  }

  /**
   * Finds the matches at `cur` and inserts it. Writes (length, distance - 1)
   * pairs with strictly increasing lengths into `out` and returns the number
   * of ints written. Lengths stop at `niceLen` or the end of the data, except
   * that a match of `niceLen` is extended as far as LZMA allows.
   */
  findMatches(out: Int32Array): number {
    const cur = this.cur;
    const avail = this.end - cur;
    let lenLimit = this.niceLen;
    if (avail < lenLimit) {
      lenLimit = avail;
      if (lenLimit < HASH_BYTES) {
        this.cur++;
        this.pending++;
        return 0;
      }
    }
    const buf = this.buf;
    const view = this.view;
    const pos = cur + this.posOffset;
    const cyclic = this.cyclicSize;
    const t = HASH_TABLE[buf[cur]!]! ^ buf[cur + 1]!;
    const h2 = t & ((1 << HASH2_BITS) - 1);
    const t3 = t ^ (buf[cur + 2]! << 8);
    const h3 = t3 & ((1 << HASH3_BITS) - 1);
    const h4 = (t3 ^ (HASH_TABLE[buf[cur + 3]!]! << 5)) & this.hash4Mask;
    const d2 = pos - this.hash2[h2]!;
    const d3 = pos - this.hash3[h3]!;
    let curMatch = this.hash4[h4]!;
    this.hash2[h2] = pos;
    this.hash3[h3] = pos;
    this.hash4[h4] = pos;

    let count = 0;
    let best = 1;
    let bestDelta = 0;
    if (d2 < cyclic && buf[cur - d2] === buf[cur] && buf[cur - d2 + 1] === buf[cur + 1]) {
      best = 2;
      bestDelta = d2;
      out[0] = 2;
      out[1] = d2 - 1;
      count = 2;
    }
    if (d3 !== d2 && d3 < cyclic && buf[cur - d3] === buf[cur] && buf[cur - d3 + 1] === buf[cur + 1] && buf[cur - d3 + 2] === buf[cur + 2]) {
      best = 3;
      bestDelta = d3;
      out[count] = 3;
      out[count + 1] = d3 - 1;
      count += 2;
    }
    if (count !== 0) {
      const len = matchLength(this.view, cur - bestDelta, cur, best, lenLimit);
      out[count - 2] = len;
      best = len;
      if (len === lenLimit) {
        this.insert(curMatch, lenLimit);
        return this.extend(out, count, avail);
      }
    }
    if (best < 3) best = 3;
    if (this.chain) return this.searchChain(out, count, best, curMatch, lenLimit, avail);

    const son = this.growSonFor(this.cyclicPos);
    const cp = this.cyclicPos;
    let left = cp << 1;
    let right = left + 1;
    let lenLeft = 0;
    let lenRight = 0;
    let depth = this.depth;
    for (;;) {
      const delta = pos - curMatch;
      if (depth-- === 0 || delta >= cyclic) {
        son[left] = 0;
        son[right] = 0;
        break;
      }
      const pair = (delta > cp ? cp - delta + cyclic : cp - delta) << 1;
      const m = cur - delta;
      let len = lenLeft < lenRight ? lenLeft : lenRight;
      if (buf[m + len] === buf[cur + len]) {
        len = matchLength(view, m, cur, len + 1, lenLimit);
        if (len > best) {
          best = len;
          out[count] = len;
          out[count + 1] = delta - 1;
          count += 2;
        }
        if (len === lenLimit) {
          // Same string as far as we can see: the new node replaces the old one.
          son[left] = son[pair]!;
          son[right] = son[pair + 1]!;
          break;
        }
      }
      if (buf[m + len]! < buf[cur + len]!) {
        son[left] = curMatch;
        left = pair + 1;
        curMatch = son[left]!;
        lenLeft = len;
      } else {
        son[right] = curMatch;
        right = pair;
        curMatch = son[right]!;
        lenRight = len;
      }
    }
    this.advance();
    return this.extend(out, count, avail);
  }

  /** The hash-chain search of `findMatches`: up to `depth` candidates, most recent first. */
  private searchChain(out: Int32Array, count: number, best: number, curMatch: number, lenLimit: number, avail: number): number {
    const son = this.growSonFor(this.cyclicPos);
    const buf = this.buf;
    const view = this.view;
    const cur = this.cur;
    const pos = cur + this.posOffset;
    const cyclic = this.cyclicSize;
    const cp = this.cyclicPos;
    son[cp] = curMatch;
    let depth = this.depth;
    for (;;) {
      const delta = pos - curMatch;
      if (depth-- === 0 || delta >= cyclic) break;
      const m = cur - delta;
      // Only a candidate that agrees at the current best length can beat it.
      if (buf[m + best] === buf[cur + best] && view.getUint16(m) === view.getUint16(cur)) {
        const len = matchLength(view, m, cur, 2, lenLimit);
        if (len > best) {
          best = len;
          out[count] = len;
          out[count + 1] = delta - 1;
          count += 2;
          if (len === lenLimit) break;
        }
      }
      curMatch = son[delta > cp ? cp - delta + cyclic : cp - delta]!;
    }
    this.advance();
    return this.extend(out, count, avail);
  }

  /**
   * Steps over the next `n` positions inserting only every `step`-th one:
   * for data that is stored rather than coded, where matches into it are
   * unlikely but should stay possible (a long match still starts within
   * `step` bytes of an inserted position).
   */
  skipSparse(n: number, step: number): void {
    for (let i = 0; i < n; i++) {
      if (i % step === 0 || this.end - this.cur < HASH_BYTES) {
        this.skip(1);
      } else {
        this.advance();
      }
    }
  }

  /**
   * Counts, at every `step`-th position of buf[start..end), whether the most
   * recent earlier position with the same 4-byte hash repeats at least
   * `minLen` bytes of it. A cheap look for long repeats that changes nothing.
   */
  countRepeats(start: number, end: number, step: number, minLen: number): number {
    const buf = this.buf;
    const cyclic = this.cyclicSize;
    let hits = 0;
    for (let p = start; p + minLen <= end && p + minLen <= this.end; p += step) {
      const t3 = HASH_TABLE[buf[p]!]! ^ buf[p + 1]! ^ (buf[p + 2]! << 8);
      const head = this.hash4[(t3 ^ (HASH_TABLE[buf[p + 3]!]! << 5)) & this.hash4Mask]!;
      const delta = p + this.posOffset - head;
      if (delta <= 0 || delta >= cyclic || p - delta < 0) continue;
      if (matchLength(this.view, p - delta, p, 0, minLen) === minLen) hits++;
    }
    return hits;
  }

  /** Inserts the next `n` positions without reporting matches. */
  skip(n: number): void {
    for (let i = 0; i < n; i++) {
      const cur = this.cur;
      const avail = this.end - cur;
      let lenLimit = this.niceLen;
      if (avail < lenLimit) {
        lenLimit = avail;
        if (lenLimit < HASH_BYTES) {
          this.cur++;
          this.pending++;
          continue;
        }
      }
      const buf = this.buf;
      const pos = cur + this.posOffset;
      const t = HASH_TABLE[buf[cur]!]! ^ buf[cur + 1]!;
      const t3 = t ^ (buf[cur + 2]! << 8);
      const h4 = (t3 ^ (HASH_TABLE[buf[cur + 3]!]! << 5)) & this.hash4Mask;
      this.hash2[t & ((1 << HASH2_BITS) - 1)] = pos;
      this.hash3[t3 & ((1 << HASH3_BITS) - 1)] = pos;
      const curMatch = this.hash4[h4]!;
      this.hash4[h4] = pos;
      this.insert(curMatch, lenLimit);
    }
  }

  /** Tree insertion of `cur` (the walk of `findMatches` without the reporting), then advance. */
  private insert(firstMatch: number, lenLimit: number): void {
    const son = this.growSonFor(this.cyclicPos);
    if (this.chain) {
      son[this.cyclicPos] = firstMatch;
      this.advance();
      return;
    }
    const buf = this.buf;
    const view = this.view;
    const cur = this.cur;
    const pos = cur + this.posOffset;
    const cyclic = this.cyclicSize;
    const cp = this.cyclicPos;
    let curMatch = firstMatch;
    let left = cp << 1;
    let right = left + 1;
    let lenLeft = 0;
    let lenRight = 0;
    let depth = this.depth;
    for (;;) {
      const delta = pos - curMatch;
      if (depth-- === 0 || delta >= cyclic) {
        son[left] = 0;
        son[right] = 0;
        break;
      }
      const pair = (delta > cp ? cp - delta + cyclic : cp - delta) << 1;
      const m = cur - delta;
      let len = lenLeft < lenRight ? lenLeft : lenRight;
      if (buf[m + len] === buf[cur + len]) {
        len = matchLength(view, m, cur, len + 1, lenLimit);
        if (len === lenLimit) {
          son[left] = son[pair]!;
          son[right] = son[pair + 1]!;
          break;
        }
      }
      if (buf[m + len]! < buf[cur + len]!) {
        son[left] = curMatch;
        left = pair + 1;
        curMatch = son[left]!;
        lenLeft = len;
      } else {
        son[right] = curMatch;
        right = pair;
        curMatch = son[right]!;
        lenRight = len;
      }
    }
    this.advance();
  }

  /** A match as long as `niceLen` probably goes on: measure it up to the LZMA maximum. */
  private extend(out: Int32Array, count: number, avail: number): number {
    if (count === 0) return 0;
    const len = out[count - 2]!;
    if (len !== this.niceLen) return count;
    const limit = avail < MATCH_MAX_LEN ? avail : MATCH_MAX_LEN;
    const cur = this.cur - 1;
    out[count - 2] = matchLength(this.view, cur - out[count - 1]! - 1, cur, len, limit);
    return count;
  }

  private advance(): void {
    this.cur++;
    if (++this.cyclicPos === this.cyclicSize) this.cyclicPos = 0;
  }

  /** The tree array, grown (while the stream is shorter than the dictionary) to hold node `cp`. */
  private growSonFor(cp: number): Int32Array {
    const need = (cp + 1) << this.sonShift;
    if (need <= this.son.length) return this.son;
    const next = new Int32Array(Math.min(this.cyclicSize << this.sonShift, Math.max(need, this.son.length * 2)));
    next.set(this.son);
    this.son = next;
    return next;
  }

  /**
   * Doubles the 4-byte hash (maybe several times) while it has fewer buckets
   * than positions seen. Each new bucket starts with the head of the old
   * bucket it splits from: a real, inserted tree root, whose tree merely
   * also holds strings of the sibling bucket. So every tree stays a valid
   * search tree (the match lengths it reports depend on that) and the split
   * sharpens as new positions are inserted.
   */
  private growHash4(): void {
    let bits = 31 - Math.clz32(this.hash4.length);
    const from = bits;
    while (bits < this.hash4MaxBits && 2 ** bits < this.seen) bits++;
    if (bits === from) return;
    const old = this.hash4;
    const next = new Int32Array(1 << bits);
    for (let i = 0; i < next.length; i += old.length) next.set(old, i);
    this.hash4 = next;
    this.hash4Mask = next.length - 1;
  }

  /** Re-bases all stored positions so they stay far from the int32 limit. */
  private normalize(): void {
    // The margin keeps positions still pending (just behind `cur`) clear of zero entries.
    const sub = this.cur + this.posOffset - this.cyclicSize - NORMALIZE_MARGIN;
    const fix = (t: Int32Array): void => {
      for (let i = 0; i < t.length; i++) {
        const v = t[i]!;
        t[i] = v > sub ? v - sub : 0;
      }
    };
    fix(this.hash2);
    fix(this.hash3);
    fix(this.hash4);
    fix(this.son);
    this.posOffset -= sub;
  }
}
