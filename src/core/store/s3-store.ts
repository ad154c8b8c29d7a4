/**
 * ObjectStore on any S3 endpoint (AWS S3, MinIO, s3rver) through @aws-sdk/client-s3.
 */
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 as zlibCrc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  type HeadObjectCommandOutput,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  BackendError,
  BucketAlreadyOwnedByYouError,
  BucketNotEmptyError,
  DeltaGliderError,
  InvalidBucketNameError,
  InvalidPartNumberError,
  NoSuchBucketError,
  NoSuchKeyError,
  PreconditionFailedError,
} from '../errors.js';
import { MAX_KEY_BYTES } from '../format/keys.js';
import type {
  BucketInfo,
  ByteRange,
  GetResult,
  IfMatchOptions,
  ListOptions,
  ListPage,
  ObjectStore,
  PutOptions,
  PutSource,
  StoredObjectInfo,
  StreamPutOptions,
  StreamPutResult,
} from './object-store.js';

/** Objects above this size are uploaded with multipart: S3's single PUT limit is 5 GiB. */
export const MULTIPART_THRESHOLD = 5 * 1024 ** 3;
/**
 * lib-storage buffers each part in memory (partSize x queueSize), so parts stay small:
 * 16 MiB x 2 keeps a multipart upload near 50 MiB of heap, and 10,000 parts still
 * cover objects up to 156 GiB. Below the threshold a single PUT streams from the spool.
 */
const MULTIPART_PART_SIZE = 16 * 1024 * 1024;
const MULTIPART_QUEUE = 2;

export interface S3StoreOptions {
  /** A ready client; when given, the fields below are ignored. */
  client?: S3Client;
  /** Endpoint URL (`http://localhost:9000`); omit for AWS. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Path-style addressing (MinIO, s3rver). Default true when an endpoint is given. */
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * Send `If-None-Match: *` when creating references. Default true; turn off only for
   * backends that reject the header (the in-process lock still serialises writers).
   */
  conditionalWrites?: boolean;
  /**
   * Stream deferred-mode PUT bodies to the backend as they arrive (ObjectStore.putStream).
   * Default true; false for backends that show an object while it is written (s3rver):
   * bodies are then spooled to local disk first and uploaded whole.
   */
  streamedPuts?: boolean;
}

interface AwsError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  message?: string;
}

function status(err: unknown): number | undefined {
  return (err as AwsError)?.$metadata?.httpStatusCode;
}

function codeOf(err: unknown): string | undefined {
  return (err as AwsError)?.name ?? (err as AwsError)?.Code;
}

/** Translates an SDK error into the core's vocabulary. Never turns a failure into "absent". */
function translate(err: unknown, bucket: string, key?: string): Error {
  if (err instanceof DeltaGliderError) return err;
  const code = codeOf(err);
  if (code === 'NoSuchBucket') return new NoSuchBucketError(bucket);
  if (code === 'NoSuchKey' && key !== undefined) return new NoSuchKeyError(key);
  if (code === 'BucketNotEmpty') return new BucketNotEmptyError(bucket);
  if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return new BucketAlreadyOwnedByYouError(bucket);
  if (code === 'InvalidBucketName') return new InvalidBucketNameError(bucket);
  if (code === 'PreconditionFailed' || status(err) === 412) return new PreconditionFailedError();
  const msg = (err as AwsError)?.message ?? String(err);
  return new BackendError(`backend ${code ?? 'error'}${status(err) ? ` (HTTP ${status(err)})` : ''}: ${msg}`, { cause: err });
}

/**
 * Further rounds (after the SDK's own attempts) for a listing answered 500. A listing
 * is a read without side effects, and s3rver answers 500 to one that meets the metadata
 * of an object another request is rewriting (it reads every object's metadata file,
 * which it writes in place): under load that outlasted the SDK's three attempts once in
 * 9,000 requests of the reliability soak.
 */
const LIST_RETRY_DELAYS_MS = [100, 300, 900];

