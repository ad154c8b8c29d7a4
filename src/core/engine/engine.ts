/**
 * The delta engine: the one place where DeltaGlider's PUT/GET/DELETE/LIST rules live.
 * Every way in (SDK plugin, middleware, reverse proxy) is a thin adapter over this
 * facade; each operation lives in a module of its own over a shared EngineContext.
 */
import type { ReferenceCache } from '../cache/reference-cache.js';
import type { Semaphore } from '../concurrency.js';
import type { TempDir } from '../spool.js';
import type { BucketInfo, ObjectStore } from '../store/object-store.js';
import { createBucket, deleteBucket, listBuckets } from './buckets.js';
import { compactObject } from './compact-object.js';
import { Compactor, type CompactionOutcome } from './compactor.js';
import { deleteBucketLifecycle, getBucketLifecycle, putBucketLifecycle } from './bucket-lifecycle.js';
import { createEngineContext, type EngineContext } from './context.js';
import { copyObject } from './copy-object.js';
import { deleteObject, deleteObjects } from './delete-object.js';
import { expireObject, type ExpireObjectInput } from './expire-object.js';
import { getObject, headObject, headObjectPart } from './get-object.js';
import type { PartSelection } from './part-number.js';
import { listUserObjects } from './listing.js';
import { MultipartUploads } from './multipart.js';
import type { LifecycleRule } from '../lifecycle/lifecycle-rule.js';
import type { StoredLifecycleConfiguration } from '../lifecycle/lifecycle-configuration-store.js';
import type { EngineOptions, ResolvedEngineOptions } from './options.js';
import { putObject } from './put-object.js';
import { eligibilityOf } from './put-eligibility.js';
import type { ListingIndexEntry } from '../format/listing-index.js';
import type {
  CopyObjectInput,
  CopyObjectResult,
  DeleteObjectsResult,
  GetObjectInput,
  GetObjectResult,
  ListObjectsInput,
  ListObjectsResult,
  ObjectInfo,
  PutObjectInput,
  PutObjectResult,
} from './types.js';

export { VERIFY_BEFORE_SENDING_BYTES } from './get-object.js';
export { sha256File } from './reconstruct.js';

/**
 * The DeltaGlider engine over an ObjectStore.
 *
 * @example
 * const engine = new DeltaGliderEngine({ store: new FileSystemStore('./data'), codec: await createCodec() });
 * await engine.createBucket('builds');
 * await engine.putObject({ bucket: 'builds', key: 'releases/v1.zip', body: createReadStream('v1.zip') });
 */
export class DeltaGliderEngine {
  readonly #ctx: EngineContext;
  /** The options after validation, defaults filled in. */
  readonly options: ResolvedEngineOptions;
  /** Spools, cached references and reconstructions live here. */
  readonly temp: TempDir;
  /** Verified local copies of baselines. */
  readonly references: ReferenceCache;
  /** Verified reconstructions of delta objects, reused by warm GETs. */
  readonly reconstructions: ReferenceCache;
  /** Bounds concurrent encodes and decodes (codecConcurrency). */
  readonly codecSlots: Semaphore;
  /** Multipart uploads in progress (completion runs the ordinary PUT rules). */
  readonly multipart: MultipartUploads;
  /** Deferred encoding's background worker (started by the proxy, or by the first pending write). */
  readonly compactor: Compactor;
  /** PUTs in progress and when the last one ended: the compactor works in the quiet between them. */
  #writes = 0;
  #lastWriteEnd = 0;

