import t from 'tap';
import { LzmaMatchFinder } from '../../../../src/core/codec/lzma/lzma-match-finder.js';
import { randomBytes, rng, structured } from '../vcdiff/helpers.js';

const LOOKAHEAD = 1 << 16;

/** Data with matches of every length at every distance: small-alphabet noise, records and copies. */
function matchy(seed: number, n: number): Buffer {
  const r = rng(seed);
  const b = Buffer.concat([randomBytes(r, n >> 2, 3), structured(r, n >> 2), randomBytes(r, n >> 1)]);
  for (let i = 1000; i < n; i += 500 + Math.floor(r() * 3000)) {
    const from = Math.floor(r() * i);
    b.copy(b, i, from, Math.min(from + Math.floor(r() * 600), i, n));
  }
  return b;
}

interface Checked {
  positions: number;
  matches: number;
  bad: string[];
}

/**
 * Feeds `data` in pieces and checks every reported match against the bytes:
 * lengths strictly increasing, at least 2, within the dictionary and the
 * data, and really equal for the reported length. Every `skipEvery`-th
 * stretch is stepped over with `skip` or `skipSparse` instead.
 */
function check(data: Buffer, opts: { dictSize: number; niceLen: number; depth: number; normalizeLimit?: number; kind?: 'bt4' | 'hc4' }, piece: number): Checked {
  const mf = new LzmaMatchFinder(opts, LOOKAHEAD);
  const out = new Int32Array(2 * 300);
  const res: Checked = { positions: 0, matches: 0, bad: [] };
  let fed = 0;
  let streamBase = 0; // stream offset of mf.buf[0]
  let pos = 0;
  while (pos < data.length) {
    while (fed < data.length && mf.end - mf.cur < 300) {
      const n = Math.min(piece, data.length - fed);
      streamBase += mf.append(data, fed, fed + n, mf.cur);
      fed += n;
    }
    if (pos % 5000 === 4000) {
      const n = Math.min(200, data.length - pos);
      if (pos % 10000 === 4000) mf.skip(n);
      else mf.skipSparse(n, 4);
      pos += n;
      continue;
    }
    const count = mf.findMatches(out);
    res.positions++;
    let prev = 1;
    for (let i = 0; i < count; i += 2) {
      const len = out[i]!;
      const dist = out[i + 1]! + 1;
      res.matches++;
      const fine =
        len > prev &&
        dist <= opts.dictSize - 1 &&
        dist <= pos &&
        pos + len <= fed &&
        data.subarray(pos, pos + len).equals(data.subarray(pos - dist, pos - dist + len));
      if (!fine && res.bad.length < 5) res.bad.push(`pos ${pos}: len ${len} dist ${dist}`);
      prev = len;
    }
    pos++;
    if (mf.cur + streamBase !== pos) {
      res.bad.push(`position drift at ${pos}`);
      break;
    }
  }
  return res;
}

t.test('every reported match is real, increasing in length and inside the dictionary', async (t) => {
  for (const [seed, dictSize, niceLen, depth] of [
    [1, 1 << 16, 16, 8],
    [2, 1 << 20, 64, 48],
    [3, 1 << 12, 273, 200],
  ] as const) {
    const data = matchy(seed, 300_000);
    const res = check(data, { dictSize, niceLen, depth }, 70_000);
    t.same(res.bad, [], `dict ${dictSize}, nice ${niceLen}, depth ${depth}: ${res.matches} matches at ${res.positions} positions`);
    t.ok(res.matches > res.positions / 2, 'the data has plenty of matches');
  }
});

t.test('the hash-chain finder reports only real matches too', async (t) => {
  for (const [seed, dictSize, niceLen, depth] of [
    [11, 1 << 16, 16, 8],
    [12, 1 << 20, 64, 24],
    [13, 1 << 12, 273, 100],
    [14, 1 << 16, 32, 1],
  ] as const) {
    const data = matchy(seed, 300_000);
    const hc = check(data, { dictSize, niceLen, depth, kind: 'hc4' }, 70_000);
    t.same(hc.bad, [], `hc4 dict ${dictSize}, nice ${niceLen}, depth ${depth}: ${hc.matches} matches at ${hc.positions} positions`);
    t.ok(hc.matches > hc.positions / 2, 'the data has plenty of matches');
  }
});

t.test('matches stay real when stored positions are re-based', async (t) => {
  const data = matchy(4, 400_000);
  for (const kind of ['bt4', 'hc4'] as const) {
    const res = check(data, { dictSize: 1 << 16, niceLen: 32, depth: 16, normalizeLimit: 150_000, kind }, 50_000);
    t.same(res.bad, [], `${kind}: ${res.matches} matches across several re-basings`);
  }
});

t.test('the hash-chain finder finds the longest match among the recent candidates', async (t) => {
  // Two earlier copies of the block: the older one matches longer.
  const r = (i: number): number => (Math.imul(i + 1, 2654435761) >>> 13) & 0xff;
  const block = Buffer.from(Array.from({ length: 100 }, (_, i) => r(i)));
  const older = Buffer.concat([block, Buffer.from('xy')]);
  const newer = Buffer.concat([block.subarray(0, 40), Buffer.from('zz')]);
  const data = Buffer.concat([older, Buffer.alloc(50, 1), newer, Buffer.alloc(50, 2), block, Buffer.alloc(300, 3)]);
  const mf = new LzmaMatchFinder({ dictSize: 1 << 16, niceLen: 273, depth: 4, kind: 'hc4' }, LOOKAHEAD);
  mf.append(data, 0, data.length, 0);
  const at = older.length + 50 + newer.length + 50;
  mf.skip(at);
  const out = new Int32Array(600);
  const count = mf.findMatches(out);
  t.ok(count >= 2, 'matches are reported');
  t.equal(out[count - 2], 100, 'the longest match is the whole block');
  t.equal(out[count - 1]! + 1, at, 'at the older copy');
});

t.test('positions too close to the end wait for more data', async (t) => {
  const mf = new LzmaMatchFinder({ dictSize: 1 << 16, niceLen: 32, depth: 16 }, LOOKAHEAD);
  const out = new Int32Array(600);
  const text = Buffer.from('abcdefgh'.repeat(4));
  mf.append(text, 0, 6, 0);
  for (let i = 0; i < 6; i++) t.equal(mf.findMatches(out), 0, `nothing to match at ${i} yet`);
  mf.append(text, 6, text.length, 0);
  for (let i = 6; i < 8; i++) mf.findMatches(out);
  const count = mf.findMatches(out);
  t.equal(out[count - 1]! + 1, 8, 'position 8 finds the repeat 8 bytes back');
  t.equal(out[count - 2]!, text.length - 8, 'as long as the data allows');
});

t.test('countRepeats sees a repeated block and not random data', async (t) => {
  const r = rng(5);
  const block = randomBytes(r, 5000);
  const data = Buffer.concat([block, randomBytes(r, 5000), block]);
  const mf = new LzmaMatchFinder({ dictSize: 1 << 16, niceLen: 32, depth: 16 }, LOOKAHEAD);
  mf.append(data, 0, data.length, 0);
  mf.skip(10_000);
  t.ok(mf.countRepeats(10_000, 15_000, 16, 16) > 200, 'the copy of the first block is found');
  t.equal(mf.countRepeats(5_000, 10_000, 16, 16), 0, 'random bytes repeat nothing');
});
