/**
 * DELETE and DeleteObjects: both variants of each key go, then the reference
 * collection of each deltaspace touched.
 */
import { NoSuchBucketError } from '../errors.js';
import { assertUserKey, deltaKeyOf, deltaspaceOf, withoutDeltaSuffix } from '../format/keys.js';
import { collectReferences } from './collect-references.js';
import type { EngineContext } from './context.js';
import type { DeleteObjectsResult } from './types.js';

/** Deletes a user key (both variants) and collects the reference if nothing else uses it. */
export async function deleteObject(ctx: EngineContext, input: { bucket: string; key: string }): Promise<void> {
  const { bucket, key } = input;
  if (!(await ctx.store.headBucket(bucket))) throw new NoSuchBucketError(bucket);
  try {
    assertUserKey(key);
  } catch {
    return; // S3 deletes of names that cannot exist succeed.
  }
  await ctx.store.deleteObject(bucket, deltaKeyOf(key));
  await ctx.store.deleteObject(bucket, key);
  await collectReferences(ctx, bucket, deltaspaceOf(key));
}

/** DeleteObjects: per-key results, one reference sweep per deltaspace. */
export async function deleteObjects(ctx: EngineContext, input: { bucket: string; keys: string[] }): Promise<DeleteObjectsResult> {
  const { bucket, keys } = input;
  if (!(await ctx.store.headBucket(bucket))) throw new NoSuchBucketError(bucket);
  const result: DeleteObjectsResult = { deleted: [], errors: [] };
  const backendKeys: string[] = [];
  const spaces = new Set<string>();
  for (const key of keys) {
    try {
      assertUserKey(key);
    } catch {
      result.deleted.push(key);
      continue;
    }
    backendKeys.push(deltaKeyOf(key), key);
    spaces.add(deltaspaceOf(key));
  }
  const { errors } = await ctx.store.deleteObjects(bucket, backendKeys);
  const failed = new Map<string, Error>();
  for (const e of errors) failed.set(withoutDeltaSuffix(e.key), e.error);
  for (const key of keys) {
    if (result.deleted.includes(key)) continue;
    const err = failed.get(key);
    if (err) result.errors.push({ key, code: 'InternalError', message: err.message });
    else result.deleted.push(key);
  }
  for (const space of spaces) await collectReferences(ctx, bucket, space);
  return result;
}
