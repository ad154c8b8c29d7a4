import { CodecFailedError } from '../../errors.js';
import { adler32 } from './adler32.js';
import { executeWindow } from './execute-window.js';
import { InstructionWriter } from './instruction-writer.js';
import { XzSectionDecoder, XzSectionEncoder } from '../lzma/index.js';

/** Smallest LZMA dictionary: the decoder's ring wraps every 4 KiB of a section. */
const WARM_UP_DICT = 4 << 10;
const SOURCE_BYTES = 24 << 10;
const TARGET_BYTES = (96 << 10) + 5;
/** Decode passes over the warm-up window: enough for V8 to optimize the loops during the warm-up. */
const DECODE_ROUNDS = 8;

/**
 * Runs the decoder's hot loops (LZMA sections, instructions, Adler-32) once
 * over a small synthetic window that reaches every branch: literals and
 * matched literals, new and repeated distances of every length and distance
 * class, a wrapping LZMA ring, short and long ADD/COPY/RUN, copies across the
 * source end and overlapping ones. Throws if the window does not decode to
 * what was encoded (it doubles as a self-test).
 *
 * Why: V8 optimizes a hot function with the type feedback it has seen. Code
 * not yet run at that moment (a long match, a ring wrap, a matched literal)
 * becomes a deoptimization point, and meeting it later drops the whole loop
 * back to the interpreter until it is optimized again. Measured in a fresh
 * worker, the first decode of a zip delta took ~210 ms of CPU and the
 * tenth ~25 ms; of an executable delta 440 ms and ~170 ms. After this
 * warm-up the first ones take ~50 ms and ~200 ms. The warm-up itself costs
 * ~150-200 ms of CPU (mostly encoding its window), so the codec worker runs it
 * once, before its first decode job (codec-worker.ts), not at start.
 */
export function warmUpDecoder(): void {
  const random = prng(0x5eed);
  const source = new Uint8Array(SOURCE_BYTES);
  for (let i = 0; i < source.length; i++) source[i] = i % 7 === 0 ? random() & 0xff : (i >> 5) & 0xff;
  const target = new Uint8Array(TARGET_BYTES);
  const w = new InstructionWriter();
  const lengths = [1, 2, 3, 4, 5, 6, 9, 17, 18, 19, 40, 70, 300, 2000, 4, 5, 1, 2];
  const phrase = new Uint8Array(300).map(() => random() & 0xff);
  let t = 0;
  for (let k = 0; t < TARGET_BYTES; k++) {
    const len = Math.min(TARGET_BYTES - t, lengths[k % lengths.length]!);
    const here = SOURCE_BYTES + t;
    switch (k % 6) {
      case 0: {
        // Literals: random ones, and a repeated phrase (long LZMA matches in the data section).
        const from = k % 12 === 0 ? phrase : new Uint8Array(len).map(() => random() & 0xff);
        target.set(from.subarray(0, len), t);
        w.add(target, t, t + len);
        break;
      }
      case 1:
        target.fill(k & 0xff, t, t + len);
        w.run(k & 0xff, len);
        break;
      case 2: {
        // From the source; every third one from the same address (the address cache's modes).
        const addr = k % 18 === 2 ? 1000 : random() % (SOURCE_BYTES - len);
        target.set(source.subarray(addr, addr + len), t);
        w.copy(addr, len, here);
        break;
      }
      case 3: {
        // Across the source end into the target.
        const addr = SOURCE_BYTES - Math.min(len, 8);
        for (let i = 0; i < len; i++) target[t + i] = addr + i < SOURCE_BYTES ? source[addr + i]! : target[addr + i - SOURCE_BYTES]!;
        w.copy(addr, len, here);
        break;
      }
      default: {
        // From the target, overlapping by a short or a long period when it can.
        const period = Math.min(t, k % 2 === 0 ? 1 + (k % 13) : 64 + (k % 50));
        if (period === 0) {
          w.add(target, t, t + len);
          break;
        }
        for (let i = 0; i < len; i++) target[t + i] = target[t - period + i]!;
        w.copy(here - period, len, here);
      }
    }
    t += len;
  }
  w.flush();
  const plain = [w.data.view(), w.inst.view(), w.addr.view()];
  const packed = plain.map((section) => new XzSectionEncoder({ dictSize: WARM_UP_DICT, level: 0 }).encode(section));
  const out = new Uint8Array(TARGET_BYTES);
  // Decoding is cheap next to encoding: repeated until V8 has optimized the loops.
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    const sections = packed.map((p, k) => {
      // As Buffers, the way the decoder meets them (a view of the delta file's buffer).
      const decoded = new XzSectionDecoder().decode(Buffer.from(p), plain[k]!.length);
      if (!equal(decoded, plain[k]!)) throw new CodecFailedError('decoder warm-up: an LZMA section did not round-trip');
      return decoded;
    });
    executeWindow(Buffer.from(source), out, sections[0]!, sections[1]!, sections[2]!);
    if (adler32(out) !== adler32(target) || !equal(out, target)) throw new CodecFailedError('decoder warm-up: the window did not decode to its target');
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Deterministic bytes (mulberry32): the warm-up is the same every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return (x ^ (x >>> 14)) >>> 0;
  };
}
