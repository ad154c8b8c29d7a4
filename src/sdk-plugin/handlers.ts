/**
 * One function per handled command: SDK input -> engine call -> SDK output shape.
 * Inputs are what the caller gave the command; outputs are what the SDK's
 * deserializer would have produced from S3's answer (absent fields omitted).
 */
import type { Readable } from 'node:stream';
import { sdkStreamMixin } from '@smithy/util-stream';
import { assertNotRanged, parsePartNumber } from '../core/engine/part-number.js';
import { resolveRange } from '../core/engine/range.js';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import type { Conditions, ObjectInfo } from '../core/engine/types.js';
import type { StoredHeaders } from '../core/store/object-store.js';
import { parseContentMd5 } from '../s3/checksums.js';
import { conditionsOf, parseHttpDate } from '../s3/conditions.js';
import { parseCopySource } from '../s3/copy-source.js';
import { resolveCopyDirective } from '../s3/copy-request.js';
import { S3Error } from '../s3/error-table.js';
import { listingEncoder, nextMarkerOf, parseDelimiter, parseEncodingType, parseMaxKeys } from '../s3/list-parameters.js';
import { objectHeaderValues } from '../s3/response-overrides.js';
import { knownLength, toReadable } from './body.js';
import { responseMetadata } from './errors.js';

/** Loosely typed SDK input (the command's input object). */
export type Input = Record<string, unknown>;
/** SDK output object (with `$metadata`). */
export type Output = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function quote(etag: string): string {
  return `"${etag}"`;
}

/** Drops undefined members, as the SDK's deserializer never sets them. */
function clean(out: Output): Output {
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function lowerKeys(meta: unknown): Record<string, string> | undefined {
  if (!meta || typeof meta !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta as Record<string, unknown>)) out[k.toLowerCase()] = String(v);
  return out;
}

function storedHeaders(input: Input): StoredHeaders {
  const expires = parseHttpDate(input.Expires);
  return {
    cacheControl: str(input.CacheControl),
    contentDisposition: str(input.ContentDisposition),
    contentEncoding: str(input.ContentEncoding),
    contentLanguage: str(input.ContentLanguage),
    expires: expires ? expires.toUTCString() : str(input.ExpiresString),
  };
}

/** The command's conditions: `If*`, or `CopySourceIf*` for a copy's source. */
function readConditions(input: Input, prefix = ''): Conditions | undefined {
  return conditionsOf({
    ifMatch: input[`${prefix}IfMatch`],
    ifNoneMatch: input[`${prefix}IfNoneMatch`],
    ifModifiedSince: input[`${prefix}IfModifiedSince`],
    ifUnmodifiedSince: input[`${prefix}IfUnmodifiedSince`],
  });
}

/** The header fields GET and HEAD report for an object, `Response*` overrides applied. */
function objectFields(info: ObjectInfo, input: Input): Output {
  const h = objectHeaderValues(info, {
    contentType: str(input.ResponseContentType),
    cacheControl: str(input.ResponseCacheControl),
    contentDisposition: str(input.ResponseContentDisposition),
    contentEncoding: str(input.ResponseContentEncoding),
    contentLanguage: str(input.ResponseContentLanguage),
    expires: parseHttpDate(input.ResponseExpires)?.toUTCString(),
  });
  return {
    AcceptRanges: 'bytes',
    LastModified: info.lastModified,
    ETag: quote(info.etag),
    ContentType: h.contentType,
    CacheControl: h.cacheControl,
    ContentDisposition: h.contentDisposition,
    ContentEncoding: h.contentEncoding,
    ContentLanguage: h.contentLanguage,
    Expires: parseHttpDate(h.expires),
    ExpiresString: h.expires,
    Metadata: { ...info.userMetadata },
  };
}