/**
 * A key over S3's 1024-byte limit cannot exist, so reading, listing or deleting it is
 * "absent" (or a no-op), answered here: the engine probes derived keys (`<key>.delta`, a user key of exactly
 * 1024 bytes plus a suffix), and Ceph RGW answers such a HEAD/GET/LIST/DELETE with 400 InvalidObjectName
 * that would otherwise surface as a backend failure.
 */
function beyondKeyLimit(key: string): boolean {
  return Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES;
}

/** Object store on an S3-compatible endpoint. */
export class S3Store implements ObjectStore {
  readonly description: string;
  readonly client: S3Client;
  readonly #conditional: boolean;
  readonly streamedPuts: boolean;

  constructor(options: S3StoreOptions = {}) {
    const { client, endpoint, region = 'us-east-1', forcePathStyle, credentials, conditionalWrites = true, streamedPuts = true } = options;
    this.streamedPuts = streamedPuts;
    if (client) {
      this.client = client;
    } else {
      const config: S3ClientConfig = {
        region,
        endpoint,
        forcePathStyle: forcePathStyle ?? endpoint !== undefined,
        credentials,
        // Some S3-compatible servers (s3rver) store aws-chunked framing verbatim: only
        // send checksums when an operation requires them.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      };
      this.client = new S3Client(config);
    }
    this.#conditional = conditionalWrites;
    this.description = `s3 ${endpoint ?? 'aws'}`;
  }

  async headObject(bucket: string, key: string): Promise<StoredObjectInfo | undefined> {
    if (beyondKeyLimit(key)) return undefined;
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return describeObject(key, r.ContentLength ?? 0, r);
    } catch (err) {
      // HEAD has no body, so a missing bucket also shows up as a bare 404: check which.
      if (status(err) === 404 || codeOf(err) === 'NotFound' || codeOf(err) === 'NoSuchKey') {
        if (codeOf(err) === 'NoSuchBucket') throw new NoSuchBucketError(bucket);
        return undefined;
      }
      throw translate(err, bucket, key);
    }
  }

