/**
 * Deterministic test data shaped like versioned release artifacts: each version
 * is the previous one with a few small edits, an insertion and a moved block,
 * so deltas are small but not trivial.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** xorshift32: reproducible bytes without a dependency. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** `size` pseudo-random bytes, somewhat compressible (like a binary). */
export function randomBytesSeeded(size: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) {
    const v = next();
    // Low entropy in every other byte, as in real executables.
    out[i] = v & 0xff;
    if (i + 1 < size) out[i + 1] = (v >>> 8) & 0x0f;
    if (i + 2 < size) out[i + 2] = (v >>> 16) & 0xff;
    if (i + 3 < size) out[i + 3] = 0;
  }
  return out;
}

/** Versions 0..count-1 of an artifact of about `size` bytes. */
export function versions(size: number, count: number, seed = 1): Buffer[] {
  const out: Buffer[] = [randomBytesSeeded(size, seed)];
  const next = prng(seed * 7919);
  for (let v = 1; v < count; v++) {
    const prev = out[v - 1] as Buffer;
    const cur = Buffer.from(prev);
    for (let e = 0; e < 20; e++) {
      const at = next() % Math.max(1, cur.length - 64);
      randomBytesSeeded(32, next()).copy(cur, at);
    }
    const insertAt = next() % Math.max(1, cur.length);
    out.push(Buffer.concat([cur.subarray(0, insertAt), randomBytesSeeded(1000, next()), cur.subarray(insertAt)]));
  }
  return out;
}

/** Writes buffers to a fresh temp dir; returns their paths. */
export function writeTemp(files: Record<string, Buffer>): { dir: string; paths: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'dg-test-'));
  const paths: Record<string, string> = {};
  for (const [name, buf] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name] as string, buf);
  }
  return { dir, paths };
}
