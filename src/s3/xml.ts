/**
 * S3 XML bodies: the response documents we render and the three request documents
 * we parse. Rendering is hand-built strings (the documents are tiny and the element
 * order must match S3's); parsing uses fast-xml-parser with entities disabled.
 */
import { Buffer } from 'node:buffer';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MalformedXMLError } from '../core/errors.js';
import { listingEncoder } from './list-parameters.js';
import type {
  CompletedPart,
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
  // S3 only returns NextMarker when a delimiter was given; without one, clients use the last Key.
  if (r.isTruncated && input.delimiter !== undefined && r.nextMarker !== undefined) body += leaf('NextMarker', enc(r.nextMarker));
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

// ---------------------------------------------------------------------------------------
// Parsing

/** Default cap on a request XML body (DeleteObjects of 1000 long keys fits comfortably). */
export const DEFAULT_MAX_XML_BYTES = 2 * 1024 * 1024;

/** CompleteMultipartUpload can list 10,000 parts with checksums, so it gets more room. */
export const DEFAULT_MAX_COMPLETE_XML_BYTES = 8 * 1024 * 1024;

/** S3's limit on keys per DeleteObjects request. */
export const MAX_DELETE_KEYS = 1000;

/** Options shared by the request parsers. */
export interface XmlParseOptions {
  /** Bodies larger than this (bytes) are rejected with MalformedXML before parsing. */
  maxBytes?: number;
}

/** A parsed XML element: text, child elements by name, or repeated elements. */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] } | XmlNode[];

const CDATA = '__cdata';
const TEXT = '#text';

const parser = new XMLParser({
  // No entity expansion at all: no DTD entities, so neither "billion laughs" nor
  // external entities can do anything. The five predefined ones are decoded by hand.
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: CDATA,
  maxNestedTags: 16,
  isArray: (name) => name === 'Object' || name === 'Part',
});

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  const decoded = text.replace(ENTITY, (_m, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(cp) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new MalformedXMLError();
      return String.fromCodePoint(cp);
    }
    const named = NAMED[ref];
    if (named === undefined) throw new MalformedXMLError();
    return named;
  });
  // A bare '&' that is not part of a reference is not well-formed XML.
  if (text.replace(ENTITY, '').includes('&')) throw new MalformedXMLError();
  return decoded;
}

/** The text of an element (entities decoded), or undefined when it holds elements. */
export function toText(node: XmlNode | XmlNode[] | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return decodeEntities(node);
  if (Array.isArray(node)) return undefined;
  let out = '';
  let any = false;
  for (const [name, value] of Object.entries(node)) {
    if (name === TEXT && typeof value === 'string') {
      out += decodeEntities(value);
      any = true;
    } else if (name === CDATA) {
      const parts = Array.isArray(value) ? value : [value];
      for (const p of parts) if (typeof p === 'string') out += p;
      any = true;
    } else {
      return undefined; // an element where text was expected
    }
  }
  return any ? out : '';
}

/**
 * Parses a request body whose root element must be `root`; undefined for an empty body,
 * MalformedXML for anything S3 would refuse (DTDs, other roots, bad XML, too large).
 */
export function parseRoot(input: string | Uint8Array, root: string, maxBytes: number): Record<string, XmlNode | XmlNode[]> | undefined {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) throw new MalformedXMLError(`The XML you provided was larger than the maximum of ${maxBytes} bytes allowed.`);
  const xml = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  if (xml.trim() === '') return undefined;
  // S3 accepts no DTDs; refusing them outright is the simplest way to rule out entity tricks.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new MalformedXMLError();
  if (XMLValidator.validate(xml) !== true) throw new MalformedXMLError();
  let parsed: Record<string, XmlNode>;
  try {
    parsed = parser.parse(xml) as Record<string, XmlNode>;
  } catch {
    throw new MalformedXMLError();
  }
  const names = Object.keys(parsed).filter((n) => n !== TEXT);
  if (names.length !== 1 || names[0] !== root) throw new MalformedXMLError();
  const body = parsed[root];
  if (body === undefined || body === '' || (typeof body === 'string' && body.trim() === '')) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new MalformedXMLError();
  return body;
}

/** Parsed DeleteObjects request. VersionId entries are ignored: versioning is not supported. */
export interface DeleteObjectsRequest {
  quiet: boolean;
  keys: string[];
}

/** Parses a DeleteObjects (`POST ?delete`) body; MalformedXML on anything S3 would refuse. */
export function parseDeleteObjects(xml: string | Uint8Array, options: XmlParseOptions = {}): DeleteObjectsRequest {
  const body = parseRoot(xml, 'Delete', options.maxBytes ?? DEFAULT_MAX_XML_BYTES);
  if (!body) throw new MalformedXMLError();
  let quiet = false;
  if (body.Quiet !== undefined) {
    const q = toText(body.Quiet as XmlNode)?.trim().toLowerCase();
    if (q !== 'true' && q !== 'false') throw new MalformedXMLError();
    quiet = q === 'true';
  }
  const objects = body.Object;
  if (!Array.isArray(objects) || objects.length === 0) throw new MalformedXMLError();
  if (objects.length > MAX_DELETE_KEYS) throw new MalformedXMLError();
  const keys = objects.map((o) => {
    if (typeof o !== 'object' || Array.isArray(o)) throw new MalformedXMLError();
    const key = toText(o.Key as XmlNode | undefined);
    if (key === undefined) throw new MalformedXMLError();
    return key;
  });
  return { quiet, keys };
}

/** Parses a CompleteMultipartUpload body. ETags are returned without surrounding quotes. */
export function parseCompleteMultipartUpload(xml: string | Uint8Array, options: XmlParseOptions = {}): CompletedPart[] {
  const body = parseRoot(xml, 'CompleteMultipartUpload', options.maxBytes ?? DEFAULT_MAX_COMPLETE_XML_BYTES);
  if (!body) throw new MalformedXMLError();
  const parts = body.Part;
  if (!Array.isArray(parts) || parts.length === 0) throw new MalformedXMLError();
  return parts.map((p) => {
    if (typeof p !== 'object' || Array.isArray(p)) throw new MalformedXMLError();
    const num = toText(p.PartNumber as XmlNode | undefined)?.trim();
    const etag = toText(p.ETag as XmlNode | undefined)?.trim();
    if (num === undefined || etag === undefined || !/^[0-9]{1,5}$/.test(num)) throw new MalformedXMLError();
    const partNumber = Number(num);
    if (partNumber < 1 || partNumber > 10000) throw new MalformedXMLError();
    const bare = etag.replace(/^"|"$/g, '');
    if (bare === '') throw new MalformedXMLError();
    return { partNumber, etag: bare };
  });
}

/** Parsed CreateBucket configuration; an empty body means "default region". */
export interface CreateBucketConfiguration {
  locationConstraint?: string;
}

/** Parses a CreateBucket body, which is optional (empty or whitespace is fine). */
export function parseCreateBucketConfiguration(xml: string | Uint8Array | undefined, options: XmlParseOptions = {}): CreateBucketConfiguration {
  if (xml === undefined) return {};
  const body = parseRoot(xml, 'CreateBucketConfiguration', options.maxBytes ?? DEFAULT_MAX_XML_BYTES);
  if (!body) return {};
  const lc = body.LocationConstraint;
  if (lc === undefined) return {};
  const text = toText(lc as XmlNode);
  if (text === undefined) throw new MalformedXMLError();
  const trimmed = text.trim();
  return trimmed === '' ? {} : { locationConstraint: trimmed };
}
