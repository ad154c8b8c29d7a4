/**
 * The listing index of a deltaspace (docs/STORAGE_FORMAT.md "Addendum: listing index
 * (version 1)"): what a HEAD of each `.delta` object would say, so that a listing need
 * not ask. Derived data only: every entry names the backend ETag and size of the object
 * it describes, and a listing uses it only when the backend still lists exactly those.
 */
import { DELTA_SUFFIX } from './keys.js';

/** `format` field of every index object. */
export const LISTING_INDEX_FORMAT = 'deltaglider-index';
/** The version this build writes and reads; an index of any other version is ignored. */
export const LISTING_INDEX_VERSION = 1;
/**
 * File name of the index in its deltaspace. Ending in `.delta.delta`, no user key can
 * address it (its variants would be user keys ending in `.delta`), listings hide it, and
 * the existing tools never read it.
 */
export const LISTING_INDEX_NAME = `.dg-index${DELTA_SUFFIX}${DELTA_SUFFIX}`;

/** What the listing shows for a `.delta` object, valid while the backend lists it with `backendEtag` and `backendSize`. */
export interface ListingIndexEntry {
  /** Backend ETag (no quotes) of the `.delta` object described. */
  backendEtag: string;
  /** Backend size of the `.delta` object described. */
  backendSize: number;
  /** Original size (the client's Content-Length). */
  size: number;
  /** Original ETag (hex MD5) the client sees. */
  etag: string;
  storageType: 'delta' | 'reference' | 'compressed';
  /** What `report` shows beyond a listing; absent in entries written before it was recorded (a HEAD then tells). */
  details?: ListingIndexDetails;
}

/** The rest of what a HEAD would tell `report` of a `.delta` object. */
export interface ListingIndexDetails {
  /** Written by the compact profile (absent: compatible). */
  compact?: boolean;
  /** Backend key of the baseline a delta needs (absent for a compressed object). */
  referenceKey?: string;
  /** Stored against the inner stream of a gzip (`dg-gzip`). */
  gzip?: boolean;
}

/** Entries by backend file name (`v2.zip.delta`) within the deltaspace. */
export type ListingIndexEntries = Map<string, ListingIndexEntry>;

/** `P/.dg-index.delta.delta`, or `.dg-index.delta.delta` for the root deltaspace. */
export function listingIndexKeyOf(deltaspace: string): string {
  return deltaspace === '' ? LISTING_INDEX_NAME : `${deltaspace}/${LISTING_INDEX_NAME}`;
}

/** Is a backend key a deltaspace's listing index? */
export function isListingIndexKey(backendKey: string): boolean {
  return backendKey === LISTING_INDEX_NAME || backendKey.endsWith(`/${LISTING_INDEX_NAME}`);
}

/** The index object's body. */
export function serializeListingIndex(entries: ListingIndexEntries): string {
  const out: Record<string, [string, number, number, string, string] | [string, number, number, string, string, ListingIndexDetails]> = {};
  for (const [name, e] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[name] = e.details ? [e.backendEtag, e.backendSize, e.size, e.etag, e.storageType, e.details] : [e.backendEtag, e.backendSize, e.size, e.etag, e.storageType];
  }
  return JSON.stringify({ format: LISTING_INDEX_FORMAT, version: LISTING_INDEX_VERSION, entries: out });
}

const STORAGE_TYPES = new Set(['delta', 'reference', 'compressed']);

/**
 * Entries of an index body; undefined for anything that is not a version-1 index
 * (garbage, another format, a future version): the reader then falls back to HEADs.
 * Malformed entries are skipped one by one.
 */
export function parseListingIndex(body: string): ListingIndexEntries | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { format, version, entries } = parsed as { format?: unknown; version?: unknown; entries?: unknown };
  if (format !== LISTING_INDEX_FORMAT || version !== LISTING_INDEX_VERSION || typeof entries !== 'object' || entries === null) return undefined;
  const result: ListingIndexEntries = new Map();
  for (const [name, value] of Object.entries(entries)) {
    if (!Array.isArray(value) || value.length < 5) continue;
    const [backendEtag, backendSize, size, etag, storageType, details] = value as unknown[];
    if (typeof backendEtag !== 'string' || typeof etag !== 'string' || !isSize(backendSize) || !isSize(size)) continue;
    if (typeof storageType !== 'string' || !STORAGE_TYPES.has(storageType) || !name.endsWith(DELTA_SUFFIX) || etag === '') continue;
    const entry: ListingIndexEntry = { backendEtag, backendSize, size, etag, storageType: storageType as ListingIndexEntry['storageType'] };
    const parsedDetails = parseDetails(details);
    if (parsedDetails) entry.details = parsedDetails;
    result.set(name, entry);
  }
  return result;
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The optional sixth element; anything malformed counts as absent (report then HEADs). */
function parseDetails(value: unknown): ListingIndexDetails | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { compact, referenceKey, gzip } = value as Record<string, unknown>;
  if ((compact !== undefined && compact !== true) || (gzip !== undefined && gzip !== true) || (referenceKey !== undefined && typeof referenceKey !== 'string')) return undefined;
  const details: ListingIndexDetails = {};
  if (compact) details.compact = true;
  if (gzip) details.gzip = true;
  if (referenceKey !== undefined) details.referenceKey = referenceKey;
  return details;
}
