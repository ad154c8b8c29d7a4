/**
 * S3 XML response documents. Rendering is hand-built strings: the documents are tiny
 * and the element order must match S3's.
 */
import { listingEncoder, nextMarkerOf } from './list-parameters.js';
import type {
  DeleteObjectsResult,
  ListObjectsResult,
  MultipartUploadInfo,
  ObjectSummary,
  PartInfo,
} from '../core/engine/types.js';

/** The namespace S3 puts on every response root element. */
export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Escapes text for XML content/attributes; control characters become numeric references. */
export function escapeXml(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    switch (ch) {
      case 0x26: out += '&amp;'; break;
      case 0x3c: out += '&lt;'; break;
      case 0x3e: out += '&gt;'; break;
      case 0x22: out += '&quot;'; break;
      case 0x27: out += '&apos;'; break;
      default:
        // Control characters are legal in S3 keys; written raw, XML parsers drop or
        // normalise them (CR, TAB), so S3 also emits numeric references.
        if (ch < 0x20 || ch === 0x7f) out += `&#x${ch.toString(16).toUpperCase()};`;
        else out += value[i];
    }
  }
  return out;
}

/** Wraps an ETag in the double quotes S3 always shows (idempotent). */
export function quoteEtag(etag: string): string {
  return etag.startsWith('"') && etag.endsWith('"') && etag.length >= 2 ? etag : `"${etag}"`;
}

/** ISO 8601 with milliseconds, the only timestamp format S3 uses in XML. */
function isoDate(date: Date): string {
  return date.toISOString();
}

