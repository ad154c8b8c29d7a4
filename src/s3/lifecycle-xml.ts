/**
 * Parses PutBucketLifecycleConfiguration bodies into LifecycleRules, refusing with S3's
 * own codes what S3 would refuse (MalformedXML, InvalidArgument). Whether a valid rule is
 * safe with deltas is the core's decision (assertSafeLifecycleRules), not the parser's.
 */
import { InvalidArgumentError, MalformedXMLError } from '../core/errors.js';
import type { LifecycleRule } from '../core/lifecycle/lifecycle-rule.js';
import { DEFAULT_MAX_XML_BYTES, parseRoot, toText, type XmlNode } from './xml-parse.js';

/** S3's limit on rules per configuration. */
export const MAX_LIFECYCLE_RULES = 1000;
/** S3's limit on a rule ID's length. */
const MAX_RULE_ID_LENGTH = 255;
/** S3 accepts an Expiration Date only at midnight UTC. */
const MIDNIGHT_UTC_DATE = /^\d{4}-\d{2}-\d{2}(T00:00:00(\.0+)?(Z|[+-]00:00))?$/;

type Element = { [name: string]: XmlNode | XmlNode[] };

function asArray(node: XmlNode | XmlNode[] | undefined): XmlNode[] {
  if (node === undefined) return [];
  return Array.isArray(node) ? node : [node];
}

function element(node: XmlNode | XmlNode[] | undefined): Element | undefined {
  if (node === undefined) return undefined;
  if (node === '') return {};
  if (typeof node !== 'object' || Array.isArray(node)) throw new MalformedXMLError();
  return node;
}

function text(node: XmlNode | XmlNode[] | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (Array.isArray(node)) throw new MalformedXMLError();
  const t = toText(node);
  if (t === undefined) throw new MalformedXMLError();
  return t.trim();
}

function positiveInteger(node: XmlNode | XmlNode[] | undefined, what: string): number | undefined {
  const t = text(node);
  if (t === undefined) return undefined;
  if (!/^\d{1,9}$/.test(t) || Number(t) < 1) throw new InvalidArgumentError(`'${what}' must be a positive integer`);
  return Number(t);
}

function nonNegativeInteger(node: XmlNode | XmlNode[] | undefined, what: string): number | undefined {
  const t = text(node);
  if (t === undefined) return undefined;
  if (!/^\d{1,16}$/.test(t) || !Number.isSafeInteger(Number(t))) throw new InvalidArgumentError(`'${what}' must be a non-negative integer`);
  return Number(t);
}

/** Filter (or its And) into prefix, sizes and the count of tag conditions. */
function parseFilter(filter: Element, rule: LifecycleRule): void {
  const and = element(filter.And);
  const conditions = Object.keys(filter).filter((k) => k !== '#text');
  if (and) {
    if (conditions.length !== 1) throw new MalformedXMLError();
    return parseFilter(and, rule);
  }
  rule.prefix = text(filter.Prefix) ?? '';
  rule.tagCount = asArray(filter.Tag).length;
  rule.objectSizeGreaterThan = nonNegativeInteger(filter.ObjectSizeGreaterThan, 'ObjectSizeGreaterThan');
  rule.objectSizeLessThan = nonNegativeInteger(filter.ObjectSizeLessThan, 'ObjectSizeLessThan');
}

function parseRule(node: XmlNode): LifecycleRule {
  const r = element(node);
  if (!r) throw new MalformedXMLError();
  const rule: LifecycleRule = { enabled: false, prefix: '', tagCount: 0, transitionCount: 0, noncurrentActionCount: 0 };
  const id = text(r.ID);
  if (id !== undefined && id !== '') {
    if (id.length > MAX_RULE_ID_LENGTH) throw new InvalidArgumentError(`ID length should not exceed allowed limit of ${MAX_RULE_ID_LENGTH}`);
    rule.id = id;
  }
  const status = text(r.Status);
  if (status !== 'Enabled' && status !== 'Disabled') throw new MalformedXMLError();
  rule.enabled = status === 'Enabled';
  const filter = element(r.Filter);
  if (filter && r.Prefix !== undefined) throw new MalformedXMLError();
  if (filter) parseFilter(filter, rule);
  else rule.prefix = text(r.Prefix) ?? '';

  const expiration = element(r.Expiration);
  if (expiration) {
    const days = positiveInteger(expiration.Days, 'Days');
    const date = text(expiration.Date);
    const marker = text(expiration.ExpiredObjectDeleteMarker);
    if ([days, date, marker].filter((v) => v !== undefined).length !== 1) throw new MalformedXMLError();
    if (date !== undefined && (!MIDNIGHT_UTC_DATE.test(date) || Number.isNaN(Date.parse(date)))) {
      throw new InvalidArgumentError("'Date' must be at midnight GMT");
    }
    if (marker !== undefined && marker !== 'true' && marker !== 'false') throw new MalformedXMLError();
    rule.expiration = days !== undefined ? { days } : date !== undefined ? { date } : { expiredObjectDeleteMarker: marker === 'true' };
  }
  const abort = element(r.AbortIncompleteMultipartUpload);
  if (abort) {
    const days = positiveInteger(abort.DaysAfterInitiation, 'DaysAfterInitiation');
    if (days === undefined) throw new MalformedXMLError();
    rule.abortIncompleteMultipartUploadDays = days;
  }
  rule.transitionCount = asArray(r.Transition).length;
  rule.noncurrentActionCount = asArray(r.NoncurrentVersionTransition).length + asArray(r.NoncurrentVersionExpiration).length;
  if (!expiration && !abort && rule.transitionCount === 0 && rule.noncurrentActionCount === 0) {
    throw new InvalidArgumentError('At least one action needs to be specified in a rule');
  }
  return rule;
}

/**
 * Parses a PutBucketLifecycleConfiguration body.
 *
 * @example
 * const rules = parseLifecycleConfiguration('<LifecycleConfiguration><Rule><Filter><Prefix>releases/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>90</Days></Expiration></Rule></LifecycleConfiguration>');
 */
export function parseLifecycleConfiguration(xml: string | Uint8Array, maxBytes = DEFAULT_MAX_XML_BYTES): LifecycleRule[] {
  const body = parseRoot(xml, 'LifecycleConfiguration', maxBytes);
  if (!body) throw new MalformedXMLError();
  const rules = asArray(body.Rule).map(parseRule);
  if (rules.length === 0 || rules.length > MAX_LIFECYCLE_RULES) throw new MalformedXMLError();
  const ids = new Set<string>();
  for (const r of rules) {
    if (r.id === undefined) continue;
    if (ids.has(r.id)) throw new InvalidArgumentError('Rule ID must be unique. Found same ID for more than one rule');
    ids.add(r.id);
  }
  return rules;
}
