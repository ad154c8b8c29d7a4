import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findXdelta3Sync } from '../../../../src/core/codec/create-codec.js';

/** The xdelta3 binary on PATH (the codec's fallback looks there too), if any. */
export const XDELTA3 = findXdelta3Sync();
export const NO_XDELTA3 = 'xdelta3 is not on PATH (the no-xdelta3 CI pass)';

/** Deterministic PRNG (mulberry32) so failures reproduce from the seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random bytes; `alphabet` < 256 gives compressible, repetitive data. */
export function randomBytes(r: () => number, n: number, alphabet = 256): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * alphabet);
  return b;
}

/** Structured data: repeated records with counters, like tables in binaries. */
export function structured(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  const rec = randomBytes(r, 24 + Math.floor(r() * 40), 64);
  for (let i = 0, k = 0; i < n; i += rec.length, k++) {
    rec.copy(b, i, 0, Math.min(rec.length, n - i));
    if (i + 4 <= n) b.writeUInt32LE(k * 7 + 0x400000, i);
  }
  return b;
}

/** A new version of `ref`: substitutions, inserts, deletes, moved blocks, 4-byte pointer bumps. */
export function mutate(r: () => number, ref: Buffer, edits: number): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  const cuts = Array.from({ length: edits }, () => Math.floor(r() * ref.length)).sort((a, b) => a - b);
  for (const c of cuts) {
    if (c < pos) continue;
    parts.push(ref.subarray(pos, c));
    const kind = Math.floor(r() * 5);
    const len = 1 + Math.floor(r() * 64);
    if (kind === 0) {
      parts.push(randomBytes(r, len));
      pos = Math.min(ref.length, c + len);
    } else if (kind === 1) {
      parts.push(randomBytes(r, len));
      pos = c;
    } else if (kind === 2) {
      pos = Math.min(ref.length, c + len);
    } else if (kind === 3) {
      const from = Math.floor(r() * ref.length);
      parts.push(ref.subarray(from, Math.min(ref.length, from + len * 16)));
      pos = c;
    } else {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(Math.floor(r() * 2 ** 32));
      parts.push(b);
      pos = Math.min(ref.length, c + 4);
    }
  }
  parts.push(ref.subarray(pos));
  return Buffer.concat(parts);
}

/** A temp dir removed at teardown. */
export function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vcdiff-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs xdelta3 with `args`; throws on a non-zero exit. */
export function xdelta3(args: string[]): void {
  if (!XDELTA3) throw new Error(NO_XDELTA3);
  execFileSync(XDELTA3, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
