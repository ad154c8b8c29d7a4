/**
 * Baselines: finding a deltaspace's current one, writing a new one, and holding verified
 * local copies (the reference cache) for encoders and decoders.
 */
import { copyFile, rename } from 'node:fs/promises';
import type { CachedReference } from '../cache/reference-cache.js';
import { decodedBody, compressFile } from '../compress/storage-compression.js';
import { IntegrityError, NoSuchKeyError, PreconditionFailedError } from '../errors.js';
import { fileNameOf, generationOf, REFERENCE_NAME } from '../format/keys.js';
import { parseMetadata, referenceMetadata } from '../format/metadata.js';
import { removeQuietly, spoolToFile } from '../spool.js';
import { listAll } from '../store/list-all.js';
import { referenceId, type EngineContext } from './context.js';
import { compactFields, type SourceFile } from './put-fields.js';
import { ReferenceMissingError } from './race-errors.js';
import { assertReadableProfile } from './resolve.js';

/** A baseline on the backend: `reference.bin` is generation 0, compact ones count from 1. */
export interface Baseline {
  key: string;
  generation: number;
  storedSize: number;
}

/**
 * The baseline new deltas of a deltaspace use: its newest compact baseline, else its
 * compatible `reference.bin` (generation 0), else none. One LIST of `P/reference.` finds both.
 */
export async function currentBaseline(ctx: EngineContext, bucket: string, space: string): Promise<Baseline | undefined> {
  const baselines = await listBaselines(ctx, bucket, space);
  return baselines[baselines.length - 1];
}

/** A deltaspace's baselines, oldest generation first (`reference.bin` is generation 0). */
export async function listBaselines(ctx: EngineContext, bucket: string, space: string): Promise<Baseline[]> {
  const prefix = `${space === '' ? '' : `${space}/`}reference.`;
  const found: Baseline[] = [];
  for await (const o of listAll(ctx.store, bucket, prefix, { delimiter: '/' })) {
    const generation = fileNameOf(o.key) === REFERENCE_NAME ? 0 : generationOf(o.key);
    if (generation !== undefined) found.push({ key: o.key, generation, storedSize: o.size });
  }
  return found.sort((a, b) => a.generation - b.generation);
}

/** Writes a compact baseline (compressed when that is smaller); its stored size, or undefined when another writer created it first. */
export async function storeBaseline(ctx: EngineContext, bucket: string, refKey: string, source: SourceFile, sourceKey: string): Promise<number | undefined> {
  const packed = ctx.temp.file('ref-br');
  try {
    const compressed = await compressFile(source.path, packed, { level: ctx.options.compressionLevel, size: source.size, maxOutputBytes: source.size });
    const body = compressed !== undefined ? { path: packed, size: compressed } : { path: source.path, size: source.size };
    try {
      await ctx.store.putObject(bucket, refKey, body, {
        metadata: referenceMetadata({ fileSha256: source.sha256, fileSize: source.size, md5: source.md5, createdAt: new Date(), sourceKey, compact: compactFields(compressed !== undefined ? 'br' : 'none') }),
        contentType: 'application/octet-stream',
        ifNoneMatch: true,
        md5: compressed !== undefined ? undefined : source.md5,
      });
    } catch (err) {
      if (err instanceof PreconditionFailedError) return undefined;
      throw err;
    }
    await seedReferenceCache(ctx, bucket, refKey, source);
    return body.size;
  } finally {
    await removeQuietly(packed);
  }
}

/** Caches a just-created reference from its spool, so the next PUT or GET does not download it. */
export async function seedReferenceCache(ctx: EngineContext, bucket: string, refKey: string, spool: SourceFile): Promise<void> {
  const id = referenceId(bucket, refKey);
  ctx.references.invalidate(id);
  const held = await ctx.references.acquire(id, async () => {
    const path = ctx.temp.file('ref');
    await copyFile(spool.path, path);
    return { path, size: spool.size, sha256: spool.sha256, etag: spool.md5 };
  });
  held.release();
}

/** A verified local copy of a reference, held until release(). */
export async function acquireReference(ctx: EngineContext, bucket: string, refKey: string, expectedSha?: string): Promise<CachedReference & { release: () => void }> {
  const id = referenceId(bucket, refKey);
  const load = async (): Promise<CachedReference> => {
    const got = await ctx.store.getObject(bucket, refKey).catch((err) => {
      if (err instanceof NoSuchKeyError) throw new ReferenceMissingError(`the reference ${refKey} is missing from bucket ${bucket}: deltas in this deltaspace cannot be reconstructed`, { cause: err });
      throw err;
    });
    const meta = parseMetadata(got.info.metadata);
    assertReadableProfile(meta, `the reference ${refKey} in bucket ${bucket}`);
    const compressed = meta.compression !== undefined && meta.compression !== 'none';
    if (compressed && !meta.fileSha256) {
      got.body.destroy();
      throw new IntegrityError(`the compressed reference ${refKey} in bucket ${bucket} has no dg-file-sha256: it cannot be verified`);
    }
    const spool = await spoolToFile(decodedBody(got.body, meta.compression, `the reference ${refKey} in bucket ${bucket}`), ctx.temp);
    if (meta.fileSha256 && meta.fileSha256 !== spool.sha256) {
      await removeQuietly(spool.path);
      throw new IntegrityError(`the reference ${refKey} in bucket ${bucket} is corrupt: its SHA-256 is ${spool.sha256}, its metadata says ${meta.fileSha256}`);
    }
    // Cache files carry their own label, so a temp-dir audit can tell them from spools.
    const path = ctx.temp.file('ref');
    await rename(spool.path, path);
    return { path, size: spool.size, sha256: spool.sha256, etag: got.info.etag };
  };
  let held = await ctx.references.acquire(id, load);
  if (expectedSha && held.reference.sha256 !== expectedSha) {
    // A stale cache entry (the reference was replaced behind our back): reload once.
    held.release();
    ctx.references.invalidate(id);
    held = await ctx.references.acquire(id, load);
    if (held.reference.sha256 !== expectedSha) {
      held.release();
      throw new IntegrityError(`the reference ${refKey} in bucket ${bucket} has SHA-256 ${held.reference.sha256}, but the delta was made against ${expectedSha}`);
    }
  }
  return { ...held.reference, release: held.release };
}
