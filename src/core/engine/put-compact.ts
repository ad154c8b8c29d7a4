/**
 * Compact profile (docs/STORAGE_FORMAT.md addendum): the source (the upload, or the
 * inner stream of a reproducible gzip upload) is delta-encoded against the deltaspace's
 * newest baseline, and the object is stored as the smallest of that delta (compressed
 * when that pays), the source compressed on its own, or the upload as is. A delta that
 * has drifted far from its baseline makes the upload the next baseline (rotation).
 */
import { probeGzip, type GzipInner } from '../compress/gzip-recipe.js';
import { compressFile, estimateCompressedSize } from '../compress/storage-compression.js';
import { DeltaTooLargeError, IntegrityError } from '../errors.js';
import { compactReferenceKeyOf, deltaKeyOf, deltaspaceOf, fileNameOf } from '../format/keys.js';
import { groupBaselineKeyOf, versionGroupOf } from '../format/version-folders.js';
import { compressedMetadata, deltaMetadata } from '../format/metadata.js';
import { removeQuietly, type Spool } from '../spool.js';
import { groupLock, keyLock, referenceId, spaceLock, withCodec, type EngineContext } from './context.js';
import { compactFields, selfReference, type HeldReference, type PutFields, type SourceFile } from './put-fields.js';
import { COMPACT_MIN_SIMILARITY, isPoorBaseline, passthroughReason, type UploadContent } from './put-eligibility.js';
import { putPassthrough } from './put-passthrough.js';
import { ReferenceMissingError } from './race-errors.js';
import { acquireReference, currentBaseline, storeBaseline } from './references.js';
import type { PutObjectResult, StorageType } from './types.js';
import { verifyDelta, writeDeltaVariant } from './write-delta-variant.js';

/** A delta this many times the smallest seen against its baseline counts as drift (rotation's first condition). */
const DRIFT_FACTOR = 2;
/** What storeCompact answers when the upload should become the next baseline. */
const ROTATE = Symbol('rotate baseline');
/**
 * A source whose sampled compressed size is this many times its delta is not compressed
 * in full: the samples err high on data with long-range redundancy, never by this much on
 * the bench families (ts-tar: estimate 1.8x the real size; bcd-json 1.5x; esbuild-bin, ts-zip 1.0x).
 */
const COMPRESSION_SKIP_FACTOR = 3;
/** Deltas smaller than this are not worth a compression attempt (the frame costs more than it saves). */
const MIN_COMPRESSIBLE_DELTA_BYTES = 4096;
/** A compressed delta is kept only below this fraction of the sampled estimate's input. */
const WORTH_COMPRESSING_RATIO = 0.95;
/** Rounds of "find or create a baseline" before giving up (each lost to a concurrent writer). */
const BASELINE_ATTEMPTS = 3;

/** Stores an eligible upload under the compact profile. */
export async function putCompact(ctx: EngineContext, spool: Spool, fields: PutFields, content: UploadContent): Promise<PutObjectResult> {
  const { bucket, key } = fields;
  const space = deltaspaceOf(key);
  // Version folders share their group's baselines (docs/STORAGE_FORMAT.md addendum compact/2).
  const group = versionGroupOf(bucket, key, ctx.options.versionFolders);
  const lockName = group ? groupLock(bucket, group) : spaceLock(bucket, space);
  const gz = ctx.options.gzipAware ? await probeGzip(spool, ctx.temp, { maxInnerBytes: ctx.options.maxDeltaObjectSize, signal: fields.signal }) : undefined;
  const source: SourceFile = gz ?? spool;
  try {
    for (let attempt = 0; ; attempt++) {
      const base = await currentBaseline(ctx, bucket, space, group);
      if (base) {
        try {
          const outcome = await ctx.locks.shared(lockName, async () => {
            const reference = await acquireReference(ctx, bucket, base.key);
            // A compressed baseline gives way to the first plain upload (a new generation).
            if ((gz !== undefined || content.compressed === undefined) && (await isPoorBaseline(reference).catch(() => false))) {
              reference.release();
              return ROTATE;
            }
            return storeCompact(ctx, spool, gz, fields, base.key, reference, false, base.storedSize, gz ? undefined : content);
          });
          if (outcome !== ROTATE) return outcome;
        } catch (err) {
          if (!(err instanceof ReferenceMissingError)) throw err;
        }
      }
      // No baseline yet, or the deltas against it have grown past the rotation point:
      // this upload becomes the next generation (exclusive: one creator; old deltas keep theirs).
      const generation = (base?.generation ?? 0) + 1;
      const refKey = group ? groupBaselineKeyOf(group, generation) : compactReferenceKeyOf(space, generation);
      const done = await ctx.locks.exclusive(lockName, async () => {
        if ((await currentBaseline(ctx, bucket, space, group))?.key !== base?.key) return undefined; // someone else got there first
        const stored = await storeBaseline(ctx, bucket, refKey, source, key);
        if (stored === undefined) return undefined; // another process created it first
        const result = (await storeCompact(ctx, spool, gz, fields, refKey, selfReference(source), true)) as PutObjectResult;
        if (base) ctx.options.logger.info({ bucket, deltaspace: space, from: base.key, to: refKey, key }, 'new baseline: deltas against the old one had grown past the rotation point');
        return { ...result, storedSize: result.storedSize + stored };
      });
      if (done) return done;
      if (attempt >= BASELINE_ATTEMPTS) throw new IntegrityError(`could not find or create a baseline for ${bucket}/${space === '' ? '(root)' : space} after ${attempt + 1} attempts`);
    }
  } finally {
    if (gz) await removeQuietly(gz.path);
  }
}

