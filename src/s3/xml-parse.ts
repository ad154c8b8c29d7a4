/**
 * S3 XML request documents (DeleteObjects, CompleteMultipartUpload, CreateBucket, and the
 * bucket configurations): fast-xml-parser with entities disabled, size-capped, strict.
 */
import { Buffer } from 'node:buffer';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MalformedXMLError } from '../core/errors.js';
import type { CompletedPart } from '../core/engine/types.js';

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
