/**
 * ListObjects / ListObjectsV2 request parameters (`max-keys`, `encoding-type`, `delimiter`)
 * and the `encoding-type=url` key encoding, read and written the same way by every surface.
 */
import { Buffer } from 'node:buffer';
import { InvalidArgumentError } from '../core/errors.js';

/** Most keys S3 returns in one page, whatever `max-keys` asks. */
export const MAX_LIST_KEYS = 1000;

/** The one encoding S3 defines for listings. */
export type ListEncodingType = 'url';

/** `max-keys`: a non-negative integer (string from a query, number from the SDK), capped at 1000; absent is 1000. */
export function parseMaxKeys(value: unknown): number {
  if (value === undefined || value === null) return MAX_LIST_KEYS;
  const text = String(value);
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('Provided max-keys not an integer or within integer range');
  return Math.min(Number(text), MAX_LIST_KEYS);
}

/** `encoding-type`: only `url` exists; any other value is InvalidArgument, as S3 answers it. */
export function parseEncodingType(value: unknown): ListEncodingType | undefined {
  if (value === undefined || value === null) return undefined;
  if (value !== 'url') throw new InvalidArgumentError('Invalid Encoding Method specified in Request');
  return value;
}

/** `delimiter`: an empty one is no delimiter (S3 neither groups by it nor echoes it). */
export function parseDelimiter(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const KEPT = /[A-Za-z0-9\-_.~/]/;

/**
 * `encoding-type=url` encoding of a listing value, as S3 writes it: UTF-8 form encoding
 * (the query-string kind), so a space is `+` and a literal `+` is `%2B`; `/` and RFC 3986
 * unreserved characters stay as they are, everything else is `%XX` (`(` is `%28`).
 * Measured against S3 (brekkylab/backlot#178: `a b.txt` -> `a+b.txt`, `a+b.txt` -> `a%2Bb.txt`);
 * botocore decodes these values with `unquote_plus` for that reason (boto/boto#2654).
 */
export function urlEncodeListingValue(value: string): string {
  // Buffer.from replaces lone surrogates with U+FFFD instead of throwing like encodeURIComponent.
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    if (b === 0x20) out += '+';
    else if (b < 0x80 && KEPT.test(c)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The encoder for listing values under an encoding type (identity when none). */
export function listingEncoder(encodingType: ListEncodingType | undefined): (value: string) => string {
  return encodingType === 'url' ? urlEncodeListingValue : (value) => value;
}

/**
 * ListObjects (V1)'s NextMarker: S3 returns it only for a truncated listing with a
 * delimiter; without one, clients continue from the last Key.
 */
export function nextMarkerOf(result: { isTruncated: boolean; nextMarker?: string }, delimiter: string | undefined): string | undefined {
  return result.isTruncated && delimiter !== undefined ? result.nextMarker : undefined;
}
