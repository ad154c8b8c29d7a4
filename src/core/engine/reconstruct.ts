/**
 * Rebuilding an object that is not stored as its original bytes (a delta, or a compact
 * compressed or gzip-aware object) into a verified temp file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseGzipRecipe, rebuildGzip } from '../compress/gzip-recipe.js';
import { decodedBody } from '../compress/storage-compression.js';
import { IntegrityError } from '../errors.js';
import { removeQuietly } from '../spool.js';
import { withCodec, type EngineContext } from './context.js';
import { vanished, VariantChangedError } from './race-errors.js';
import { acquireReference } from './references.js';
import { referenceKeyFor, sameObject, type Resolved } from './resolve.js';

/** Read size when hashing a file. */
const HASH_CHUNK_BYTES = 1024 * 1024;

/**
 * Rebuilds `r` into a temp file and verifies it; the caller removes the file. Stages:
 * stored bytes -> decompress -> VCDIFF decode against the baseline -> gzip rebuild ->
 * SHA-256 and size check.
 */
export async function reconstruct(ctx: EngineContext, bucket: string, r: Resolved, signal?: AbortSignal): Promise<{ path: string; size: number }> {
  const what = `${bucket}/${r.stored.key}`;
  const isDelta = r.info.storageType === 'delta' || r.info.storageType === 'reference';
  const recipe = r.meta.gzip !== undefined ? parseGzipRecipe(r.meta.gzip, what) : undefined;
  const refKey = isDelta ? referenceKeyFor(r.info.key, r.meta) : undefined;
  if (isDelta && refKey === undefined) {
    throw new IntegrityError(`the delta ${what} names the reference "${r.meta.refKey}", which is not a baseline of its deltaspace: refusing to read it`);
  }
  const storedGot = await ctx.store.getObject(bucket, r.stored.key).catch(vanished(r.info.key));
  if (!sameObject(storedGot.info, r.stored)) {
    storedGot.body.destroy();
    throw new VariantChangedError(`${what} changed between its HEAD and its GET`);
  }
  const storedPath = ctx.temp.file('delta-in');
  const innerPath = ctx.temp.file('inner');
  const outPath = ctx.temp.file('out');
  try {
    await pipeline(decodedBody(storedGot.body, r.meta.compression, `the stored bytes of ${what}`), createWriteStream(storedPath), { signal });
    const t0 = performance.now();
    let decodedPath = storedPath;
    let decodedSha: string | undefined;
    if (isDelta) {
      const reference = await acquireReference(ctx, bucket, refKey as string, r.meta.refSha256);
      try {
        const decoded = await withCodec(ctx, () =>
          ctx.options.codec.decode(reference.path, storedPath, innerPath, {
            signal,
            maxOutputBytes: recipe ? recipe.innerSize : r.meta.fileSize,
          }),
        ).catch((err) => {
          throw new IntegrityError(`the delta ${r.stored.key} in bucket ${bucket} could not be decoded: ${(err as Error).message}`, { cause: err });
        });
        decodedPath = innerPath;
        decodedSha = decoded.sha256;
      } finally {
        reference.release();
      }
    }
    let size: number;
    let sha: string;
    if (recipe) {
      const innerSize = (await stat(decodedPath)).size;
      if (innerSize !== recipe.innerSize) throw new IntegrityError(`the inner stream of ${what} has ${innerSize} bytes, its gzip recipe says ${recipe.innerSize}`);
      if (decodedSha !== undefined && decodedSha !== recipe.innerSha256) throw new IntegrityError(`the inner stream of ${what} has SHA-256 ${decodedSha}, its gzip recipe says ${recipe.innerSha256}`);
      ({ size, sha256: sha } = await rebuildGzip(decodedPath, recipe, outPath, signal));
    } else {
      await rename(decodedPath, outPath);
      size = (await stat(outPath)).size;
      sha = decodedSha ?? (await sha256File(outPath));
    }
    const expected = r.meta.fileSha256;
    if (expected && sha !== expected) {
      const zlibNote = recipe && recipe.zlibVersion !== process.versions.zlib ? ` (the gzip recipe was made with zlib ${recipe.zlibVersion}, this runtime has ${process.versions.zlib}: its deflate output differs)` : '';
      throw new IntegrityError(`reconstruction of ${r.info.key} in bucket ${bucket} failed verification: SHA-256 ${sha}, expected ${expected}${zlibNote}`);
    }
    if (r.meta.fileSize !== undefined && size !== r.meta.fileSize) {
      throw new IntegrityError(`reconstruction of ${r.info.key} in bucket ${bucket} has ${size} bytes, expected ${r.meta.fileSize}`);
    }
    ctx.options.observer.onDecode?.({ size, decodeMs: performance.now() - t0 });
    return { path: outPath, size };
  } catch (err) {
    await removeQuietly(outPath);
    throw err;
  } finally {
    await Promise.all([removeQuietly(storedPath), removeQuietly(innerPath)]);
  }
}

/** Hex SHA-256 of a file. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => hash.update(c));
  await pipeline(createReadStream(path, { highWaterMark: HASH_CHUNK_BYTES }), sink);
  return hash.digest('hex');
}
