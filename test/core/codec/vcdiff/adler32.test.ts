import t from 'tap';
import { deflateSync } from 'node:zlib';
import { adler32 } from '../../../../src/core/codec/vcdiff/index.js';
import { randomBytes, rng } from './helpers.js';

/** zlib's own Adler-32: the trailer of a zlib stream. */
function zlibAdler(data: Uint8Array): number {
  const z = deflateSync(data, { level: 0 });
  return z.readUInt32BE(z.length - 4);
}

t.test('Adler-32 agrees with zlib at every block and unroll boundary', async (t) => {
  const r = rng(5);
  for (const n of [0, 1, 15, 16, 17, 31, 1023, 1024, 1025, 5551, 5552, 5553, 100_000, 3_000_001]) {
    const data = randomBytes(r, n);
    t.equal(adler32(data), zlibAdler(data), `${n} random bytes`);
    const ff = Buffer.alloc(n, 0xff);
    t.equal(adler32(ff), zlibAdler(ff), `${n} bytes of 0xff (largest sums)`);
  }
  const data = randomBytes(r, 10_000);
  t.equal(adler32(data, 1234, 9876), zlibAdler(data.subarray(1234, 9876)), 'a sub-range');
});
