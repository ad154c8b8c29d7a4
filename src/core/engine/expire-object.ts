/**
 * Lifecycle expiration of one user object: a delete through the engine (both variants,
 * then reference collection), so a reference goes only once no delta needs it.
 */
import { NoSuchKeyError } from '../errors.js';
import { deltaKeyOf, deltaspaceOf } from '../format/keys.js';
import { collectReferences } from './collect-references.js';
import { keyLock, type EngineContext } from './context.js';
import { resolve } from './resolve.js';

/** The version of a user object the sweep judged expired (from its listing). */
export interface ExpireObjectInput {
  bucket: string;
  key: string;
  /** ETag the listing showed. */
  etag: string;
  /** Last-Modified the listing showed. */
  lastModified: Date;
}

/**
 * Deletes the object if it is still the version the sweep judged expired; returns whether
 * it did. Checked under the key's lock, which every writer of the key takes to switch
 * variants: an overwrite that lands first is seen and kept, one that lands after the
 * delete is a new object. The newest write wins either way.
 */
export async function expireObject(ctx: EngineContext, input: ExpireObjectInput): Promise<boolean> {
  const { bucket, key } = input;
  const deleted = await ctx.locks.exclusive(keyLock(bucket, key), async () => {
    let current;
    try {
      current = await resolve(ctx.store, bucket, key);
    } catch (err) {
      if (err instanceof NoSuchKeyError) return false;
      throw err;
    }
    if (!current || current.info.etag !== input.etag || wholeSeconds(current.info.lastModified) !== wholeSeconds(input.lastModified)) return false;
    await ctx.store.deleteObject(bucket, deltaKeyOf(key));
    await ctx.store.deleteObject(bucket, key);
    return true;
  });
  if (deleted) await collectReferences(ctx, bucket, deltaspaceOf(key));
  return deleted;
}

/** S3 lists Last-Modified in milliseconds but HEAD sends it in whole seconds. */
function wholeSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}
