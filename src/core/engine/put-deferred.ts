/**
 * Deferred encoding's side of PUT (docs/OPERATIONS.md "Deferred encoding"): an eligible
 * upload into a deltaspace that has a baseline is stored as it arrives, as a passthrough
 * object marked pending, and handed to the compactor. The first upload of a deltaspace
 * still becomes its baseline at once, through the inline path.
 */
import { eligibilityOf } from './put-eligibility.js';
import { deltaspaceOf, referenceKeyOf } from '../format/keys.js';
import { removeQuietly, spoolToFile, type Spool } from '../spool.js';
import type { EngineContext } from './context.js';
import { compactFields, type PutFields } from './put-fields.js';
import { putPassthrough } from './put-passthrough.js';
import { currentBaseline } from './references.js';
import { putStreamed } from './streamed-put.js';
import type { PutObjectInput, PutObjectResult } from './types.js';

/** Largest body streamed to the backend in one request (S3's single PUT limit); larger ones are spooled. */
const MAX_STREAMED_PUT_BYTES = 5 * 1024 ** 3;

/** Whether the key's deltaspace has a baseline to encode against (compatible `reference.bin` or a compact generation). */
async function hasBaseline(ctx: EngineContext, bucket: string, key: string): Promise<boolean> {
  const space = deltaspaceOf(key);
  if (ctx.options.profile(bucket, key) === 'compact') return (await currentBaseline(ctx, bucket, space)) !== undefined;
  return (await ctx.store.headObject(bucket, referenceKeyOf(space))) !== undefined;
}

/** Counts a pending write and hands it to the compactor. */
function afterPending(ctx: EngineContext, bucket: string, key: string, result: PutObjectResult): void {
  ctx.options.observer.onPut?.({ storageType: result.storageType, size: result.size, storedSize: result.storedSize, pending: result.pending });
  ctx.options.logger.debug({ bucket, key, storageType: result.storageType, size: result.size, pending: result.pending }, 'put');
  if (!result.pending) return;
  ctx.pending.start();
  ctx.pending.enqueue(bucket, key, result.size);
}

/**
 * Deferred mode, before anything is spooled: streams the body to the backend (pending
 * when eligible) and queues it. Undefined when the PUT takes the spooled path: inline
 * mode, an unknown or over-large size, conditions to check first, or an eligible key
 * whose deltaspace has no baseline yet. On a backend that shows objects while they are
 * written (streamedPuts false), an eligible body is spooled first, then stored pending.
 */
export async function putDeferred(ctx: EngineContext, input: PutObjectInput): Promise<PutObjectResult | undefined> {
  const { bucket, key, contentLength: size } = input;
  const conditional = input.conditions?.ifMatch !== undefined || input.conditions?.ifNoneMatch !== undefined;
  if (size === undefined || size > MAX_STREAMED_PUT_BYTES || conditional) return undefined;
  if (ctx.options.encode(bucket, key) !== 'deferred') return undefined;
  const { eligible, reason } = eligibilityOf(ctx.options, bucket, key, size);
  if (eligible && !(await hasBaseline(ctx, bucket, key))) return undefined;
  const compact = ctx.options.profile(bucket, key) === 'compact';
  if (!ctx.store.putStream || ctx.store.streamedPuts === false) {
    if (!eligible) return undefined;
    const spool = await spoolToFile(input.body, ctx.temp, { expectedSize: size, maxSize: ctx.options.maxObjectSize, contentMd5: input.contentMd5, known: input.knownDigests, signal: input.signal });
    try {
      const pending = await putPassthrough(ctx, spool, input, undefined, { compact, pending: true });
      afterPending(ctx, bucket, key, pending);
      return pending;
    } finally {
      await removeQuietly(spool.path);
    }
  }
  const result = await putStreamed(ctx, {
    bucket,
    key,
    body: input.body,
    size,
    contentType: input.contentType,
    userMetadata: input.userMetadata,
    headers: input.headers,
    contentMd5: input.contentMd5,
    knownDigests: input.knownDigests,
    encodeLater: eligible,
    reason,
    compact: compact ? compactFields('none') : undefined,
    signal: input.signal,
  });
  afterPending(ctx, bucket, key, result);
  return result;
}

/**
 * Deferred mode for a body already on disk (multipart completion, copy): stored as a
 * pending passthrough object when its deltaspace has a baseline. Undefined otherwise.
 */
export async function storePendingIfDeferred(ctx: EngineContext, spool: Spool, fields: PutFields): Promise<PutObjectResult | undefined> {
  const { bucket, key } = fields;
  if (ctx.options.encode(bucket, key) !== 'deferred' || !(await hasBaseline(ctx, bucket, key))) return undefined;
  const pending = await putPassthrough(ctx, spool, fields, undefined, { compact: ctx.options.profile(bucket, key) === 'compact', pending: true });
  afterPending(ctx, bucket, key, pending);
  return pending;
}
