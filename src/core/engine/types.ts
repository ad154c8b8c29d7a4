/**
 * The engine's public vocabulary: what the S3 adapters (middleware, reverse proxy,
 * SDK plugin) pass in and get back. User keys only; backend keys never leak out.
 */
import type { Readable } from 'node:stream';
import type { StoredHeaders } from '../store/object-store.js';
import type { KnownDigests } from '../spool.js';

/**
 * How an object is held on the backend. Sent to clients as `x-amz-storage-type`.
 * `compressed` (compact profile): stored compressed on its own, no reference needed.
 */
export type StorageType = 'delta' | 'passthrough' | 'reference' | 'compressed';

/** What a client sees of an object (GET/HEAD/LIST). */
export interface ObjectInfo {
  /** User key. */
  key: string;
  /** Original byte count. */
  size: number;
  /** Original MD5 hex, without quotes (the ETag clients see). */
  etag: string;
  lastModified: Date;
  contentType?: string;
  /** Client metadata (the `x-amz-meta-*` the client sent), keys lower-cased. */
  userMetadata: Record<string, string>;
  headers: StoredHeaders;
  storageType: StorageType;
  /** Bytes the object occupies on the backend (delta size for deltas). */
  storedSize: number;
  /** Hex SHA-256 of the original when known. */
  sha256?: string;
  /** Every raw backend metadata field, for debugging and the UI inspector. */
  rawMetadata: Record<string, string>;
  /** Backend key holding the bytes (`p/name.delta`, `p/name`). */
  backendKey: string;
  /** For deltas: the backend key of the reference they need. */
  referenceKey?: string;
  /** `compact` when a compact-profile write stored it; `compatible` otherwise. */
  profile: 'compatible' | 'compact';
  /** A passthrough object whose deferred encoding has not run yet (`dg-pending`). */
  pending?: boolean;
  /** Objects stored whole: why no delta was kept (`compressed content (zip)`, `delta too large: 0.93`, ...), when known. */
  reason?: string;
  /** Stored by a multipart Complete with its part sizes recorded: the size of each part. */
  partSizes?: number[];
}

/** A list entry as clients see it (LIST returns no metadata, so no content type). */
export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  storageType: StorageType;
  storedSize: number;
  /** Stored as it arrived, deferred encoding still to run. */
  pending?: boolean;
}

/** HTTP conditional request headers, already parsed. */
export interface Conditions {
  /** Raw If-Match value (may be `*` or a list of quoted ETags). */
  ifMatch?: string;
  /** Raw If-None-Match value. */
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

export interface PutObjectInput {
  bucket: string;
  key: string;
  /** The body stream. Spooled to a temp file while hashed; never held in memory. */
  body: Readable;
  /** Declared length when known: a shorter or longer body is an error. */
  contentLength?: number;
  contentType?: string;
  /** Client metadata without the `x-amz-meta-` prefix. */
  userMetadata?: Record<string, string>;
  headers?: StoredHeaders;
  /** Base64 Content-MD5 to verify (BadDigest on mismatch). */
  contentMd5?: string;
  /** Digests the body stream verifies itself before it ends (KnownDigests): the engine does not compute them again. */
  knownDigests?: KnownDigests;
  /** Conditional create (`If-None-Match: *`) / overwrite (`If-Match`). */
  conditions?: Pick<Conditions, 'ifMatch' | 'ifNoneMatch'>;
  signal?: AbortSignal;
}

export interface PutObjectResult {
  /** Original MD5 hex (no quotes). */
  etag: string;
  storageType: StorageType;
  /** Original size. */
  size: number;
  /** Bytes written to the backend by this PUT (including the reference it created, if any). */
  storedSize: number;
  /** Hex SHA-256 of the original. */
  sha256: string;
  /** Delta/original when a delta was computed (stored or not). */
  deltaRatio?: number;
  /** True when this PUT created the deltaspace's reference. */
  createdReference: boolean;
  /** Encode time in ms when the codec ran. */
  encodeMs?: number;
  /** Stored as a pending passthrough object: the compactor encodes it later. */
  pending?: boolean;
  /** Stored whole: why (the `dg-reason` written with it). */
  reason?: string;
}

export interface GetObjectInput {
  bucket: string;
  key: string;
  /** Raw Range header value (`bytes=0-99`, `bytes=-500`, `bytes=100-`). */
  range?: string;
  /** `?partNumber=N` (1-based): serve part N of a multipart object; never together with `range`. */
  partNumber?: number;
  conditions?: Conditions;
  signal?: AbortSignal;
}

export interface GetObjectResult {
  info: ObjectInfo;
  /** Original bytes (or the requested range), already verified. */
  body: Readable;
  /** Set when a Range (or a part) was served (206): inclusive bounds. */
  range?: { start: number; end: number };
  /** Bytes in `body`. */
  contentLength: number;
  /** With `partNumber`: the object's part count, when it was stored in parts (`x-amz-mp-parts-count`). */
  partsCount?: number;
}

export interface ListObjectsInput {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  /** 0..1000 (default 1000). */
  maxKeys?: number;
  /** Exclusive lower bound on user keys (StartAfter / V1 Marker). */
  startAfter?: string;
  /** Opaque token from a previous page (V2). Takes precedence over startAfter. */
  continuationToken?: string;
}

export interface ListObjectsResult {
  objects: ObjectSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Opaque token for the next page (V2 NextContinuationToken). */
  nextContinuationToken?: string;
  /** Last user key or prefix returned (V1 NextMarker). */
  nextMarker?: string;
}

export interface CopyObjectInput {
  sourceBucket: string;
  sourceKey: string;
  bucket: string;
  key: string;
  /** COPY (default) keeps the source's metadata; REPLACE takes the fields below. */
  metadataDirective?: 'COPY' | 'REPLACE';
  contentType?: string;
  userMetadata?: Record<string, string>;
  headers?: StoredHeaders;
  /** x-amz-copy-source-if-* conditions, evaluated against the source. */
  sourceConditions?: Conditions;
}

export interface CopyObjectResult {
  etag: string;
  lastModified: Date;
  storageType: StorageType;
}

export interface DeleteObjectsResult {
  deleted: string[];
  errors: { key: string; code: string; message: string }[];
}

export interface CreateMultipartUploadInput {
  bucket: string;
  key: string;
  contentType?: string;
  userMetadata?: Record<string, string>;
  headers?: StoredHeaders;
}

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  body: Readable;
  contentLength?: number;
  contentMd5?: string;
  /** Digests the body stream verifies itself before it ends (KnownDigests). */
  knownDigests?: KnownDigests;
  signal?: AbortSignal;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface PartInfo {
  partNumber: number;
  etag: string;
  size: number;
  lastModified: Date;
}

export interface MultipartUploadInfo {
  bucket: string;
  key: string;
  uploadId: string;
  initiated: Date;
}
