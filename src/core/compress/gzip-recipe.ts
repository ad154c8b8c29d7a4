/**
 * gzip-aware storage (compact profile): a gzip upload is stored as its inner stream
 * plus the recipe that turns it back into the exact uploaded bytes.
 *
 * A recipe is only made when re-deflating the inner stream with Node's zlib at PUT
 * time reproduces the upload bit for bit (every npm tarball checked is gunzip + zlib
 * level 9, memLevel 8 with its original 10-byte header). Anything else (another
 * compressor such as GNU gzip or pigz, several members, trailing bytes, a header
 * longer than MAX_GZIP_HEADER_BYTES) takes the plain path. GET rebuilds the gzip and
 * still checks the original's SHA-256 before the first byte.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { IntegrityError } from '../errors.js';
import { removeQuietly, type TempDir } from '../spool.js';

/** Longest gzip header kept in a recipe (S3 user metadata is 2 KB in total). */
export const MAX_GZIP_HEADER_BYTES = 256;
/** Recipe format version (`dg-gzip` starts with `v=1;`). */
export const GZIP_RECIPE_VERSION = 1;

/** How to turn an inner stream back into the uploaded gzip bytes. */
export interface GzipRecipe {
  /** The upload's gzip header, verbatim (10 bytes plus any optional fields). */
  header: Buffer;
  /** The upload's 8-byte trailer (CRC-32 and size of the inner stream), verbatim. */
  trailer: Buffer;
  level: number;
  memLevel: number;
  strategy: number;
  windowBits: number;
  /** Byte count of the inner stream. */
  innerSize: number;
  /** Hex SHA-256 of the inner stream (a seed's delta is against itself: this equals its dg-ref-sha256). */
  innerSha256: string;
  /** `process.versions.zlib` that reproduced the upload (informative: names the deflate that must match). */
  zlibVersion: string;
}

/** The inner stream of a reproducible gzip upload, spooled. */
export interface GzipInner {
  path: string;
  size: number;
  sha256: string;
  md5: string;
  recipe: GzipRecipe;
}

/** Deflate parameter sets tried, most likely first (npm's level 9/memLevel 8, then gzip's default 6). */
const LEVELS = [9, 6, 1, 2, 3, 4, 5, 7, 8];
const MEM_LEVELS = [8, 9];

/** Length of the gzip header in `head`, or undefined when it is not a gzip header we keep. */
export function gzipHeaderLength(head: Buffer): number | undefined {
  if (head.length < 18 || head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8) return undefined;
  const flags = head[3] as number;
  if (flags & 0xe0) return undefined; // reserved bits: not a header we understand
  let at = 10;
  if (flags & 0x04) {
    if (head.length < at + 2) return undefined;
    at += 2 + head.readUInt16LE(at);
  }
  for (const bit of [0x08, 0x10]) {
    if (flags & bit) {
      const end = head.indexOf(0, at);
      if (end < 0) return undefined;
      at = end + 1;
    }
  }
  if (flags & 0x02) at += 2;
  return at <= Math.min(head.length, MAX_GZIP_HEADER_BYTES) ? at : undefined;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

class Mismatch extends Error {}

/** Does deflating `innerPath` with these parameters give exactly bytes [start, end) of `fh`? Stops at the first difference. */
async function reproduces(innerPath: string, fh: FileHandle, start: number, end: number, params: { level: number; memLevel: number; strategy: number; windowBits: number }): Promise<boolean> {
  let at = start;
  const compare = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (at + chunk.length > end) return cb(new Mismatch());
      readAt(fh, at, chunk.length).then((orig) => {
        if (!orig.equals(chunk)) return cb(new Mismatch());
        at += chunk.length;
        cb();
      }, cb);
    },
  });
  try {
    await pipeline(createReadStream(innerPath, { highWaterMark: 256 * 1024 }), zlib.createDeflateRaw(params), compare);
    return at === end;
  } catch (err) {
    if (err instanceof Mismatch) return false;
    throw err;
  }
}

/**
 * Inflates a gzip upload and finds the zlib parameters that reproduce it. Returns
 * undefined (nothing left behind) when the body is not gzip or cannot be reproduced;
 * the caller removes `path` of a result.
 */
