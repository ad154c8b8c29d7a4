/**
 * Get/Put/DeleteBucketLifecycleConfiguration over the hidden configuration object.
 * Rules are checked before anything is stored: an unsafe rule is refused, never kept.
 */
import { NoSuchBucketError, NoSuchLifecycleConfigurationError } from '../errors.js';
import { assertSafeLifecycleRules, type LifecycleRule } from '../lifecycle/lifecycle-rule.js';
import {
  deleteLifecycleConfiguration,
  readLifecycleConfiguration,
  writeLifecycleConfiguration,
  type StoredLifecycleConfiguration,
} from '../lifecycle/lifecycle-configuration-store.js';
import type { EngineContext } from './context.js';

async function requireBucket(ctx: EngineContext, bucket: string): Promise<void> {
  if (!(await ctx.store.headBucket(bucket))) throw new NoSuchBucketError(bucket);
}

/** The configuration the user set; NoSuchLifecycleConfiguration when none is. */
export async function getBucketLifecycle(ctx: EngineContext, bucket: string): Promise<StoredLifecycleConfiguration> {
  await requireBucket(ctx, bucket);
  const stored = await readLifecycleConfiguration(ctx.store, bucket);
  if (!stored) throw new NoSuchLifecycleConfigurationError(bucket);
  return stored;
}

/** Replaces the configuration after refusing any rule that could make a delta unreadable. */
export async function putBucketLifecycle(ctx: EngineContext, input: { bucket: string; xml: string; rules: LifecycleRule[] }): Promise<void> {
  assertSafeLifecycleRules(input.rules);
  await requireBucket(ctx, input.bucket);
  await writeLifecycleConfiguration(ctx.store, ctx.temp, input.bucket, input.xml, input.rules);
}

/** Removes the configuration (S3 answers 204 whether or not one was set). */
export async function deleteBucketLifecycle(ctx: EngineContext, bucket: string): Promise<void> {
  await requireBucket(ctx, bucket);
  await deleteLifecycleConfiguration(ctx.store, bucket);
}
