/**
 * Whole-object compression for the compact profile (baselines, objects whose delta
 * loses, large deltas). Streams only: a 1 GiB baseline never sits in a JS buffer.
 *
 * Brotli from node:zlib is what we write. Measured on the bench families (first
 * version of each; docs/OPERATIONS.md "Choosing a profile"): brotli quality 7 with a
 * 16 MiB window comes within 1-12% of zstd -19 --long's size at 4-20x its speed;
 * the WebAssembly zstd builds on npm either take whole buffers only
 * (@bokuweb/zstd-wasm, zstd-codec) or share one stream state per process and
 * decompress at 4-10 MB/s (@hpcc-js/wasm-zstd), and Node 20 has no zstd of its own.
 * `zstd` objects are read where the runtime has zlib's zstd (Node >= 22.15).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { removeQuietly } from '../spool.js';
import { IntegrityError, UnsupportedFormatError } from '../errors.js';

/** The compression of a stored body, as `dg-compression` names it (`none` = stored as is). */
export type StorageCompression = 'none' | 'br' | 'zstd';

/** Brotli quality used when nothing is configured (0-11; 9+ is 3-4x slower on binaries for <1% smaller). */
export const DEFAULT_COMPRESSION_LEVEL = 7;
/** Highest brotli quality. */
export const MAX_COMPRESSION_LEVEL = 11;
/** Brotli window: 2^24 = 16 MiB, the largest the standard format allows (matches across a 16 MiB span). */
export const BROTLI_WINDOW_BITS = 24;

type ZstdZlib = typeof zlib & { createZstdDecompress?: () => Transform };

/** True where node:zlib has zstd (Node >= 22.15, 23.8). */
export function zstdAvailable(): boolean {
  return typeof (zlib as ZstdZlib).createZstdDecompress === 'function';
}

/** A brotli compressor at `level`, tuned for a body of `sizeHint` bytes. */
export function compressStream(level: number, sizeHint?: number): Transform {
  const params: Record<number, number> = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: level,
    [zlib.constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
  };
  if (sizeHint !== undefined) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = Math.min(sizeHint, 2 ** 31 - 1);
  return zlib.createBrotliCompress({ params });
}

/** The decompressor for a `dg-compression` value (throws for one this runtime cannot read). */
export function decompressStream(compression: string): Transform {
  if (compression === 'br') return zlib.createBrotliDecompress();
  if (compression === 'zstd') {
    const create = (zlib as ZstdZlib).createZstdDecompress;
    if (create) return create();
    throw new UnsupportedFormatError(`this object is stored zstd-compressed, which needs Node >= 22.15 (zlib.createZstdDecompress); this is Node ${process.versions.node}`);
  }
  throw new UnsupportedFormatError(`unknown dg-compression "${compression}": written by a newer deltaglider?`);
}

/**
 * `body` decompressed per `compression` (`none`/undefined: as is). A backend error
 * surfaces as it is; a decompression failure (corrupt stored bytes) as an IntegrityError
 * naming `what`, so it is answered as an integrity failure, never retried as a fault.
 */
export function decodedBody(body: Readable, compression: string | undefined, what: string): Readable {
  if (compression === undefined || compression === 'none') return body;
  const decoder = decompressStream(compression);
  const out = new PassThrough();
  body.on('error', (err) => out.destroy(err));
  decoder.on('error', (err) => out.destroy(new IntegrityError(`${what} could not be decompressed (${compression}): ${err.message}`, { cause: err })));
  out.on('close', () => {
    body.destroy();
    decoder.destroy();
  });
  return body.pipe(decoder).pipe(out);
}

/** Bytes read from each of the start, middle and end of a file to estimate its compressed size. */
export const ESTIMATE_SAMPLE_BYTES = 256 * 1024;

/**
 * Estimated brotli size of a file from three samples (start, middle, end), at most
 * 768 KiB in memory. Brotli emits output in large blocks, so a capped compression
 * cannot stop early; the estimate lets a PUT skip a compression that will clearly lose.
 * It errs high on data whose redundancy spans more than a sample (the caller keeps a margin).
 */
export async function estimateCompressedSize(path: string, size: number, level: number): Promise<number> {
  if (size <= 3 * ESTIMATE_SAMPLE_BYTES) {
    const all = await readRange(path, 0, size);
    return zlib.brotliCompressSync(all, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level, [zlib.constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS } }).length;
  }
  let sampled = 0;
  let compressed = 0;
  for (const at of [0, Math.floor(size / 2 - ESTIMATE_SAMPLE_BYTES / 2), size - ESTIMATE_SAMPLE_BYTES]) {
    const sample = await readRange(path, at, ESTIMATE_SAMPLE_BYTES);
    sampled += sample.length;
    compressed += zlib.brotliCompressSync(sample, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level, [zlib.constants.BROTLI_PARAM_LGWIN]: 20 } }).length;
  }
  return Math.ceil((compressed / sampled) * size);
}

async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Thrown inside compressFile when the output passes its cap. */
class OverCapError extends Error {}

/**
 * Compresses `inPath` into `outPath`. Returns the compressed size, or undefined (and no
 * file) once the output would reach `maxOutputBytes`: a compressed form that is not
 * smaller than what we already have is never kept, so it costs no more than needed.
 */
export async function compressFile(inPath: string, outPath: string, options: { level: number; size?: number; maxOutputBytes?: number; signal?: AbortSignal }): Promise<number | undefined> {
  let written = 0;
  const cap = options.maxOutputBytes ?? Number.POSITIVE_INFINITY;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      written += chunk.length;
      if (written >= cap) cb(new OverCapError());
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(inPath, { highWaterMark: 1024 * 1024 }), compressStream(options.level, options.size), counter, createWriteStream(outPath), { signal: options.signal });
    return written;
  } catch (err) {
    await removeQuietly(outPath);
    if (err instanceof OverCapError) return undefined;
    throw err;
  }
}
