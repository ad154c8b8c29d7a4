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
import { createEngineContext, type EngineContext } from './context.js';
import { copyObject } from './copy-object.js';
import { deleteObject, deleteObjects } from './delete-object.js';
import { getObject, headObject } from './get-object.js';
import { listUserObjects } from './listing.js';
import { MultipartUploads } from './multipart.js';
import type { EngineOptions, ResolvedEngineOptions } from './options.js';
import { putObject } from './put-object.js';
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

  constructor(options: EngineOptions) {
    this.#ctx = createEngineContext(options);
    ({ options: this.options, temp: this.temp, references: this.references, reconstructions: this.reconstructions, codecSlots: this.codecSlots } = this.#ctx);
    this.multipart = new MultipartUploads(this.#ctx);
  }

  /** The backend the engine stores into. */
  get store(): ObjectStore {
    return this.#ctx.store;
  }

  /** Frees temp files and cache entries (shutdown). */
  async close(): Promise<void> {
    await this.references.clear();
    await this.reconstructions.clear();
    this.multipart.clear();
    this.temp.dispose();
  }

  /** Stores an object under the DeltaGlider rules (FORMAT.md "Decision on PUT"). */
  putObject(input: PutObjectInput): Promise<PutObjectResult> {
    return putObject(this.#ctx, input);
  }

  /** HEAD: the original's description, conditions applied. */
  headObject(input: { bucket: string; key: string; conditions?: GetObjectInput['conditions'] }): Promise<ObjectInfo> {
    return headObject(this.#ctx, input);
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
}
