/**
 * PUT: spool the body, apply the conditions, then choose how to store it (FORMAT.md
 * "Decision on PUT"): passthrough when ineligible, else the deltaspace's profile.
 */
import { EntityTooLargeError, NoSuchKeyError } from '../errors.js';
import { assertUserKey } from '../format/keys.js';
import { removeQuietly, spoolToFile, type Spool } from '../spool.js';
import { evaluateConditions } from './conditions.js';
import type { EngineContext } from './context.js';
import { putCompact } from './put-compact.js';
import { putCompatible } from './put-compatible.js';
import type { PutFields } from './put-fields.js';
import { putDeferred, storePendingIfDeferred } from './put-deferred.js';
import { probeUpload } from './put-eligibility.js';
import { putPassthrough } from './put-passthrough.js';
import { resolve } from './resolve.js';
import type { PutObjectInput, PutObjectResult } from './types.js';

/** Stores an object under the DeltaGlider rules. */
export async function putObject(ctx: EngineContext, input: PutObjectInput): Promise<PutObjectResult> {
  assertUserKey(input.key);
  // A declared size over the limit is refused before a byte is read, as S3 does (a
  // client announcing 100 TB would otherwise hold the connection until it gives up).
  if (input.contentLength !== undefined && input.contentLength > ctx.options.maxObjectSize) {
    throw new EntityTooLargeError(input.contentLength, ctx.options.maxObjectSize);
  }
  const deferred = await putDeferred(ctx, input);
  if (deferred) return deferred;
  const spool = await spoolToFile(input.body, ctx.temp, {
    expectedSize: input.contentLength,
    maxSize: ctx.options.maxObjectSize,
    contentMd5: input.contentMd5,
    known: input.knownDigests,
    signal: input.signal,
  });
  try {
    return await putSpool(ctx, spool, input);
  } finally {
    await removeQuietly(spool.path);
  }
}

/** Stores an already spooled body (PUT, multipart completion, copy). The caller owns the spool file. */
export async function putSpool(ctx: EngineContext, spool: Spool, fields: PutFields): Promise<PutObjectResult> {
  assertUserKey(fields.key);
  const { bucket, key } = fields;
  if (fields.conditions && (fields.conditions.ifMatch !== undefined || fields.conditions.ifNoneMatch !== undefined)) {
    const current = await resolve(ctx.store, bucket, key);
    if (!current) {
      if (fields.conditions.ifMatch !== undefined) throw new NoSuchKeyError(key);
    } else {
      evaluateConditions(fields.conditions, current.info.etag, current.info.lastModified, false);
    }
  }
  const content = await probeUpload(ctx.options, bucket, key, spool);
  if (content.eligible && !fields.replacing) {
    const pending = await storePendingIfDeferred(ctx, spool, fields);
    if (pending) return pending;
  }
  let result: PutObjectResult;
  if (!content.eligible) result = await putPassthrough(ctx, spool, fields, undefined, { reason: content.reason });
  else if (ctx.options.profile(bucket, key) === 'compact') result = await putCompact(ctx, spool, fields, content);
  else result = await putCompatible(ctx, spool, fields, content);
  // A compaction is not a PUT: the compactor counts it (CompactorStats).
  if (!fields.replacing) ctx.options.observer.onPut?.({ storageType: result.storageType, size: result.size, storedSize: result.storedSize, ratio: result.deltaRatio, encodeMs: result.encodeMs });
  ctx.options.logger.debug({ bucket, key, storageType: result.storageType, size: result.size, stored: result.storedSize, ratio: result.deltaRatio }, 'put');
  return result;
}
