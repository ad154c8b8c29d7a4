/**
 * Multipart uploads handled by the engine: parts are spooled to disk, and
 * completion runs the whole object through the ordinary PUT rules, so a
 * delta-eligible upload ends up delta-compressed whatever its size.
 *
 * Uploads live in this process (memory + temp dir); a restart forgets them, the
 * way an expired upload is forgotten, and the temp sweep removes their parts.
 *
 * The completed object's ETag is the MD5 of the whole object (not S3's
 * md5-of-md5s-N): it is what GET/HEAD/LIST report for the object afterwards,
 * so the ETag never disagrees between calls, and clients that check an ETag
 * without a "-" against the file's MD5 (rclone) verify correctly.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import {
  EntityTooSmallError,
  InvalidArgumentError,
  InvalidPartError,
  InvalidPartOrderError,
  NoSuchBucketError,
  NoSuchUploadError,
} from '../errors.js';
import { assertUserKey } from '../format/keys.js';
import { HashingCounter, removeQuietly, spoolToFile, type Spool } from '../spool.js';
import type { StoredHeaders } from '../store/object-store.js';
import type { EngineContext } from './context.js';
import { putSpool } from './put-object.js';
import type {
  CompletedPart,
  CreateMultipartUploadInput,
  MultipartUploadInfo,
  PartInfo,
  PutObjectResult,
  UploadPartInput,
} from './types.js';

/** S3's part number range. */
export const MAX_PART_NUMBER = 10_000;

interface Part extends PartInfo {
  path: string;
}

interface Upload extends MultipartUploadInfo {
  contentType?: string;
  userMetadata?: Record<string, string>;
  headers?: StoredHeaders;
  dir: string;
  parts: Map<number, Part>;
  completing: boolean;
}

export class MultipartUploads {
  readonly #uploads = new Map<string, Upload>();

  constructor(private readonly ctx: EngineContext) {}

  #get(bucket: string, key: string, uploadId: string): Upload {
    const u = this.#uploads.get(uploadId);
    if (!u || u.bucket !== bucket || u.key !== key) throw new NoSuchUploadError(uploadId);
    return u;
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
      completing: false,
    });
    return { uploadId };
  }

  async uploadPart(input: UploadPartInput): Promise<{ etag: string }> {
    const u = this.#get(input.bucket, input.key, input.uploadId);
    if (!Number.isInteger(input.partNumber) || input.partNumber < 1 || input.partNumber > MAX_PART_NUMBER) {
      throw new InvalidArgumentError(`Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`);
    }
    const spool = await spoolToFile(input.body, this.ctx.temp, {
      expectedSize: input.contentLength,
      contentMd5: input.contentMd5,
      maxSize: 5 * 1024 ** 3,
      signal: input.signal,
    });
    // The upload may have been aborted or completed while the part streamed in.
    if (this.#uploads.get(input.uploadId) !== u || u.completing) {
      await removeQuietly(spool.path);
      throw new NoSuchUploadError(input.uploadId);
    }
    const old = u.parts.get(input.partNumber);
    u.parts.set(input.partNumber, { partNumber: input.partNumber, etag: spool.md5, size: spool.size, lastModified: new Date(), path: spool.path });
    if (old) await removeQuietly(old.path);
    return { etag: spool.md5 };
  }

  async complete(bucket: string, key: string, uploadId: string, parts: CompletedPart[]): Promise<PutObjectResult> {
    const u = this.#get(bucket, key, uploadId);
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
    u.completing = true;
    const path = this.ctx.temp.file('assembled');
    try {
      const counter = new HashingCounter();
      const parts = async function* (): AsyncGenerator<Buffer> {
        for (const p of chosen) yield* createReadStream(p.path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
      };
      await pipeline(parts, counter, createWriteStream(path));
      const spool: Spool = { path, size: counter.size, ...counter.digests() };
      const result = await putSpool(this.ctx, spool, { bucket, key, contentType: u.contentType, userMetadata: u.userMetadata, headers: u.headers });
      this.#uploads.delete(uploadId);
      await removeQuietly(u.dir);
      for (const p of u.parts.values()) await removeQuietly(p.path);
      return result;
    } catch (err) {
      u.completing = false;
      throw err;
    } finally {
      await removeQuietly(path);
    }
  }

  async abort(bucket: string, key: string, uploadId: string): Promise<void> {
    const u = this.#get(bucket, key, uploadId);
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
  }
}
