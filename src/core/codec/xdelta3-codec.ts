/**
 * The `xdelta3` binary as a codec: the same program the existing DeltaGlider
 * tools run, so its deltas are the reference for compatibility.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CodecFailedError, CodecUnavailableError, DeltaTooLargeError } from '../errors.js';
import { readVcdiffHeader, usesExternalCompression } from './vcdiff/header.js';
import type { DecodeOptions, DecodeResult, DeltaCodec, EncodeOptions, EncodeResult } from './codec.js';
import type { CodecLevel } from './codec-level.js';

/** xdelta3 compression level we encode with (see docs/OPERATIONS.md "Codec settings" for the measurements). */
export const DEFAULT_XDELTA3_LEVEL = 6;
/** Secondary compression: `lzma` gives 20-37% smaller deltas than `none` on the bench binaries. */
export const DEFAULT_XDELTA3_SECONDARY = 'lzma';
/**
 * Default cap on xdelta3's source window (`-B`). xdelta3 allocates the whole window, so
 * its memory follows it: 64 MiB keeps a proxy under 300 MB whatever the object size
 * (bench/RESULTS.md "Memory"; with -B = reference size a 200 MiB object took 501 MiB).
 * Raise it (`maxSourceWindow`) to find matches farther apart in very large references.
 */
export const MAX_XDELTA3_SOURCE_WINDOW = 64 * 1024 * 1024;
const MIN_SOURCE_WINDOW = 64 * 1024 * 1024;

/** xdelta3's level for a named one; `default` (absent here) keeps the configured level. */
const XDELTA3_LEVEL_OF: Partial<Record<CodecLevel, number>> = { fast: 3, best: 9 };

export interface Xdelta3CodecOptions {
  /** Path or name of the binary. Default `xdelta3` (looked up on PATH). */
  binary?: string;
  /** Compression level 0..9. Default DEFAULT_XDELTA3_LEVEL. */
  level?: number;
  /** Secondary compression (`lzma`, `djw`, `fgk`, `none`). Default DEFAULT_XDELTA3_SECONDARY. */
  secondary?: 'lzma' | 'djw' | 'fgk' | 'none';
  /** Largest `-B` source window in bytes (memory grows with it). Default 64 MiB. */
  maxSourceWindow?: number;
}

export const XDELTA3_MISSING_MESSAGE =
  'The xdelta3 binary was not found on PATH. Install it (Debian/Ubuntu: apt-get install xdelta3; macOS: brew install xdelta3) or use codec "typescript".';

/** Source window size: the reference rounded up to a power of two, within [64 MiB, max]. */
function sourceWindow(referenceSize: number, max: number): number {
  let w = MIN_SOURCE_WINDOW;
  while (w < referenceSize && w < max) w *= 2;
  return w;
}

/** Runs xdelta3 with stdout to `outPath`, killing it once `maxBytes` is exceeded. */
function run(binary: string, args: string[], outPath: string, maxBytes: number | undefined, signal: AbortSignal | undefined): Promise<{ size: number; tooLarge: boolean; sha256: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(outPath);
    // Hashed on the way to disk, so a GET does not read the reconstruction twice.
    const hash = createHash('sha256');
    let size = 0;
    let tooLarge = false;
    let stderr = '';
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      out.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      fail(err.code === 'ENOENT' ? new CodecUnavailableError(XDELTA3_MISSING_MESSAGE, { cause: err }) : new CodecFailedError(`xdelta3 could not start: ${err.message}`, { cause: err }));
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (maxBytes !== undefined && size > maxBytes) {
        tooLarge = true;
        child.kill('SIGKILL');
        child.stdout.destroy();
        return;
      }
      hash.update(chunk);
      if (!out.write(chunk)) {
        child.stdout.pause();
        out.once('drain', () => child.stdout.resume());
      }
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (settled) return;
      out.end(() => {
        if (settled) return;
        settled = true;
        if (tooLarge) return resolve({ size, tooLarge, sha256: '' });
        if (code !== 0) return reject(new CodecFailedError(`xdelta3 ${args[0]} failed (exit ${code}): ${stderr.trim() || 'no message'}`));
        resolve({ size, tooLarge, sha256: hash.digest('hex') });
      });
    });
    out.on('error', (err) => fail(err));
  });
}