export async function probeGzip(spool: { path: string; size: number }, temp: TempDir, options: { maxInnerBytes: number; signal?: AbortSignal }): Promise<GzipInner | undefined> {
  if (spool.size < 18) return undefined;
  const fh = await open(spool.path, 'r');
  const innerPath = temp.file('gz-inner');
  let keep = false;
  try {
    const headerLength = gzipHeaderLength(await readAt(fh, 0, MAX_GZIP_HEADER_BYTES));
    if (headerLength === undefined) return undefined;
    const header = await readAt(fh, 0, headerLength);
    const trailer = await readAt(fh, spool.size - 8, 8);
    const hash = createHash('sha256');
    const md5 = createHash('md5');
    let innerSize = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        innerSize += chunk.length;
        if (innerSize > options.maxInnerBytes) return cb(new Mismatch());
        hash.update(chunk);
        md5.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(createReadStream(spool.path, { start: headerLength, end: spool.size - 9, highWaterMark: 1024 * 1024 }), zlib.createInflateRaw(), counter, createWriteStream(innerPath), { signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      return undefined; // not a deflate stream we can read, or an inflate bomb: plain path
    }
    // The trailer must describe this inner stream (size mod 2^32), or there is more than one member.
    if (trailer.readUInt32LE(4) !== innerSize % 2 ** 32) return undefined;
    const hint = header[8] === 4 ? 1 : header[8] === 2 ? 9 : 6;
    const levels = [hint, ...LEVELS.filter((l) => l !== hint)];
    for (const level of levels) {
      for (const memLevel of MEM_LEVELS) {
        const params = { level, memLevel, strategy: zlib.constants.Z_DEFAULT_STRATEGY, windowBits: 15 };
        if (await reproduces(innerPath, fh, headerLength, spool.size - 8, params)) {
          keep = true;
          const innerSha256 = hash.digest('hex');
          return { path: innerPath, size: innerSize, sha256: innerSha256, md5: md5.digest('hex'), recipe: { ...params, header, trailer, innerSize, innerSha256, zlibVersion: process.versions.zlib ?? 'unknown' } };
        }
      }
    }
    return undefined;
  } finally {
    await fh.close();
    if (!keep) await removeQuietly(innerPath);
  }
}

/** Writes the gzip bytes a recipe describes from the inner stream at `innerPath`; returns their size and SHA-256. */
export async function rebuildGzip(innerPath: string, recipe: GzipRecipe, outPath: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  let first = true;
  const frame = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (first) {
        first = false;
        this.push(recipe.header);
      }
      cb(null, chunk);
    },
    flush(cb) {
      if (first) this.push(recipe.header);
      cb(null, recipe.trailer);
    },
  });
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const { level, memLevel, strategy, windowBits } = recipe;
  await pipeline(createReadStream(innerPath, { highWaterMark: 1024 * 1024 }), zlib.createDeflateRaw({ level, memLevel, strategy, windowBits }), frame, count, createWriteStream(outPath), { signal });
  return { size, sha256: hash.digest('hex') };
}

/** The `dg-gzip` metadata value of a recipe. */
export function formatGzipRecipe(r: GzipRecipe): string {
  return [
    `v=${GZIP_RECIPE_VERSION}`,
    `level=${r.level}`,
    `mem=${r.memLevel}`,
    `strategy=${r.strategy}`,
    `window=${r.windowBits}`,
    `inner=${r.innerSize}`,
    `inner-sha256=${r.innerSha256}`,
    `header=${r.header.toString('base64url')}`,
    `trailer=${r.trailer.toString('hex')}`,
    `zlib=${r.zlibVersion.replace(/[^\w.-]/g, '_')}`,
  ].join(';');
}

/** Parses a `dg-gzip` value strictly: anything malformed is an IntegrityError, never a guess. */
export function parseGzipRecipe(text: string, what: string): GzipRecipe {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const bad = (why: string): never => {
    throw new IntegrityError(`the gzip recipe (dg-gzip) of ${what} is corrupt: ${why}`);
  };
  if (fields.get('v') !== String(GZIP_RECIPE_VERSION)) bad(`version ${fields.get('v') ?? '(none)'}, this build reads ${GZIP_RECIPE_VERSION}`);
  const int = (name: string, min: number, max: number): number => {
    const raw = fields.get(name) ?? '';
    const v = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(v >= min && v <= max)) bad(`${name}=${raw || '(none)'} is not in ${min}..${max}`);
    return v;
  };
  const header = Buffer.from(fields.get('header') ?? '', 'base64url');
  if (gzipHeaderLength(Buffer.concat([header, Buffer.alloc(18)])) !== header.length) bad('header is not a gzip header');
  const innerSha256 = fields.get('inner-sha256') ?? '';
  if (!/^[0-9a-f]{64}$/.test(innerSha256)) bad('inner-sha256 is not a hex SHA-256');
  const trailerHex = fields.get('trailer') ?? '';
  if (!/^[0-9a-f]{16}$/.test(trailerHex)) bad('trailer is not 8 bytes of hex');
  return {
    header,
    trailer: Buffer.from(trailerHex, 'hex'),
    level: int('level', 0, 9),
    memLevel: int('mem', 1, 9),
    strategy: int('strategy', 0, 4),
    windowBits: int('window', 9, 15),
    innerSize: int('inner', 0, Number.MAX_SAFE_INTEGER),
    innerSha256,
    zlibVersion: fields.get('zlib') ?? 'unknown',
  };
}
