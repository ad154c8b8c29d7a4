/**
 * Multipart uploads handled by the engine: parts are spooled to disk, and
 * completion runs the whole object through the ordinary PUT rules, so a
 * delta-eligible upload ends up delta-compressed whatever its size.
 *
 * Uploads live in this process (memory + temp dir); a restart forgets them, the
 * way an expired upload is forgotten, and the temp sweep removes their parts.
 *
 * A completion is remembered for a while after it succeeds (clients retry a Complete
 * whose answer they did not get, and S3 answers the retry with the same result), and an
 * Abort that meets a running completion waits for it: if the object was stored, the
 * upload is gone (NoSuchUpload), never "aborted" with the object appearing afterwards.
 *
 * The completed object's ETag is the MD5 of the whole object (not S3's
 * md5-of-md5s-N): it is what GET/HEAD/LIST report for the object afterwards,
 * so the ETag never disagrees between calls, and clients that check an ETag
 * without a "-" against the file's MD5 (rclone) verify correctly.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  EntityTooSmallError,
  InvalidArgumentError,
  InvalidPartError,
  InvalidPartOrderError,
  NoSuchBucketError,
  NoSuchUploadError,
  PreconditionFailedError,
} from '../errors.js';
import { assertUserKey } from '../format/keys.js';
import { HashingCounter, removeQuietly, spoolToFile, type Spool, type SpoolOptions } from '../spool.js';
import type { StoredHeaders } from '../store/object-store.js';
import type { EngineContext } from './context.js';
import { getObject } from './get-object.js';
import { assertPartNumber } from './part-number.js';
import { putSpool } from './put-object.js';
import type {
  CompletedPart,
  Conditions,
  CreateMultipartUploadInput,
  MultipartUploadInfo,
  PartInfo,
  PutObjectResult,
  UploadPartInput,
} from './types.js';

export { MAX_PART_NUMBER } from '../format/part-sizes.js';
/** S3's largest part. */
export const MAX_PART_SIZE = 5 * 1024 ** 3;
/** How long a completed upload answers a repeated Complete with its result (clients retry after timeouts). */
export const DEFAULT_COMPLETED_UPLOAD_TTL_MS = 15 * 60 * 1000;
/** Completed uploads remembered at most (the oldest are forgotten first); each is a few hundred bytes. */
export const MAX_COMPLETED_UPLOADS_REMEMBERED = 10_000;

/** UploadPartCopy: a part whose bytes are (a range of) an existing object, read through the engine. */
export interface UploadPartCopyInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  sourceBucket: string;
  sourceKey: string;
  /** `x-amz-copy-source-range` as sent (`bytes=first-last`, both inclusive). */
  sourceRange?: string;
  /** `x-amz-copy-source-if-*`: a failed condition answers 412, never 304. */
  sourceConditions?: Conditions;
  signal?: AbortSignal;
}

interface Part extends PartInfo {
  path: string;
}

interface Upload extends MultipartUploadInfo {
  contentType?: string;
  userMetadata?: Record<string, string>;
  headers?: StoredHeaders;
  dir: string;
  parts: Map<number, Part>;
  /** The running completion; a repeated Complete or an Abort waits for it. */
  completion?: Promise<PutObjectResult>;
}

interface CompletedUpload {
  bucket: string;
  key: string;
  result: PutObjectResult;
  expires: number;
}

const COPY_SOURCE_RANGE = /^bytes=(\d+)-(\d+)$/;