/** Codec backed by the xdelta3 binary. */
export class Xdelta3Codec implements DeltaCodec {
  readonly name = 'xdelta3';
  readonly #binary: string;
  readonly #level: number;
  readonly #secondary: string;
  readonly #maxWindow: number;

  constructor(options: Xdelta3CodecOptions = {}) {
    const { binary = 'xdelta3', level = DEFAULT_XDELTA3_LEVEL, secondary = DEFAULT_XDELTA3_SECONDARY, maxSourceWindow = MAX_XDELTA3_SOURCE_WINDOW } = options;
    if (!Number.isInteger(maxSourceWindow) || maxSourceWindow < MIN_SOURCE_WINDOW) throw new RangeError(`xdelta3 maxSourceWindow must be an integer >= ${MIN_SOURCE_WINDOW}, got ${maxSourceWindow}`);
    this.#maxWindow = maxSourceWindow;
    if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`xdelta3 level must be 0..9, got ${level}`);
    if (!['lzma', 'djw', 'fgk', 'none'].includes(secondary)) throw new RangeError(`xdelta3 secondary must be lzma, djw, fgk or none, got ${secondary}`);
    this.#binary = binary;
    this.#level = level;
    this.#secondary = secondary;
  }

  /** Resolves if the binary runs here; rejects with CodecUnavailableError otherwise. */
  static async available(binary = 'xdelta3'): Promise<boolean> {
    return new Promise((resolve) => {
      const child = spawn(binary, ['-V'], { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('close', () => resolve(true));
    });
  }

  async encode(referencePath: string, targetPath: string, deltaPath: string, options: EncodeOptions = {}): Promise<EncodeResult> {
    const refSize = (await stat(referencePath)).size;
    // -D: never gunzip inputs (FORMAT.md); -f: deltaPath may exist; -c: stdout so we can cap it.
    const level = options.level === undefined ? this.#level : XDELTA3_LEVEL_OF[options.level] ?? this.#level;
    const args = ['-e', '-D', '-f', '-c', `-${level}`, '-S', this.#secondary, '-B', String(sourceWindow(refSize, this.#maxWindow)), '-s', referencePath, targetPath];
    const { size, tooLarge } = await run(this.#binary, args, deltaPath, options.maxOutputBytes, options.signal);
    if (tooLarge) throw new DeltaTooLargeError(options.maxOutputBytes ?? 0);
    return { size, command: `xdelta3 -e -D -${level} -S ${this.#secondary}` };
  }

  async decode(referencePath: string, deltaPath: string, outPath: string, options: DecodeOptions = {}): Promise<DecodeResult> {
    const refSize = (await stat(referencePath)).size;
    // A delta made without -D (the Python CLI on a .gz) names its external compression
    // in the app header, and xdelta3 must re-apply it: no -D then. Otherwise -D, or
    // xdelta3 would gunzip a gzip reference on its own and fail the window checksums.
    // The caller verifies the result's SHA-256, so a re-compression that differs from
    // the original bytes is caught, never served.
    const external = usesExternalCompression((await readVcdiffHeader(deltaPath).catch(() => ({ appHeader: undefined }))).appHeader);
    const args = ['-d', '-f', '-c', ...(external ? [] : ['-D']), '-B', String(sourceWindow(refSize, this.#maxWindow)), '-s', referencePath, deltaPath];
    const { size, tooLarge, sha256 } = await run(this.#binary, args, outPath, options.maxOutputBytes, options.signal);
    if (tooLarge) throw new CodecFailedError(`xdelta3 decode produced more than the expected ${options.maxOutputBytes} bytes: the delta is corrupt`);
    return { size, sha256 };
  }
}
