/**
 * Bucket operations: S3's naming rules on every backend, and a bucket holding nothing but
 * an orphan root reference counts as empty.
 */
import { InvalidBucketNameError } from '../errors.js';
import { isReferenceKey, isValidBucketName } from '../format/keys.js';
import type { BucketInfo, ObjectStore } from '../store/object-store.js';

/** Backend keys looked at when deciding whether a bucket holds only a root reference. */
const EMPTY_PROBE_KEYS = 10;

/** Creates a bucket; its name must follow S3's current rules on every backend. */
export async function createBucket(store: ObjectStore, bucket: string): Promise<void> {
  if (!isValidBucketName(bucket)) throw new InvalidBucketNameError(bucket);
  return store.createBucket(bucket);
}

/** Deletes an empty bucket (an orphan reference alone does not keep it alive). */
export async function deleteBucket(store: ObjectStore, bucket: string): Promise<void> {
  const page = await store.listObjects(bucket, { maxKeys: EMPTY_PROBE_KEYS });
  if (page.objects.length > 0 && !page.isTruncated && page.objects.every((o) => isReferenceKey(o.key) && !o.key.includes('/'))) {
    for (const o of page.objects) await store.deleteObject(bucket, o.key);
  }
  return store.deleteBucket(bucket);
}

/** Every bucket of the backend. */
export function listBuckets(store: ObjectStore): Promise<BucketInfo[]> {
  return store.listBuckets();
}
