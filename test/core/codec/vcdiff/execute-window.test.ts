import t from 'tap';
import { CodecFailedError } from '../../../../src/core/errors.js';
import { executeWindow } from '../../../../src/core/codec/vcdiff/index.js';
import { randomBytes, rng } from './helpers.js';

// Default code table opcodes with an explicit size (RFC 3284 section 5.6).
const OP_RUN = 0;
const OP_ADD = 1;
const OP_COPY_SELF = 19;

function varint(v: number): number[] {
  const out = [v & 0x7f];
  for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) out.unshift(0x80 | (v & 0x7f));
  return out;
}

interface Sections {
  data: number[];
  inst: number[];
  addr: number[];
  /** The window as the RFC defines it, one byte at a time. */
  expected: number[];
}

/**
 * Random instructions of every length around the decoder's byte-loop threshold:
 * ADDs, RUNs, copies from the source, copies that run from the source end into
 * the target, and target copies overlapping by every period from 1 up.
 */
function randomWindow(r: () => number, source: Buffer, targetLen: number): Sections {
  const s: Sections = { data: [], inst: [], addr: [], expected: [] };
  const sizes = [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 64, 100, 1000, 5000];
  while (s.expected.length < targetLen) {
    const size = Math.min(targetLen - s.expected.length, sizes[Math.floor(r() * sizes.length)]!);
    const here = source.length + s.expected.length;
    const kind = Math.floor(r() * 5);
    if (kind === 0 || here === 0) {
      const bytes = [...randomBytes(r, size)];
      s.inst.push(OP_ADD, ...varint(size));
      s.data.push(...bytes);
      s.expected.push(...bytes);
      continue;
    }
    if (kind === 1) {
      const b = Math.floor(r() * 256);
      s.inst.push(OP_RUN, ...varint(size));
      s.data.push(b);
      for (let k = 0; k < size; k++) s.expected.push(b);
      continue;
    }
    // A copy: from anywhere in the source, across its end, or from just behind `here`.
    let addr: number;
    if (kind === 2) addr = Math.floor(r() * here);
    else if (kind === 3) addr = Math.max(0, source.length - 1 - Math.floor(r() * 40));
    else addr = here - 1 - Math.floor(r() * Math.min(here, 40));
    if (addr >= here) addr = here - 1;
    s.inst.push(OP_COPY_SELF, ...varint(size));
    s.addr.push(...varint(addr));
    for (let k = 0; k < size; k++) {
      const a = addr + k;
      s.expected.push(a < source.length ? source[a]! : s.expected[a - source.length]!);
    }
  }
  return s;
}

t.test('every instruction kind and length decodes as the RFC defines it, byte by byte', async (t) => {
  const r = rng(17);
  for (let round = 0; round < 40; round++) {
    const source = randomBytes(r, round % 4 === 0 ? 0 : 1 + Math.floor(r() * 3000));
    const s = randomWindow(r, source, 1 + Math.floor(r() * 20_000));
    const target = Buffer.alloc(s.expected.length);
    executeWindow(source, target, Uint8Array.from(s.data), Uint8Array.from(s.inst), Uint8Array.from(s.addr));
    t.ok(target.equals(Buffer.from(s.expected)), `round ${round}: ${s.expected.length} bytes, ${source.length}-byte source`);
  }
});

t.test('bad windows are errors: overruns, addresses ahead of here, short and unused sections', async (t) => {
  const src = Buffer.from('abcdefgh');
  const run = (target: number, data: number[], inst: number[], addr: number[]): void =>
    executeWindow(src, Buffer.alloc(target), Uint8Array.from(data), Uint8Array.from(inst), Uint8Array.from(addr));
  t.throws(() => run(4, [1, 2, 3, 4, 5], [OP_ADD, 5], []), CodecFailedError, 'ADD past the window end');
  t.throws(() => run(40, [1], [OP_ADD, 20], []), CodecFailedError, 'ADD past the data section');
  t.throws(() => run(4, [], [OP_RUN, 4], []), CodecFailedError, 'RUN without its byte');
  t.throws(() => run(4, [], [OP_COPY_SELF, 4], [8]), CodecFailedError, 'COPY from here');
  t.throws(() => run(4, [], [OP_COPY_SELF, 4], []), CodecFailedError, 'COPY without its address');
  t.throws(() => run(4, [], [OP_COPY_SELF, 4], [0x80, 0x80]), CodecFailedError, 'truncated address');
  t.throws(() => run(4, [], [OP_COPY_SELF, 0x80], [0]), CodecFailedError, 'truncated size');
  t.throws(() => run(4, [], [OP_COPY_SELF, ...Array(10).fill(0x80), 1], [0]), CodecFailedError, 'overlong size');
  t.throws(() => run(4, [9], [OP_COPY_SELF, 4], [0]), CodecFailedError, 'unused data');
  t.throws(() => run(8, [], [OP_COPY_SELF, 4], [0]), CodecFailedError, 'window not filled');
  t.doesNotThrow(() => run(4, [], [OP_COPY_SELF, 4], [4]), 'a valid copy');
});
