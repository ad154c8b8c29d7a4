/**
 * The compactor's switch from a pending passthrough object to what the inline path
 * would have stored. Runs under the key's exclusive lock (no writer of this process
 * interleaves); against other instances it re-checks the pending object's ETag and
 * deletes it with If-Match where the backend checks it (docs/OPERATIONS.md
 * "Deferred encoding" says what a backend without conditional requests leaves open).
 */
import { PendingSupersededError, PreconditionFailedError } from '../errors.js';
import { deltaKeyOf } from '../format/keys.js';
import { META, parseMetadata } from '../format/metadata.js';
import type { ObjectStore, PutOptions, PutSource } from '../store/object-store.js';

/** Throws PendingSupersededError unless `key` still holds the pending object `etag` and no newer delta variant exists. */
async function assertStillPending(store: ObjectStore, bucket: string, key: string, etag: string): Promise<void> {
  const [plain, delta] = await Promise.all([store.headObject(bucket, key), store.headObject(bucket, deltaKeyOf(key))]);
  if (!plain || plain.etag !== etag || parseMetadata(plain.metadata).pending === undefined) throw new PendingSupersededError(key);
  // A delta variant that is not a compaction product and is newer is another instance's
  // overwrite caught between its two steps: it wins.
  if (delta && parseMetadata(delta.metadata).compactedFrom === undefined && delta.lastModified.getTime() > plain.lastModified.getTime()) {
    throw new PendingSupersededError(key);
  }
}

/**
 * Writes the delta variant (tagged `dg-compacted-from` = the pending ETag, so reads
 * prefer the plain object while both exist) and then deletes the pending object if it
 * is still the same one. A replaced pending object makes this throw PendingSupersededError
 * after removing the now-stale delta.
 */
export async function switchPendingToDelta(store: ObjectStore, bucket: string, key: string, pendingEtag: string, body: PutSource, options: PutOptions): Promise<void> {
  await assertStillPending(store, bucket, key, pendingEtag);
  const written = await store.putObject(bucket, deltaKeyOf(key), body, { ...options, metadata: { ...options.metadata, [META.compactedFrom]: pendingEtag } });
  try {
    await store.deleteObject(bucket, key, { ifMatch: pendingEtag });
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
    await store.deleteObject(bucket, deltaKeyOf(key), { ifMatch: written.etag }).catch(() => undefined);
    throw new PendingSupersededError(key);
  }
}

/**
 * A pending object that stays passthrough (the delta did not pay, or the key is not
 * eligible): its metadata is rewritten complete and without `dg-pending`, server-side
 * where the store can (no bytes travel), else by writing the spooled bytes again.
 */
export async function finishPendingAsPassthrough(store: ObjectStore, bucket: string, key: string, pendingEtag: string, body: PutSource, options: PutOptions): Promise<void> {
  await assertStillPending(store, bucket, key, pendingEtag);
  try {
    if (store.replaceMetadata) await store.replaceMetadata(bucket, key, { ...options, ifMatch: pendingEtag });
    else await store.putObject(bucket, key, body, options);
  } catch (err) {
    if (err instanceof PreconditionFailedError) throw new PendingSupersededError(key);
    throw err;
  }
}
