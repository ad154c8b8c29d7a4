/**
 * Bucket operations: S3's naming rules on every backend, and a bucket holding nothing but
 * internals (an orphan root reference, its lifecycle configuration, listing indexes)
 * counts as empty.
 */
import { InvalidBucketNameError } from '../errors.js';
import { isReferenceKey, isValidBucketName } from '../format/keys.js';
import { isListingIndexKey } from '../format/listing-index.js';
import { LIFECYCLE_CONFIGURATION_KEY } from '../lifecycle/lifecycle-configuration-store.js';
import type { BucketInfo, ObjectStore } from '../store/object-store.js';

/** Backend keys looked at when deciding whether a bucket holds only a root reference. */
const EMPTY_PROBE_KEYS = 10;

/** Creates a bucket; its name must follow S3's current rules on every backend. */
export async function createBucket(store: ObjectStore, bucket: string): Promise<void> {
  if (!isValidBucketName(bucket)) throw new InvalidBucketNameError(bucket);
  return store.createBucket(bucket);
}

/**
 * Deletes an empty bucket: an orphan root reference, the bucket's own lifecycle
 * configuration or listing indexes (derived data; one can outlive its last object when a
 * listing's write-back races the delete) alone do not keep it alive.
 */
export async function deleteBucket(store: ObjectStore, bucket: string): Promise<void> {
  const page = await store.listObjects(bucket, { maxKeys: EMPTY_PROBE_KEYS });
  const internal = (key: string): boolean => (isReferenceKey(key) && !key.includes('/')) || key === LIFECYCLE_CONFIGURATION_KEY || isListingIndexKey(key);
  if (page.objects.length > 0 && !page.isTruncated && page.objects.every((o) => internal(o.key))) {
    for (const o of page.objects) await store.deleteObject(bucket, o.key);
  }
  return store.deleteBucket(bucket);
}

/** Every bucket of the backend. */
export function listBuckets(store: ObjectStore): Promise<BucketInfo[]> {
  return store.listBuckets();
}