function declaredLength(input: Input): number | undefined {
  const n = input.ContentLength;
  if (n === undefined || n === null) return undefined;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Caller-declared ContentLength, or the body's own length when it has one. */
function expectedLength(input: Input): number | undefined {
  return declaredLength(input) ?? knownLength(input.Body);
}

export interface CallContext {
  signal?: AbortSignal;
}

// ------------------------------------------------------------------ objects

export async function putObject(engine: DeltaGliderEngine, input: Input, ctx: CallContext): Promise<Output> {
  const result = await engine.putObject({
    bucket: String(input.Bucket),
    key: String(input.Key),
    body: toReadable(input.Body),
    contentLength: expectedLength(input),
    contentType: str(input.ContentType),
    userMetadata: lowerKeys(input.Metadata),
    headers: storedHeaders(input),
    contentMd5: parseContentMd5(str(input.ContentMD5)),
    conditions: conditionsOf({ ifMatch: input.IfMatch, ifNoneMatch: input.IfNoneMatch }),
    signal: ctx.signal,
  });
  return { $metadata: responseMetadata(200), ETag: quote(result.etag) };
}

/** `PartNumber` as the SDK serializes it (`?partNumber=`), validated as S3 does. */
function partNumberOf(input: Input): number | undefined {
  return input.PartNumber === undefined || input.PartNumber === null ? undefined : parsePartNumber(String(input.PartNumber));
}

export async function getObject(engine: DeltaGliderEngine, input: Input, ctx: CallContext): Promise<Output> {
  const partNumber = partNumberOf(input);
  assertNotRanged(partNumber, str(input.Range));
  const r = await engine.getObject({
    bucket: String(input.Bucket),
    key: String(input.Key),
    range: str(input.Range),
    partNumber,
    conditions: readConditions(input),
    signal: ctx.signal,
  });
  return clean({
    $metadata: responseMetadata(r.range ? 206 : 200),
    ...objectFields(r.info, input),
    ContentLength: r.contentLength,
    ContentRange: r.range ? `bytes ${r.range.start}-${r.range.end}/${r.info.size}` : undefined,
    PartsCount: r.partsCount,
    Body: sdkStreamMixin(r.body as Readable),
  });
}

export async function headObject(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  const partNumber = partNumberOf(input);
  assertNotRanged(partNumber, str(input.Range));
  const where = { bucket: String(input.Bucket), key: String(input.Key), conditions: readConditions(input) };
  if (partNumber !== undefined) {
    const part = await engine.headObjectPart({ ...where, partNumber });
    const { range } = part;
    return clean({
      $metadata: responseMetadata(range ? 206 : 200),
      ...objectFields(part.info, input),
      ContentLength: range ? range.end - range.start + 1 : 0,
      ContentRange: range ? `bytes ${range.start}-${range.end}/${part.info.size}` : undefined,
      PartsCount: part.partsCount,
    });
  }
  const info = await engine.headObject(where);
  const range = resolveRange(str(input.Range), info.size);
  return clean({
    $metadata: responseMetadata(range ? 206 : 200),
    ...objectFields(info, input),
    ContentLength: range ? range.end - range.start + 1 : info.size,
    ContentRange: range ? `bytes ${range.start}-${range.end}/${info.size}` : undefined,
  });
}

/** A handler's answer meaning "not ours: send the request to the backend unchanged". */
export const FORWARD: unique symbol = Symbol('deltaglider sdk-plugin: forward to the backend');

/**
 * GetObjectTagging (the aws CLI asks before a multipart copy): a passthrough object's tags
 * are on the backend object; an object stored as a delta or reference has none.
 */
export async function getObjectTagging(engine: DeltaGliderEngine, input: Input): Promise<Output | typeof FORWARD> {
  const info = await engine.headObject({ bucket: String(input.Bucket), key: String(input.Key) });
  if (info.storageType === 'passthrough') return FORWARD;
  return { $metadata: responseMetadata(200), TagSet: [] };
}

export async function deleteObject(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  await engine.deleteObject({ bucket: String(input.Bucket), key: String(input.Key) });
  return { $metadata: responseMetadata(204) };
}

export async function deleteObjects(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  const del = (input.Delete ?? {}) as { Objects?: { Key?: string }[]; Quiet?: boolean };
  const keys = (del.Objects ?? []).map((o) => String(o.Key ?? ''));
  if (keys.length === 0 || keys.length > 1000) {
    throw new S3Error('MalformedXML');
  }
  const r = await engine.deleteObjects({ bucket: String(input.Bucket), keys });
  return clean({
    $metadata: responseMetadata(200),
    Deleted: del.Quiet || r.deleted.length === 0 ? undefined : r.deleted.map((Key) => ({ Key })),
    Errors: r.errors.length === 0 ? undefined : r.errors.map((e) => ({ Key: e.key, Code: e.code, Message: e.message })),
  });
}

export async function copyObject(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  const src = parseCopySource(input.CopySource);
  const directive = resolveCopyDirective({ sourceBucket: src.bucket, sourceKey: src.key, bucket: String(input.Bucket), key: String(input.Key), metadataDirective: str(input.MetadataDirective) });
  const r = await engine.copyObject({
    sourceBucket: src.bucket,
    sourceKey: src.key,
    bucket: String(input.Bucket),
    key: String(input.Key),
    metadataDirective: directive,
    contentType: str(input.ContentType),
    userMetadata: lowerKeys(input.Metadata),
    headers: storedHeaders(input),
    sourceConditions: readConditions(input, 'CopySource'),
  });
  return { $metadata: responseMetadata(200), CopyObjectResult: { ETag: quote(r.etag), LastModified: r.lastModified } };
}

// ------------------------------------------------------------------ listing

/** One listing page, with the output fields ListObjects and ListObjectsV2 share. */
async function list(engine: DeltaGliderEngine, input: Input, startAfter: string | undefined, token: string | undefined) {
  const max = parseMaxKeys(input.MaxKeys);
  const enc = listingEncoder(parseEncodingType(input.EncodingType));
  const delimiter = parseDelimiter(input.Delimiter);
  const r = await engine.listObjects({
    bucket: String(input.Bucket),
    prefix: str(input.Prefix),
    delimiter,
    maxKeys: max,
    startAfter,
    continuationToken: token,
  });
  const contents = r.objects.map((o) => ({ Key: enc(o.key), LastModified: o.lastModified, ETag: quote(o.etag), Size: o.size, StorageClass: 'STANDARD' }));
  const prefixes = r.commonPrefixes.map((p) => ({ Prefix: enc(p) }));
  const shared: Output = {
    $metadata: responseMetadata(200),
    IsTruncated: r.isTruncated,
    Contents: contents.length ? contents : undefined,
    Name: input.Bucket,
    Prefix: enc(str(input.Prefix) ?? ''),
    Delimiter: delimiter !== undefined ? enc(delimiter) : undefined,
    MaxKeys: max,
    CommonPrefixes: prefixes.length ? prefixes : undefined,
    EncodingType: str(input.EncodingType),
  };
  return { r, enc, shared, delimiter, keyCount: contents.length + prefixes.length };
}

export async function listObjectsV2(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  const token = str(input.ContinuationToken);
  const { r, enc, shared, keyCount } = await list(engine, input, str(input.StartAfter), token);
  return clean({
    ...shared,
    KeyCount: keyCount,
    ContinuationToken: token,
    NextContinuationToken: r.isTruncated ? r.nextContinuationToken : undefined,
    StartAfter: input.StartAfter !== undefined ? enc(String(input.StartAfter)) : undefined,
  });
}

export async function listObjects(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  const { r, enc, shared, delimiter } = await list(engine, input, str(input.Marker), undefined);
  const nextMarker = nextMarkerOf(r, delimiter);
  return clean({
    ...shared,
    Marker: enc(str(input.Marker) ?? ''),
    NextMarker: nextMarker !== undefined ? enc(nextMarker) : undefined,
  });
}

// ------------------------------------------------------------------ multipart

export async function createMultipartUpload(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  const { uploadId } = await engine.multipart.create({
    bucket: String(input.Bucket),
    key: String(input.Key),
    contentType: str(input.ContentType),
    userMetadata: lowerKeys(input.Metadata),
    headers: storedHeaders(input),
  });
  return { $metadata: responseMetadata(200), Bucket: input.Bucket, Key: input.Key, UploadId: uploadId };
}

export async function uploadPart(engine: DeltaGliderEngine, input: Input, ctx: CallContext): Promise<Output> {
  const r = await engine.multipart.uploadPart({
    bucket: String(input.Bucket),
    key: String(input.Key),
    uploadId: String(input.UploadId),
    partNumber: Number(input.PartNumber),
    body: toReadable(input.Body),
    contentLength: expectedLength(input),
    contentMd5: parseContentMd5(str(input.ContentMD5)),
    signal: ctx.signal,
  });
  return { $metadata: responseMetadata(200), ETag: quote(r.etag) };
}

export async function completeMultipartUpload(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  const parts = ((input.MultipartUpload as { Parts?: { PartNumber?: number; ETag?: string }[] } | undefined)?.Parts ?? []).map((p) => ({
    partNumber: Number(p.PartNumber),
    etag: String(p.ETag ?? ''),
  }));
  const r = await engine.multipart.complete(String(input.Bucket), String(input.Key), String(input.UploadId), parts);
  return {
    $metadata: responseMetadata(200),
    Bucket: input.Bucket,
    Key: input.Key,
    ETag: quote(r.etag),
  };
}

/** UploadPartCopy into an upload the plugin holds: the source is read through the engine. */
export async function uploadPartCopy(engine: DeltaGliderEngine, input: Input, ctx: CallContext): Promise<Output> {
  const src = parseCopySource(input.CopySource);
  const r = await engine.multipart.uploadPartCopy({
    bucket: String(input.Bucket),
    key: String(input.Key),
    uploadId: String(input.UploadId),
    partNumber: Number(input.PartNumber),
    sourceBucket: src.bucket,
    sourceKey: src.key,
    sourceRange: str(input.CopySourceRange),
    sourceConditions: readConditions(input, 'CopySource'),
    signal: ctx.signal,
  });
  return { $metadata: responseMetadata(200), CopyPartResult: { ETag: quote(r.etag), LastModified: r.lastModified } };
}

export async function abortMultipartUpload(engine: DeltaGliderEngine, input: Input): Promise<Output> {
  await engine.multipart.abort(String(input.Bucket), String(input.Key), String(input.UploadId));
  return { $metadata: responseMetadata(204) };
}

export function listParts(engine: DeltaGliderEngine, input: Input): Output {
  const maxParts = input.MaxParts === undefined ? 1000 : Number(input.MaxParts);
  const marker = input.PartNumberMarker === undefined ? undefined : Number(input.PartNumberMarker);
  const r = engine.multipart.listParts(String(input.Bucket), String(input.Key), String(input.UploadId), { maxParts, partNumberMarker: marker });
  return clean({
    $metadata: responseMetadata(200),
    Bucket: input.Bucket,
    Key: input.Key,
    UploadId: input.UploadId,
    PartNumberMarker: marker !== undefined ? String(marker) : undefined,
    NextPartNumberMarker: r.nextPartNumberMarker !== undefined ? String(r.nextPartNumberMarker) : undefined,
    MaxParts: Math.min(maxParts, 1000),
    IsTruncated: r.isTruncated,
    Parts: r.parts.length
      ? r.parts.map((p) => ({ PartNumber: p.partNumber, LastModified: p.lastModified, ETag: quote(p.etag), Size: p.size }))
      : undefined,
    StorageClass: 'STANDARD',
  });
}
