/**
 * Deferred encoding's unit of work: one pending object re-read from the backend and
 * stored the way an inline PUT would have stored it, the switch guarded by the pending
 * object's ETag (pending-switch.ts). Idempotent: an object no longer pending, or replaced
 * meanwhile, is left as it is.
 */
import { IntegrityError, NoSuchKeyError, PendingSupersededError } from '../errors.js';
import { parseMetadata } from '../format/metadata.js';
import { parsePartSizes } from '../format/part-sizes.js';
import { removeQuietly, spoolToFile } from '../spool.js';
import type { CompactionOutcome } from './compactor.js';
import type { EngineContext } from './context.js';
import { putSpool } from './put-object.js';

/** Compacts `key` if it holds a pending object. */
export async function compactObject(ctx: EngineContext, bucket: string, key: string, signal?: AbortSignal): Promise<CompactionOutcome> {
  const stored = await ctx.store.headObject(bucket, key);
  const meta = stored && parseMetadata(stored.metadata);
  if (!stored || !meta || meta.pending === undefined) return { result: 'not-pending' };
  const got = await ctx.store.getObject(bucket, key).catch((err: unknown) => {
    if (err instanceof NoSuchKeyError) throw new PendingSupersededError(key);
    throw err;
  });
  if (got.info.etag !== stored.etag || got.info.size !== stored.size) {
    got.body.destroy();
    return { result: 'superseded' };
  }
  const spool = await spoolToFile(got.body, ctx.temp, { expectedSize: stored.size, signal });
  try {
    if (meta.fileSha256 !== undefined && meta.fileSha256 !== spool.sha256) {
      throw new IntegrityError(`the pending object ${bucket}/${key} has SHA-256 ${spool.sha256}, its metadata says ${meta.fileSha256}: left as it is`);
    }
    const result = await putSpool(ctx, spool, {
      bucket,
      key,
      contentType: meta.contentType ?? stored.contentType,
      userMetadata: meta.userMetadata,
      partSizes: parsePartSizes(meta.partSizes, spool.size),
      headers: stored.headers,
      replacing: { etag: stored.etag },
      signal,
    });
    // A compaction that created the deltaspace's baseline also stored its full copy.
    const storedSize = result.createdReference ? result.storedSize - result.size : result.storedSize;
    return { result: result.storageType === 'passthrough' ? 'passthrough' : 'compacted', size: result.size, storedSize };
  } catch (err) {
    if (err instanceof PendingSupersededError) return { result: 'superseded' };
    throw err;
  } finally {
    await removeQuietly(spool.path);
  }
}
