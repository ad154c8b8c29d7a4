/**
 * Storing an upload as it is, under its own key: ineligible uploads, and eligible ones
 * whose delta does not pay.
 */
import { deltaKeyOf, fileNameOf } from '../format/keys.js';
import { META, passthroughMetadata } from '../format/metadata.js';
import { PENDING_TAG } from '../format/pending.js';
import type { Spool } from '../spool.js';
import { keyLock, type EngineContext } from './context.js';
import { finishPendingAsPassthrough } from './pending-switch.js';
import { compactFields, type PutFields } from './put-fields.js';
import type { PutObjectResult } from './types.js';

/** How putPassthrough stores the upload. */
export interface PassthroughHow {
  compact?: boolean;
  pending?: boolean;
  reason?: string;
}

/**
 * Writes the upload at its key and removes the delta variant. `compact`: tag it with the
 * compact profile; `pending`: mark it for the compactor; `reason`: why it is stored whole
 * (`dg-reason`). A compactor write (`replacing`) only completes the pending object's metadata.
 */
export async function putPassthrough(ctx: EngineContext, spool: Spool, fields: PutFields, deltaRatio?: number, how: PassthroughHow = {}): Promise<PutObjectResult> {
  const { compact = false, pending = false, reason } = how;
  const { bucket, key } = fields;
  const complete = passthroughMetadata({
    fileSha256: spool.sha256,
    fileSize: spool.size,
    md5: spool.md5,
    createdAt: new Date(),
    fileName: fileNameOf(key),
    contentType: fields.contentType,
    userMetadata: fields.userMetadata,
    partSizes: fields.partSizes,
    compact: compact ? compactFields('none') : undefined,
    reason,
  });
  const metadata = pending ? { ...complete, [META.pending]: PENDING_TAG } : complete;
  const options = { metadata, contentType: fields.contentType, headers: fields.headers, md5: spool.md5 };
  await ctx.locks.exclusive(keyLock(bucket, key), async () => {
    if (fields.replacing) return finishPendingAsPassthrough(ctx.store, bucket, key, fields.replacing.etag, spool, options);
    // New variant first, then the old one goes: the key is never missing.
    await ctx.store.putObject(bucket, key, spool, options);
    await ctx.store.deleteObject(bucket, deltaKeyOf(key));
  });
  return { etag: spool.md5, storageType: 'passthrough', size: spool.size, storedSize: spool.size, sha256: spool.sha256, deltaRatio, createdReference: false, pending, reason };
}