/** The multipart uploads of one engine (in this process). */
export class MultipartUploads {
  readonly #uploads = new Map<string, Upload>();
  readonly #completed = new Map<string, CompletedUpload>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly completedTtlMs = DEFAULT_COMPLETED_UPLOAD_TTL_MS,
  ) {}

  #get(bucket: string, key: string, uploadId: string): Upload {
    const u = this.#uploads.get(uploadId);
    if (!u || u.bucket !== bucket || u.key !== key) throw new NoSuchUploadError(uploadId);
    return u;
  }

  #recentlyCompleted(bucket: string, key: string, uploadId: string): CompletedUpload | undefined {
    const now = Date.now();
    // Insertion order is completion order: expired entries sit at the front.
    for (const [id, c] of this.#completed) {
      if (c.expires > now) break;
      this.#completed.delete(id);
    }
    const c = this.#completed.get(uploadId);
    return c && c.bucket === bucket && c.key === key ? c : undefined;
  }

  async create(input: CreateMultipartUploadInput): Promise<{ uploadId: string }> {
    assertUserKey(input.key);
    if (!(await this.ctx.store.headBucket(input.bucket))) throw new NoSuchBucketError(input.bucket);
    const uploadId = randomBytes(24).toString('base64url');
    this.#uploads.set(uploadId, {
      bucket: input.bucket,
      key: input.key,
      uploadId,
      initiated: new Date(),
      contentType: input.contentType,
      userMetadata: input.userMetadata,
      headers: input.headers,
      dir: this.ctx.temp.dir('mpu'),
      parts: new Map(),
    });
    return { uploadId };
  }

  async uploadPart(input: UploadPartInput): Promise<{ etag: string }> {
    const u = this.#get(input.bucket, input.key, input.uploadId);
    assertPartNumber(input.partNumber);
    const part = await this.#storePart(u, input.partNumber, input.body, { expectedSize: input.contentLength, contentMd5: input.contentMd5, known: input.knownDigests, signal: input.signal });
    return { etag: part.etag };
  }

  /**
   * UploadPartCopy: the part is the source object (or the requested range of it) as a
   * GET through the engine returns it, so a delta-stored source is reconstructed and
   * verified first. The backend never sees the request (an RGW 16.2 backend crashes on
   * a percent-encoded copy source).
   */
  async uploadPartCopy(input: UploadPartCopyInput): Promise<{ etag: string; lastModified: Date }> {
    const u = this.#get(input.bucket, input.key, input.uploadId);
    assertPartNumber(input.partNumber);
    let requested: { start: number; end: number } | undefined;
    if (input.sourceRange !== undefined) {
      const m = COPY_SOURCE_RANGE.exec(input.sourceRange.trim());
      if (!m || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy');
      requested = { start: Number(m[1]), end: Number(m[2]) };
    }
    const source = await getObject(this.ctx, { bucket: input.sourceBucket, key: input.sourceKey, range: input.sourceRange?.trim(), conditions: input.sourceConditions, signal: input.signal })
      .catch((err: unknown) => {
        // Conditions on a copy source answer 412, never 304.
        if ((err as { code?: string }).code === 'NotModified') throw new PreconditionFailedError();
        // A range past the end is a bad argument for a copy, not 416 as on GET.
        if (requested && (err as { code?: string }).code === 'InvalidRange') throw rangeOutside((err as { objectSize: number }).objectSize);
        throw err;
      });
    // GET clips a range that runs past the end; a copy must not silently copy fewer bytes.
    if (requested && (source.range?.end !== requested.end || source.range.start !== requested.start)) {
      source.body.destroy();
      throw rangeOutside(source.info.size);
    }
    const part = await this.#storePart(u, input.partNumber, source.body, { expectedSize: source.contentLength, signal: input.signal });
    return { etag: part.etag, lastModified: part.lastModified };
  }

  /**
   * Spools a part to a file of its own, so two uploads of one part number never write
   * the same file; the one that finishes last is the part (S3: last writer wins).
   */
  async #storePart(u: Upload, partNumber: number, body: Readable, options: Pick<SpoolOptions, 'expectedSize' | 'contentMd5' | 'known' | 'signal'>): Promise<Part> {
    // A part's 200 says its bytes are stored, like an object's.
    const spool = await spoolToFile(body, this.ctx.temp, { ...options, maxSize: MAX_PART_SIZE, flush: this.ctx.options.fsync === 'always', withoutSha256: true });
    // The upload may have been aborted or completed while the part streamed in.
    if (this.#uploads.get(u.uploadId) !== u || u.completion) {
      await removeQuietly(spool.path);
      throw new NoSuchUploadError(u.uploadId);
    }
    const part: Part = { partNumber, etag: spool.md5, size: spool.size, lastModified: new Date(), path: spool.path };
    const old = u.parts.get(partNumber);
    u.parts.set(partNumber, part);
    if (old) await removeQuietly(old.path);
    return part;
  }

  /**
   * Assembles the parts and stores the object. A Complete of an upload that completed
   * recently answers with the same result; one that arrives while the completion runs
   * waits for it.
   */
  async complete(bucket: string, key: string, uploadId: string, parts: CompletedPart[]): Promise<PutObjectResult> {
    const done = this.#recentlyCompleted(bucket, key, uploadId);
    if (done) return done.result;
    const u = this.#get(bucket, key, uploadId);
    if (u.completion) return u.completion;
    if (parts.length === 0) throw new InvalidArgumentError('You must specify at least one part');
    const chosen: Part[] = [];
    let previous = 0;
    for (const p of parts) {
      if (p.partNumber <= previous) throw new InvalidPartOrderError();
      previous = p.partNumber;
      const have = u.parts.get(p.partNumber);
      if (!have || have.etag !== p.etag.replace(/"/g, '').toLowerCase()) throw new InvalidPartError();
      chosen.push(have);
    }
    chosen.slice(0, -1).forEach((p) => {
      if (p.size < this.ctx.options.minPartSize) throw new EntityTooSmallError();
    });
    u.completion = this.#assemble(u, chosen);
    try {
      return await u.completion;
    } catch (err) {
      u.completion = undefined;
      throw err;
    }
  }

  async #assemble(u: Upload, chosen: Part[]): Promise<PutObjectResult> {
    const { bucket, key, uploadId } = u;
    const path = this.ctx.temp.file('assembled');
    try {
      const counter = new HashingCounter();
      const parts = async function* (): AsyncGenerator<Buffer> {
        for (const p of chosen) yield* createReadStream(p.path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
      };
      await pipeline(parts, counter, createWriteStream(path));
      const spool: Spool = { path, size: counter.size, ...counter.digests() };
      const partSizes = chosen.map((p) => p.size);
      const result = await putSpool(this.ctx, spool, { bucket, key, contentType: u.contentType, userMetadata: u.userMetadata, headers: u.headers, partSizes });
      this.#uploads.delete(uploadId);
      this.#completed.set(uploadId, { bucket, key, result, expires: Date.now() + this.completedTtlMs });
      if (this.#completed.size > MAX_COMPLETED_UPLOADS_REMEMBERED) this.#completed.delete(this.#completed.keys().next().value as string);
      await removeQuietly(u.dir);
      for (const p of u.parts.values()) await removeQuietly(p.path);
      return result;
    } finally {
      await removeQuietly(path);
    }
  }

  /**
   * Aborts an upload. One that is completing is not interrupted: the Abort waits, and
   * answers NoSuchUpload if the object was stored (as S3 does for a completed upload),
   * or aborts it if the completion failed.
   */
  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    if (this.#recentlyCompleted(bucket, key, uploadId)) throw new NoSuchUploadError(uploadId);
    const u = this.#get(bucket, key, uploadId);
    if (u.completion) {
      const stored = await u.completion.then(
        () => true,
        () => false,
      );
      if (stored) throw new NoSuchUploadError(uploadId);
      // Another Abort (or a successful retry of the Complete) may have run meanwhile.
      return this.abort(bucket, key, uploadId);
    }
    this.#uploads.delete(uploadId);
    for (const p of u.parts.values()) await removeQuietly(p.path);
    await removeQuietly(u.dir);
  }

  listParts(bucket: string, key: string, uploadId: string, options: { maxParts?: number; partNumberMarker?: number } = {}): { parts: PartInfo[]; isTruncated: boolean; nextPartNumberMarker?: number; upload: MultipartUploadInfo } {
    const u = this.#get(bucket, key, uploadId);
    const max = Math.min(options.maxParts ?? 1000, 1000);
    const all = [...u.parts.values()].filter((p) => p.partNumber > (options.partNumberMarker ?? 0)).sort((a, b) => a.partNumber - b.partNumber);
    const parts = all.slice(0, max).map(({ partNumber, etag, size, lastModified }) => ({ partNumber, etag, size, lastModified }));
    const isTruncated = all.length > max;
    return { parts, isTruncated, nextPartNumberMarker: isTruncated ? parts[parts.length - 1]?.partNumber : undefined, upload: u };
  }

  listUploads(bucket: string, options: { prefix?: string } = {}): MultipartUploadInfo[] {
    return [...this.#uploads.values()]
      .filter((u) => u.bucket === bucket && u.key.startsWith(options.prefix ?? ''))
      .sort((a, b) => (a.key === b.key ? a.initiated.getTime() - b.initiated.getTime() : a.key < b.key ? -1 : 1))
      .map(({ bucket: b, key, uploadId, initiated }) => ({ bucket: b, key, uploadId, initiated }));
  }

  clear(): void {
    this.#uploads.clear();
    this.#completed.clear();
  }
}

function rangeOutside(objectSize: number): InvalidArgumentError {
  return new InvalidArgumentError(`Range specified is not valid for source object of size: ${objectSize}`);
}
