/**
 * Compatible profile (FORMAT.md "Decision on PUT"): an eligible upload is stored as a
 * VCDIFF delta against its deltaspace's `reference.bin`, the first one creating it.
 */
import { DeltaTooLargeError, PreconditionFailedError } from '../errors.js';
import { deltaspaceOf, fileNameOf, referenceKeyOf } from '../format/keys.js';
import { deltaMetadata, referenceMetadata } from '../format/metadata.js';
import { removeQuietly, type Spool } from '../spool.js';
import { spaceLock, withCodec, type EngineContext } from './context.js';
import { verifyDelta, writeDeltaVariant } from './write-delta-variant.js';
import { selfReference, type HeldReference, type PutFields } from './put-fields.js';
import { passthroughReason, type UploadContent } from './put-eligibility.js';
import { putPassthrough } from './put-passthrough.js';
import { ReferenceMissingError } from './race-errors.js';
import { acquireReference, seedReferenceCache } from './references.js';
import type { PutObjectResult, StorageType } from './types.js';

/** Times a writer starts over when the deltaspace's reference was collected under it. */
const REFERENCE_RETRIES = 3;

/** Stores an eligible upload under the compatible profile: a delta, or a passthrough when the delta does not pay. */
export async function putCompatible(ctx: EngineContext, spool: Spool, fields: PutFields, content: UploadContent): Promise<PutObjectResult> {
  const { bucket, key } = fields;
  const space = deltaspaceOf(key);
  const refKey = referenceKeyOf(space);
  const lockName = spaceLock(bucket, space);

  for (let attempt = 0; ; attempt++) {
    // A compressed upload would be a poor baseline for the uncompressed versions that may
    // follow it: it never seeds a deltaspace (docs/OPERATIONS.md "What gets delta-encoded").
    if (content.poorBaseline && !(await ctx.store.headObject(bucket, refKey))) {
      return putPassthrough(ctx, spool, fields, undefined, { reason: passthroughReason(content, 'no baseline') });
    }
    // Create the reference if the deltaspace has none (exclusive: one creator). The
    // self-delta is written under the same lock, so a concurrent DELETE's reference
    // collection cannot see the new reference alone and remove it.
    if (!(await ctx.store.headObject(bucket, refKey))) {
      const done = await ctx.locks.exclusive(lockName, async () => {
        if (await ctx.store.headObject(bucket, refKey)) return undefined;
        try {
          await ctx.store.putObject(bucket, refKey, spool, {
            metadata: referenceMetadata({ fileSha256: spool.sha256, fileSize: spool.size, md5: spool.md5, createdAt: new Date(), sourceKey: key }),
            contentType: 'application/octet-stream',
            ifNoneMatch: true,
            md5: spool.md5,
          });
        } catch (err) {
          // Another writer (another process) won the race: use theirs.
          if (err instanceof PreconditionFailedError) return undefined;
          throw err;
        }
        await seedReferenceCache(ctx, bucket, refKey, spool);
        return storeEncoded(ctx, spool, fields, refKey, selfReference(spool), true);
      });
      if (done) return done;
    }
    try {
      return await ctx.locks.shared(lockName, async () => {
        const reference = await acquireReference(ctx, bucket, refKey);
        const skip = await content.skipEncode(reference, ctx.options.maxDeltaRatio).catch((err: unknown) => {
          reference.release();
          throw err;
        });
        if (skip !== undefined) {
          reference.release();
          return putPassthrough(ctx, spool, fields, undefined, { reason: skip });
        }
        return storeEncoded(ctx, spool, fields, refKey, reference, false);
      });
    } catch (err) {
      // The deltaspace's last object was deleted (and its reference collected) between
      // our HEAD and taking the lock: start over, creating a fresh reference.
      if (err instanceof ReferenceMissingError && attempt < REFERENCE_RETRIES) continue;
      throw err;
    }
  }
}

/** Encodes against a held reference and writes the delta (or a passthrough when it does not pay). */
async function storeEncoded(ctx: EngineContext, spool: Spool, fields: PutFields, refKey: string, reference: HeldReference, created: boolean): Promise<PutObjectResult> {
  const { bucket, key } = fields;
  const deltaPath = ctx.temp.file('delta');
  try {
    const limit = created ? undefined : Math.floor(ctx.options.maxDeltaRatio * spool.size);
    let encoded;
    const t0 = performance.now();
    try {
      encoded = await withCodec(ctx, () => ctx.options.codec.encode(reference.path, spool.path, deltaPath, { maxOutputBytes: limit, signal: fields.signal, level: ctx.options.codecLevel }));
    } catch (err) {
      if (err instanceof DeltaTooLargeError) return putPassthrough(ctx, spool, fields, undefined, { reason: `delta too large: over ${ctx.options.maxDeltaRatio}` });
      throw err;
    }
    const encodeMs = performance.now() - t0;
    const ratio = spool.size === 0 ? 0 : encoded.size / spool.size;
    if (!created && !(ratio < ctx.options.maxDeltaRatio)) return putPassthrough(ctx, spool, fields, ratio, { reason: `delta too large: ${ratio.toFixed(2)}` });
    const metadata = deltaMetadata({
      fileSha256: spool.sha256,
      fileSize: spool.size,
      md5: spool.md5,
      createdAt: new Date(),
      fileName: fileNameOf(key),
      refKey,
      refSha256: reference.sha256,
      deltaSize: encoded.size,
      deltaCmd: encoded.command,
      contentType: fields.contentType,
      userMetadata: fields.userMetadata,
      partSizes: fields.partSizes,
    });
    if (fields.replacing) await verifyDelta(ctx, reference.path, deltaPath, spool, fields);
    await writeDeltaVariant(ctx, fields, { path: deltaPath, size: encoded.size }, metadata);
    return {
      etag: spool.md5,
      storageType: (created ? 'reference' : 'delta') as StorageType,
      size: spool.size,
      // A PUT that created the reference wrote its full copy too: count it.
      storedSize: encoded.size + (created ? spool.size : 0),
      sha256: spool.sha256,
      deltaRatio: ratio,
      createdReference: created,
      encodeMs,
    };
  } finally {
    reference.release();
    await removeQuietly(deltaPath);
  }
}
