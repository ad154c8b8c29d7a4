/**
 * The storage port. The engine speaks only this interface; S3Store and
 * FileSystemStore implement it. Keys here are BACKEND keys (`p/reference.bin`,
 * `p/v2.zip.delta`), never user keys.
 *
 * Error contract (the reliability of the whole product rests on it):
 * - `headObject` returns `undefined` only for a real "not found". Any other failure
 *   (timeout, 5xx, access denied) throws BackendError. A transient error must never
 *   be read as "absent", or a live reference could be replaced.
 * - Missing bucket -> NoSuchBucketError. Missing key on get -> NoSuchKeyError.
 */
import type { Readable } from 'node:stream';

/** A stored object's description. */
export interface StoredObjectInfo {
  key: string;
  size: number;
  /** Backend ETag without quotes. */
  etag: string;
  lastModified: Date;
  /** User metadata, keys lower-cased, without the `x-amz-meta-` prefix. */
  metadata: Record<string, string>;
  contentType?: string;
  /** Other standard headers stored with the object (cache-control, content-disposition...). */
  headers?: StoredHeaders;
}

/** Standard object headers that S3 stores and returns verbatim. */
export interface StoredHeaders {
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
}

/** One entry of a backend listing (no metadata: S3 lists do not return it). */
export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  /** Exclusive lower bound (S3 StartAfter). */
  startAfter?: string;
  /** 1..1000. */
  maxKeys?: number;
}

export interface ListPage {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /**
   * When truncated: the last key or common prefix returned; pass it as `startAfter`
   * for the next page.
   */
  nextStartAfter?: string;
}

/** A byte range, both ends inclusive, already resolved against the object size. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The body of a put: a file on local disk (a spool) with a known size. */
export interface PutSource {
  path: string;
  size: number;
}

export interface PutOptions {
  metadata: Record<string, string>;
  contentType?: string;
  headers?: StoredHeaders;
  /** Create only if absent (S3 `If-None-Match: *`). Throws PreconditionFailedError if it exists. */
  ifNoneMatch?: boolean;
  /** Hex MD5 of the body when known (lets the backend verify the upload). */
  md5?: string;
}

/** Options of a streamed put (ObjectStore.putStream). */
export interface StreamPutOptions extends Omit<PutOptions, 'md5'> {
  /**
   * The metadata to store instead of `metadata`, built once the whole body has passed
   * (with its digests). A store that publishes metadata after the data (the filesystem
   * store) uses it; one that must send metadata before the body (S3) cannot, and answers
   * `lateMetadata: false` so the caller knows the object carries `metadata`.
   */
  lateMetadata?: () => Record<string, string>;
}

/** What a streamed put reports. */
export interface StreamPutResult {
  etag: string;
  /** Whether `lateMetadata` was stored with the object. */
  lateMetadata: boolean;
}

/** Options of a conditional delete or metadata rewrite. */
export interface IfMatchOptions {
  /** Act only if the object's backend ETag is still this one (no quotes). */
  ifMatch?: string;
}

export interface GetResult {
  info: StoredObjectInfo;
  body: Readable;
}

export interface BucketInfo {
  name: string;
  creationDate: Date;
}

/** The storage port implemented by S3Store and FileSystemStore. */
export interface ObjectStore {
  /** Human-readable description for logs and /health (`s3 http://localhost:9000`, `fs ./data`). */
  readonly description: string;
  /**
   * False when objects must not be streamed to this backend with putStream: it shows an
   * object while it is being written (s3rver writes in place), so a body still arriving,
   * or one that fails, would be visible. Bodies are then spooled first. Default true.
   */
  readonly streamedPuts?: boolean;

  headObject(bucket: string, key: string): Promise<StoredObjectInfo | undefined>;
  getObject(bucket: string, key: string, range?: ByteRange): Promise<GetResult>;
  /**
   * Where part `partNumber` of an object the backend itself holds in parts lies (S3: a HEAD
   * with `partNumber`). `partsCount` undefined: the backend did not say (it ignores the
   * parameter, as RGW 16.2 does). Absent on stores that keep no parts (the filesystem store).
   */
  partRange?(bucket: string, key: string, partNumber: number): Promise<{ range: ByteRange; partsCount?: number; size: number }>;
  putObject(bucket: string, key: string, source: PutSource, options: PutOptions): Promise<{ etag: string }>;
  /**
   * Streams a body of known size to the backend while it arrives (no spool). The body's
   * failure (a digest mismatch upstream) must leave nothing published.
   */
  putStream?(bucket: string, key: string, body: Readable, size: number, options: StreamPutOptions): Promise<StreamPutResult>;
  /**
   * Rewrites an object's metadata without sending its bytes again (S3: a copy onto
   * itself). With `ifMatch`, throws PreconditionFailedError when the object changed.
   */
  replaceMetadata?(bucket: string, key: string, options: PutOptions & IfMatchOptions): Promise<{ etag: string }>;
  /**
   * Idempotent: deleting a missing key succeeds. With `ifMatch`, a key whose ETag is
   * another one is left alone and PreconditionFailedError thrown (where the backend can
   * check it; s3rver ignores the condition).
   */
  deleteObject(bucket: string, key: string, options?: IfMatchOptions): Promise<void>;
  /** Idempotent per key. Returns the keys that failed with their error. */
  deleteObjects(bucket: string, keys: string[]): Promise<{ errors: { key: string; error: Error }[] }>;
  listObjects(bucket: string, options: ListOptions): Promise<ListPage>;

  createBucket(bucket: string): Promise<void>;
  /** True if it exists, false for a real 404; throws on anything else. */
  headBucket(bucket: string): Promise<boolean>;
  deleteBucket(bucket: string): Promise<void>;
  listBuckets(): Promise<BucketInfo[]>;

  /** Cheap liveness probe for /health. */
  ping(): Promise<void>;
}