function leaf(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function optLeaf(name: string, value: string | number | undefined): string {
  return value === undefined ? '' : leaf(name, value);
}

function doc(root: string, body: string): string {
  return `${XML_DECLARATION}<${root} xmlns="${S3_XMLNS}">${body}</${root}>`;
}

/** Bucket/object owner as S3 renders it. */
export interface Owner {
  id: string;
  displayName?: string;
}

function ownerXml(owner: Owner, element = 'Owner'): string {
  return `<${element}>${leaf('ID', owner.id)}${optLeaf('DisplayName', owner.displayName)}</${element}>`;
}

/** One bucket for ListAllMyBucketsResult. */
export interface BucketEntry {
  name: string;
  creationDate: Date;
}

/** ListAllMyBucketsResult (ListBuckets). */
export function renderListAllMyBucketsResult(input: { owner: Owner; buckets: BucketEntry[] }): string {
  const buckets = input.buckets
    .map((b) => `<Bucket>${leaf('Name', b.name)}${leaf('CreationDate', isoDate(b.creationDate))}</Bucket>`)
    .join('');
  return doc('ListAllMyBucketsResult', `${ownerXml(input.owner)}<Buckets>${buckets}</Buckets>`);
}

function contentsXml(obj: ObjectSummary, enc: (v: string) => string, owner: Owner | undefined): string {
  return (
    '<Contents>' +
    leaf('Key', enc(obj.key)) +
    leaf('LastModified', isoDate(obj.lastModified)) +
    leaf('ETag', quoteEtag(obj.etag)) +
    leaf('Size', obj.size) +
    (owner ? ownerXml(owner) : '') +
    leaf('StorageClass', 'STANDARD') +
    '</Contents>'
  );
}

function commonPrefixesXml(prefixes: string[], enc: (v: string) => string): string {
  return prefixes.map((p) => `<CommonPrefixes>${leaf('Prefix', enc(p))}</CommonPrefixes>`).join('');
}

/** Request parameters echoed in a ListObjectsV2 response, plus the engine's page. */
export interface ListObjectsV2Render {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  maxKeys: number;
  startAfter?: string;
  continuationToken?: string;
  /** Only 'url' is meaningful; anything else must be rejected by the caller. */
  encodingType?: 'url';
  /** `fetch-owner=true`: V2 omits Owner unless asked. */
  fetchOwner?: boolean;
  owner?: Owner;
  result: ListObjectsResult;
}

/** ListBucketResult for ListObjectsV2 (`list-type=2`). */
export function renderListObjectsV2Result(input: ListObjectsV2Render): string {
  const enc = listingEncoder(input.encodingType);
  const r = input.result;
  const owner = input.fetchOwner ? input.owner : undefined;
  let body = leaf('Name', input.bucket);
  body += leaf('Prefix', enc(input.prefix ?? ''));
  if (input.delimiter !== undefined) body += leaf('Delimiter', enc(input.delimiter));
  body += leaf('MaxKeys', input.maxKeys);
  if (input.encodingType) body += leaf('EncodingType', input.encodingType);
  body += leaf('IsTruncated', r.isTruncated);
  if (input.continuationToken !== undefined) body += leaf('ContinuationToken', input.continuationToken);
  if (r.isTruncated && r.nextContinuationToken !== undefined) body += leaf('NextContinuationToken', r.nextContinuationToken);
  if (input.startAfter !== undefined) body += leaf('StartAfter', enc(input.startAfter));
  body += leaf('KeyCount', r.objects.length + r.commonPrefixes.length);
  body += r.objects.map((o) => contentsXml(o, enc, owner)).join('');
  body += commonPrefixesXml(r.commonPrefixes, enc);
  return doc('ListBucketResult', body);
}

/** Request parameters echoed in a ListObjects (V1) response, plus the engine's page. */
export interface ListObjectsV1Render {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  marker?: string;
  maxKeys: number;
  encodingType?: 'url';
  /** V1 always shows Owner in Contents; omitted only when no owner is known. */
  owner?: Owner;
  result: ListObjectsResult;
}

/** ListBucketResult for ListObjects (V1). */
export function renderListObjectsV1Result(input: ListObjectsV1Render): string {
  const enc = listingEncoder(input.encodingType);
  const r = input.result;
  let body = leaf('Name', input.bucket);
  body += leaf('Prefix', enc(input.prefix ?? ''));
  body += leaf('Marker', enc(input.marker ?? ''));
  const nextMarker = nextMarkerOf(r, input.delimiter);
  if (nextMarker !== undefined) body += leaf('NextMarker', enc(nextMarker));
  body += leaf('MaxKeys', input.maxKeys);
  if (input.delimiter !== undefined) body += leaf('Delimiter', enc(input.delimiter));
  if (input.encodingType) body += leaf('EncodingType', input.encodingType);
  body += leaf('IsTruncated', r.isTruncated);
  body += r.objects.map((o) => contentsXml(o, enc, input.owner)).join('');
  body += commonPrefixesXml(r.commonPrefixes, enc);
  return doc('ListBucketResult', body);
}

/** DeleteResult (DeleteObjects). Quiet mode lists only the errors, as S3 does. */
export function renderDeleteResult(result: DeleteObjectsResult, options: { quiet?: boolean } = {}): string {
  let body = '';
  if (!options.quiet) body += result.deleted.map((k) => `<Deleted>${leaf('Key', k)}</Deleted>`).join('');
  body += result.errors.map((e) => `<Error>${leaf('Key', e.key)}${leaf('Code', e.code)}${leaf('Message', e.message)}</Error>`).join('');
  return doc('DeleteResult', body);
}

/** CopyObjectResult (CopyObject). */
export function renderCopyObjectResult(input: { etag: string; lastModified: Date }): string {
  return doc('CopyObjectResult', leaf('LastModified', isoDate(input.lastModified)) + leaf('ETag', quoteEtag(input.etag)));
}

/** GetObjectTagging of an object without tags. */
export function renderEmptyTagging(): string {
  return doc('Tagging', '<TagSet></TagSet>');
}

/** CopyPartResult (UploadPartCopy). */
export function renderCopyPartResult(input: { etag: string; lastModified: Date }): string {
  return doc('CopyPartResult', leaf('LastModified', isoDate(input.lastModified)) + leaf('ETag', quoteEtag(input.etag)));
}

/** InitiateMultipartUploadResult (CreateMultipartUpload). */
export function renderInitiateMultipartUploadResult(input: { bucket: string; key: string; uploadId: string }): string {
  return doc('InitiateMultipartUploadResult', leaf('Bucket', input.bucket) + leaf('Key', input.key) + leaf('UploadId', input.uploadId));
}

/** CompleteMultipartUploadResult. `location` is the object URL the caller builds. */
export function renderCompleteMultipartUploadResult(input: { location: string; bucket: string; key: string; etag: string }): string {
  return doc(
    'CompleteMultipartUploadResult',
    leaf('Location', input.location) + leaf('Bucket', input.bucket) + leaf('Key', input.key) + leaf('ETag', quoteEtag(input.etag)),
  );
}

/** Parameters and page for ListPartsResult. */
export interface ListPartsRender {
  bucket: string;
  key: string;
  uploadId: string;
  partNumberMarker?: number;
  nextPartNumberMarker?: number;
  maxParts: number;
  isTruncated: boolean;
  parts: PartInfo[];
  /** Rendered as both Initiator and Owner, as S3 does for a single-account store. */
  owner?: Owner;
}

/** ListPartsResult (ListParts). */
export function renderListPartsResult(input: ListPartsRender): string {
  let body = leaf('Bucket', input.bucket) + leaf('Key', input.key) + leaf('UploadId', input.uploadId);
  if (input.owner) body += ownerXml(input.owner, 'Initiator') + ownerXml(input.owner);
  body += leaf('StorageClass', 'STANDARD');
  body += leaf('PartNumberMarker', input.partNumberMarker ?? 0);
  const last = input.parts.length > 0 ? input.parts[input.parts.length - 1]!.partNumber : input.partNumberMarker ?? 0;
  body += leaf('NextPartNumberMarker', input.nextPartNumberMarker ?? last);
  body += leaf('MaxParts', input.maxParts);
  body += leaf('IsTruncated', input.isTruncated);
  body += input.parts
    .map(
      (p) =>
        `<Part>${leaf('PartNumber', p.partNumber)}${leaf('LastModified', isoDate(p.lastModified))}${leaf('ETag', quoteEtag(p.etag))}${leaf('Size', p.size)}</Part>`,
    )
    .join('');
  return doc('ListPartsResult', body);
}

/** Parameters and page for ListMultipartUploadsResult. */
export interface ListMultipartUploadsRender {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
  maxUploads: number;
  isTruncated: boolean;
  uploads: MultipartUploadInfo[];
  commonPrefixes?: string[];
  encodingType?: 'url';
  owner?: Owner;
}

/** ListMultipartUploadsResult (ListMultipartUploads). */
export function renderListMultipartUploadsResult(input: ListMultipartUploadsRender): string {
  const enc = listingEncoder(input.encodingType);
  let body = leaf('Bucket', input.bucket);
  body += leaf('KeyMarker', enc(input.keyMarker ?? ''));
  body += leaf('UploadIdMarker', input.uploadIdMarker ?? '');
  if (input.nextKeyMarker !== undefined) body += leaf('NextKeyMarker', enc(input.nextKeyMarker));
  if (input.nextUploadIdMarker !== undefined) body += leaf('NextUploadIdMarker', input.nextUploadIdMarker);
  body += leaf('Prefix', enc(input.prefix ?? ''));
  if (input.delimiter !== undefined) body += leaf('Delimiter', enc(input.delimiter));
  body += leaf('MaxUploads', input.maxUploads);
  if (input.encodingType) body += leaf('EncodingType', input.encodingType);
  body += leaf('IsTruncated', input.isTruncated);
  body += input.uploads
    .map(
      (u) =>
        '<Upload>' +
        leaf('Key', enc(u.key)) +
        leaf('UploadId', u.uploadId) +
        (input.owner ? ownerXml(input.owner, 'Initiator') + ownerXml(input.owner) : '') +
        leaf('StorageClass', 'STANDARD') +
        leaf('Initiated', isoDate(u.initiated)) +
        '</Upload>',
    )
    .join('');
  body += commonPrefixesXml(input.commonPrefixes ?? [], enc);
  return doc('ListMultipartUploadsResult', body);
}

/**
 * LocationConstraint (GetBucketLocation). S3 answers an empty element for us-east-1,
 * and SDKs map empty back to us-east-1, so we do the same.
 */
export function renderLocationConstraint(region?: string): string {
  if (!region || region === 'us-east-1') return `${XML_DECLARATION}<LocationConstraint xmlns="${S3_XMLNS}"/>`;
  return `${XML_DECLARATION}<LocationConstraint xmlns="${S3_XMLNS}">${escapeXml(region)}</LocationConstraint>`;
}