  async getObject(bucket: string, key: string, range?: ByteRange): Promise<GetResult> {
    if (beyondKeyLimit(key)) throw new NoSuchKeyError(key);
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      const size = range ? Number(r.ContentRange?.split('/')[1] ?? r.ContentLength ?? 0) : (r.ContentLength ?? 0);
      return { info: describeObject(key, size, r), body: r.Body as Readable };
    } catch (err) {
      throw translate(err, bucket, key);
    }
  }

  async partRange(bucket: string, key: string, partNumber: number): Promise<{ range: ByteRange; partsCount?: number; size: number }> {
    if (beyondKeyLimit(key)) throw new NoSuchKeyError(key);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: partNumber }));
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.ContentRange ?? '');
      if (!m) return { range: { start: 0, end: (r.ContentLength ?? 0) - 1 }, partsCount: undefined, size: r.ContentLength ?? 0 };
      return { range: { start: Number(m[1]), end: Number(m[2]) }, partsCount: r.PartsCount, size: Number(m[3]) };
    } catch (err) {
      if (status(err) === 416) throw new InvalidPartNumberError(partNumber);
      if (status(err) === 404) throw new NoSuchKeyError(key);
      throw translate(err, bucket, key);
    }
  }

  async putObject(bucket: string, key: string, source: PutSource, options: PutOptions): Promise<{ etag: string }> {
    const common = this.#putFields(bucket, key, options);
    try {
      if (source.size > MULTIPART_THRESHOLD) {
        const upload = new Upload({
          client: this.client,
          params: { ...common, Body: createReadStream(source.path, { highWaterMark: 1024 * 1024 }) },
          partSize: MULTIPART_PART_SIZE,
          queueSize: MULTIPART_QUEUE,
        });
        const r = await upload.done();
        return { etag: (r.ETag ?? '').replace(/"/g, '') };
      }
      const r = await this.client.send(
        new PutObjectCommand({
          ...common,
          Body: createReadStream(source.path, { highWaterMark: 1024 * 1024 }),
          ContentLength: source.size,
          ContentMD5: options.md5 ? Buffer.from(options.md5, 'hex').toString('base64') : undefined,
          // A precomputed checksum travels as a header: the SDK then sends the file as
          // a plain body instead of aws-chunked framing with a trailer, which some
          // S3-compatible servers (s3rver) would store verbatim. AWS still verifies it.
          ChecksumCRC32: await crc32File(source.path),
        }),
      );
      return { etag: (r.ETag ?? '').replace(/"/g, '') };
    } catch (err) {
      throw translate(err, bucket, key);
    }
  }

  /**
   * One PUT whose body is the stream itself, metadata in the request headers (so
   * `lateMetadata` cannot be stored). A body that fails mid-way aborts the request: the
   * backend stores nothing short of the declared Content-Length.
   */
  async putStream(bucket: string, key: string, body: Readable, size: number, options: StreamPutOptions): Promise<StreamPutResult> {
    if (size > MULTIPART_THRESHOLD) throw new RangeError(`putStream: ${size} bytes exceed a single PUT; spool and use putObject`);
    try {
      const r = await this.client.send(new PutObjectCommand({ ...this.#putFields(bucket, key, options), Body: body, ContentLength: size }));
      return { etag: (r.ETag ?? '').replace(/"/g, ''), lateMetadata: false };
    } catch (err) {
      body.destroy();
      throw translate(err, bucket, key);
    }
  }

  /** A copy of the object onto itself with the new metadata (server-side: no bytes travel). */
  async replaceMetadata(bucket: string, key: string, options: PutOptions & IfMatchOptions): Promise<{ etag: string }> {
    const fields = this.#putFields(bucket, key, options);
    try {
      const r = await this.client.send(
        new CopyObjectCommand({
          ...fields,
          IfNoneMatch: undefined,
          CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
          CopySourceIfMatch: options.ifMatch !== undefined ? `"${options.ifMatch}"` : undefined,
          MetadataDirective: 'REPLACE',
        }),
      );
      return { etag: (r.CopyObjectResult?.ETag ?? '').replace(/"/g, '') };
    } catch (err) {
      throw translate(err, bucket, key);
    }
  }

  #putFields(bucket: string, key: string, options: Omit<PutOptions, 'md5'>) {
    return {
      Bucket: bucket,
      Key: key,
      Metadata: encodeMetadata(options.metadata),
      ContentType: options.contentType,
      CacheControl: options.headers?.cacheControl,
      ContentDisposition: options.headers?.contentDisposition,
      ContentEncoding: options.headers?.contentEncoding,
      ContentLanguage: options.headers?.contentLanguage,
      Expires: expiresDate(options.headers?.expires),
      IfNoneMatch: options.ifNoneMatch && this.#conditional ? '*' : undefined,
    };
  }

  async deleteObject(bucket: string, key: string, options: IfMatchOptions = {}): Promise<void> {
    if (beyondKeyLimit(key)) return;
    try {
      // AWS checks If-Match on DELETE (general purpose buckets too); s3rver ignores it.
      const ifMatch = options.ifMatch !== undefined && this.#conditional ? `"${options.ifMatch}"` : undefined;
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: ifMatch }));
    } catch (err) {
      if (codeOf(err) === 'NoSuchKey') return;
      throw translate(err, bucket, key);
    }
  }

  async deleteObjects(bucket: string, keys: string[]): Promise<{ errors: { key: string; error: Error }[] }> {
    const errors: { key: string; error: Error }[] = [];
    keys = keys.filter((key) => !beyondKeyLimit(key));
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        const r = await this.client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        for (const e of r.Errors ?? []) errors.push({ key: e.Key ?? '', error: new BackendError(`${e.Code}: ${e.Message}`) });
      } catch (err) {
        // Some backends lack DeleteObjects: fall back to one by one.
        if (status(err) === 501 || codeOf(err) === 'NotImplemented') {
          for (const key of batch) {
            await this.deleteObject(bucket, key).catch((error: Error) => errors.push({ key, error }));
          }
          continue;
        }
        throw translate(err, bucket);
      }
    }
    return { errors };
  }

  async listObjects(bucket: string, options: ListOptions): Promise<ListPage> {
    if (beyondKeyLimit(options.prefix ?? '')) return { objects: [], commonPrefixes: [], isTruncated: false };
    try {
      const input = {
        Bucket: bucket,
        Prefix: options.prefix || undefined,
        Delimiter: options.delimiter || undefined,
        StartAfter: options.startAfter || undefined,
        MaxKeys: options.maxKeys ?? 1000,
      };
      let r;
      for (let round = 0; ; round++) {
        try {
          r = await this.client.send(new ListObjectsV2Command(input));
          break;
        } catch (err) {
          const delay = LIST_RETRY_DELAYS_MS[round];
          if (status(err) !== 500 || delay === undefined) throw err;
          await sleep(delay);
        }
      }
      const objects = (r.Contents ?? []).map((o) => ({
        key: o.Key ?? '',
        size: o.Size ?? 0,
        etag: (o.ETag ?? '').replace(/"/g, ''),
        lastModified: o.LastModified ?? new Date(0),
      }));
      const commonPrefixes = (r.CommonPrefixes ?? []).map((p) => p.Prefix ?? '');
      const isTruncated = r.IsTruncated === true;
      let nextStartAfter: string | undefined;
      if (isTruncated) {
        const lastObj = objects[objects.length - 1]?.key;
        const lastCp = commonPrefixes[commonPrefixes.length - 1];
        nextStartAfter = lastObj === undefined ? lastCp : lastCp === undefined ? lastObj : lastObj > lastCp ? lastObj : lastCp;
      }
      return { objects, commonPrefixes, isTruncated, nextStartAfter };
    } catch (err) {
      throw translate(err, bucket);
    }
  }

  async createBucket(bucket: string): Promise<void> {
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (err) {
      throw translate(err, bucket);
    }
  }

  async headBucket(bucket: string): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (err) {
      if (status(err) === 404) return false;
      throw translate(err, bucket);
    }
  }

  async deleteBucket(bucket: string): Promise<void> {
    try {
      await this.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (err) {
      throw translate(err, bucket);
    }
  }

  async listBuckets(): Promise<BucketInfo[]> {
    try {
      const r = await this.client.send(new ListBucketsCommand({}));
      return (r.Buckets ?? []).map((b) => ({ name: b.Name ?? '', creationDate: b.CreationDate ?? new Date(0) }));
    } catch (err) {
      throw translate(err, '');
    }
  }

  async ping(): Promise<void> {
    await this.listBuckets();
  }
}

function lowerKeys(meta: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta ?? {})) out[k.toLowerCase()] = decodeMetadataValue(v);
  return out;
}

const RFC2047 = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i;

/**
 * Metadata values travel as HTTP headers, which carry only ASCII safely (Node refuses
 * other characters, and SigV4 signs bytes). Non-ASCII values (file names, user
 * metadata) are sent RFC 2047-encoded, as S3 itself stores them.
 */
function encodeMetadata(meta: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) {
    out[k] = /[^\x20-\x7e]/.test(v) || RFC2047.test(v) ? `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=` : v;
  }
  return out;
}

function decodeMetadataValue(v: string): string {
  const m = RFC2047.exec(v);
  return m ? Buffer.from(m[1] as string, 'base64').toString('utf8') : v;
}

/** A stored Expires header as the Date the SDK sends (undefined when absent or not a date). */
function expiresDate(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Base64 CRC32 of a file, as x-amz-checksum-crc32 carries it. */
async function crc32File(path: string): Promise<string> {
  let crc = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) crc = zlibCrc32(chunk as Buffer, crc);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc >>> 0);
  return out.toString('base64');
}

/** The fields HEAD and GET responses share, as a StoredObjectInfo. */
function describeObject(key: string, size: number, r: HeadObjectCommandOutput | GetObjectCommandOutput): StoredObjectInfo {
  return {
    key,
    size,
    etag: (r.ETag ?? '').replace(/"/g, ''),
    lastModified: r.LastModified ?? new Date(0),
    metadata: lowerKeys(r.Metadata),
    contentType: r.ContentType,
    headers: {
      cacheControl: r.CacheControl,
      contentDisposition: r.ContentDisposition,
      contentEncoding: r.ContentEncoding,
      contentLanguage: r.ContentLanguage,
      expires: r.ExpiresString ?? r.Expires?.toUTCString(),
    },
  };
}
