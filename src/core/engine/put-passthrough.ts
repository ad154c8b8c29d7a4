/**
 * Storing an upload as it is, under its own key: ineligible uploads, and eligible ones
 * whose delta does not pay.
 */
import { deltaKeyOf, fileNameOf } from '../format/keys.js';
import { passthroughMetadata } from '../format/metadata.js';
import type { Spool } from '../spool.js';
import { keyLock, type EngineContext } from './context.js';
import { compactFields, type PutFields } from './put-fields.js';
import type { PutObjectResult } from './types.js';

/** Writes the upload at its key and removes the delta variant (`compact`: tag it with the compact profile). */
export async function putPassthrough(ctx: EngineContext, spool: Spool, fields: PutFields, deltaRatio?: number, compact = false): Promise<PutObjectResult> {
  const { bucket, key } = fields;
  const metadata = passthroughMetadata({
    fileSha256: spool.sha256,
    fileSize: spool.size,
    md5: spool.md5,
    createdAt: new Date(),
    fileName: fileNameOf(key),
    contentType: fields.contentType,
    userMetadata: fields.userMetadata,
    compact: compact ? compactFields('none') : undefined,
  });
  // New variant first, then the old one goes: the key is never missing.
  await ctx.locks.exclusive(keyLock(bucket, key), async () => {
    await ctx.store.putObject(bucket, key, spool, { metadata, contentType: fields.contentType, headers: fields.headers, md5: spool.md5 });
    await ctx.store.deleteObject(bucket, deltaKeyOf(key));
  });
  return { etag: spool.md5, storageType: 'passthrough', size: spool.size, storedSize: spool.size, sha256: spool.sha256, deltaRatio, createdReference: false };
}