  constructor(options: EngineOptions) {
    this.#ctx = createEngineContext(options);
    ({ options: this.options, temp: this.temp, references: this.references, reconstructions: this.reconstructions, codecSlots: this.codecSlots } = this.#ctx);
    this.multipart = new MultipartUploads(this.#ctx);
    this.compactor = new Compactor({
      store: this.#ctx.store,
      logger: this.options.logger,
      concurrency: this.options.compactorConcurrency,
      scanIntervalMs: this.options.compactorScanIntervalMs,
      codecWaiting: () => this.codecSlots.waiting,
      writesIdleMs: () => (this.#writes > 0 ? 0 : Date.now() - this.#lastWriteEnd),
      // Only eligible uploads are stored pending, and in deferred mode a streamed PUT of any
      // key carries the marker until its digests are recorded (a crash can leave it there).
      mayBePending: (bucket, key, size) => this.options.encode(bucket, key) === 'deferred' || eligibilityOf(this.options, bucket, key, size).eligible,
      compactObject: (bucket, key, signal) => compactObject(this.#ctx, bucket, key, signal),
    });
    this.#ctx.pending = this.compactor;
  }

  /** The backend the engine stores into. */
  get store(): ObjectStore {
    return this.#ctx.store;
  }

  /**
   * Frees temp files and cache entries (shutdown). Compactions in progress get `graceMs`
   * to finish; what is left stays pending on the backend for the next start.
   */
  async close(graceMs = 0): Promise<void> {
    await this.compactor.stop(graceMs);
    await this.#ctx.listingIndexes.flush();
    await this.references.clear();
    await this.reconstructions.clear();
    this.multipart.clear();
    this.temp.dispose();
  }

  /**
   * The listing index's entry for a `.delta` object, only when it describes the very
   * object listed (same backend ETag and size): what a HEAD would say, without one.
   */
  indexedEntry(bucket: string, listed: { key: string; etag: string; size: number }): Promise<ListingIndexEntry | undefined> {
    return this.#ctx.listingIndexes.entryFor(bucket, listed);
  }

  /** Writes the listing-index updates still queued (close does it too). */
  flushListingIndexes(): Promise<void> {
    return this.#ctx.listingIndexes.flush();
  }

  /** Stores an object under the DeltaGlider rules (FORMAT.md "Decision on PUT"). */
  async putObject(input: PutObjectInput): Promise<PutObjectResult> {
    this.#writes++;
    try {
      return await putObject(this.#ctx, input);
    } finally {
      this.#writes--;
      this.#lastWriteEnd = Date.now();
    }
  }

  /**
   * Deferred encoding: encodes `key` now if it holds a pending object (what the compactor
   * runs; idempotent, and a no-op for anything else).
   */
  compactObject(bucket: string, key: string, signal?: AbortSignal): Promise<CompactionOutcome> {
    return compactObject(this.#ctx, bucket, key, signal);
  }

  /** HEAD: the original's description, conditions applied. */
  headObject(input: { bucket: string; key: string; conditions?: GetObjectInput['conditions'] }): Promise<ObjectInfo> {
    return headObject(this.#ctx, input);
  }

  /** HEAD `?partNumber=N`: the object's description, where part N lies in it and the object's part count. */
  headObjectPart(input: { bucket: string; key: string; partNumber: number; conditions?: GetObjectInput['conditions'] }): Promise<{ info: ObjectInfo } & PartSelection> {
    return headObjectPart(this.#ctx, input);
  }

  /**
   * GET: original bytes, verified before the first byte leaves (passthrough objects over
   * VERIFY_BEFORE_SENDING_BYTES: while streaming). A reader racing an overwrite gets the
   * old or the new object, whole.
   */
  getObject(input: GetObjectInput): Promise<GetObjectResult> {
    return getObject(this.#ctx, input);
  }

  /** Deletes a user key (both variants) and collects the reference if nothing else uses it. */
  deleteObject(input: { bucket: string; key: string }): Promise<void> {
    return deleteObject(this.#ctx, input);
  }

  /** DeleteObjects: per-key results, one reference sweep per deltaspace. */
  deleteObjects(input: { bucket: string; keys: string[] }): Promise<DeleteObjectsResult> {
    return deleteObjects(this.#ctx, input);
  }

  /** CopyObject through the same PUT rules (the destination may be in another deltaspace). */
  copyObject(input: CopyObjectInput): Promise<CopyObjectResult> {
    return copyObject(this.#ctx, input);
  }

  /** ListObjects(V2) in user-key order with original sizes and ETags. */
  listObjects(input: ListObjectsInput): Promise<ListObjectsResult> {
    return listUserObjects(this.#ctx, input);
  }

  /** Creates a bucket; its name must follow S3's current rules on every backend. */
  createBucket(bucket: string): Promise<void> {
    return createBucket(this.#ctx.store, bucket);
  }

  /** True if the bucket exists. */
  headBucket(bucket: string): Promise<boolean> {
    return this.#ctx.store.headBucket(bucket);
  }

  /** Deletes an empty bucket (an orphan reference alone does not keep it alive). */
  deleteBucket(bucket: string): Promise<void> {
    return deleteBucket(this.#ctx.store, bucket);
  }

  /** Every bucket of the backend. */
  listBuckets(): Promise<BucketInfo[]> {
    return listBuckets(this.#ctx.store);
  }

  /** The lifecycle configuration the user set (kept by deltaglider, never by the backend). */
  getBucketLifecycle(bucket: string): Promise<StoredLifecycleConfiguration> {
    return getBucketLifecycle(this.#ctx, bucket);
  }

  /** Stores a lifecycle configuration; rules that could make a delta unreadable are refused. */
  putBucketLifecycle(input: { bucket: string; xml: string; rules: LifecycleRule[] }): Promise<void> {
    return putBucketLifecycle(this.#ctx, input);
  }

  /** Removes the bucket's lifecycle configuration. */
  deleteBucketLifecycle(bucket: string): Promise<void> {
    return deleteBucketLifecycle(this.#ctx, bucket);
  }

  /** Lifecycle expiration: deletes the key if it is still the listed version, then collects references. */
  expireObject(input: ExpireObjectInput): Promise<boolean> {
    return expireObject(this.#ctx, input);
  }
}