/**
 * Stores the smallest of delta, compressed and raw for a compact write against a held
 * baseline, or answers ROTATE (storing nothing) when the delta has grown past the
 * rotation point and this upload should become the next baseline instead.
 * `baselineStored` (bytes the baseline occupies on the backend) enables that check.
 */
async function storeCompact(ctx: EngineContext, spool: Spool, gz: GzipInner | undefined, fields: PutFields, refKey: string, reference: HeldReference, created: boolean, baselineStored?: number, content?: UploadContent): Promise<PutObjectResult | typeof ROTATE> {
  const { bucket, key } = fields;
  const source: SourceFile = gz ?? spool;
  const deltaPath = ctx.temp.file('delta');
  const packedDelta = ctx.temp.file('delta-br');
  const packedSource = ctx.temp.file('obj-br');
  try {
    const level = ctx.options.compressionLevel;
    let delta: { path: string; size: number; compression: string; command: string } | undefined;
    // Compressed content with nothing in common with the baseline: no delta can win.
    const similarity = content && !created ? await content.similarityTo(reference) : undefined;
    const unrelated = similarity !== undefined && similarity < COMPACT_MIN_SIMILARITY;
    const t0 = performance.now();
    if (!unrelated) {
      try {
        // A delta no smaller than the upload itself can never be chosen: stop the encoder there.
        const encoded = await withCodec(ctx, () =>
          ctx.options.codec.encode(reference.path, source.path, deltaPath, { maxOutputBytes: created ? undefined : Math.max(0, spool.size - 1), signal: fields.signal, level: ctx.options.codecLevel }),
        );
        delta = { path: deltaPath, size: encoded.size, compression: 'none', command: encoded.command };
        if (fields.replacing) await verifyDelta(ctx, reference.path, deltaPath, source, fields);
      } catch (err) {
        if (!(err instanceof DeltaTooLargeError)) throw err;
      }
    }
    const encodeMs = performance.now() - t0;
    const deltaRatio = delta && spool.size > 0 ? delta.size / spool.size : undefined;
    // Rotation, when both hold: (1) drift: this delta is DRIFT_FACTOR x the smallest delta
    // ratio this process has seen against the same baseline (deltas that were large from
    // the start, as between zips, gain nothing from a new baseline); (2) cost: the delta is
    // at least baselineRotationRatio of what the new baseline will cost (the source
    // compressed as well as the current baseline compresses). A delta no smaller than the
    // source means an unrelated or incompressible upload, not a drifting release.
    const rotation = ctx.options.baselineRotationRatio;
    if (!created && delta && deltaRatio !== undefined && delta.size < source.size) {
      const id = referenceId(bucket, refKey);
      const best = ctx.bestRatios.get(id);
      if (best === undefined || deltaRatio < best) ctx.bestRatios.set(id, deltaRatio);
      if (rotation > 0 && best !== undefined && deltaRatio >= DRIFT_FACTOR * best && baselineStored !== undefined && reference.size) {
        const estimate = source.size * Math.min(1, baselineStored / reference.size);
        if (delta.size >= rotation * estimate) return ROTATE;
      }
    }
    // Deltas without secondary compression (the TypeScript codec's) shrink further; the
    // xdelta3 codec's LZMA-compressed ones do not, which a sample tells cheaply.
    if (delta && delta.size >= MIN_COMPRESSIBLE_DELTA_BYTES && (await estimateCompressedSize(delta.path, delta.size, level)) < delta.size * WORTH_COMPRESSING_RATIO) {
      const packed = await compressFile(deltaPath, packedDelta, { level, size: delta.size, maxOutputBytes: delta.size, signal: fields.signal });
      if (packed !== undefined) delta = { ...delta, path: packedDelta, size: packed, compression: 'br' };
    }
    // The source compressed on its own, kept only if smaller than the delta and the upload
    // (the seed needs none: the baseline holds its bytes). Skipped when samples say it
    // would come out at several times the delta: brotli cannot be stopped early.
    let packed: number | undefined;
    if (!created && !(delta && (await estimateCompressedSize(source.path, source.size, level)) >= COMPRESSION_SKIP_FACTOR * delta.size)) {
      packed = await compressFile(source.path, packedSource, { level, size: source.size, maxOutputBytes: Math.min(delta?.size ?? Number.POSITIVE_INFINITY, spool.size), signal: fields.signal });
    }
    const common = { fileSha256: spool.sha256, fileSize: spool.size, md5: spool.md5, createdAt: new Date(), fileName: fileNameOf(key), contentType: fields.contentType, userMetadata: fields.userMetadata, partSizes: fields.partSizes };
    let body: { path: string; size: number };
    let metadata: Record<string, string>;
    let storageType: StorageType;
    if (packed !== undefined) {
      body = { path: packedSource, size: packed };
      metadata = compressedMetadata({ ...common, compact: compactFields('br', gz) });
      storageType = 'compressed';
    } else if (delta && (created || delta.size < spool.size)) {
      body = delta;
      metadata = deltaMetadata({ ...common, refKey, refSha256: reference.sha256, deltaSize: delta.size, deltaCmd: delta.command, compact: compactFields(delta.compression, gz, refKey) });
      storageType = created ? 'reference' : 'delta';
    } else {
      const reason = unrelated && content ? passthroughReason(content, `${Math.round(similarity * 100)}% like the baseline, and compression does not shrink it`) : 'no smaller as a delta or compressed';
      return await putPassthrough(ctx, spool, fields, deltaRatio, { compact: true, reason });
    }
    await writeDeltaVariant(ctx, fields, body, metadata);
    return { etag: spool.md5, storageType, size: spool.size, storedSize: body.size, sha256: spool.sha256, deltaRatio, createdReference: created, encodeMs };
  } finally {
    reference.release();
    await Promise.all([removeQuietly(deltaPath), removeQuietly(packedDelta), removeQuietly(packedSource)]);
  }
}
