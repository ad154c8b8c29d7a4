/**
 * SigV4 canonicalisation: AWS URI encoding, the canonical query string, the canonical
 * URI candidates and header values, as the string to sign spells them.
 */
import { Buffer } from 'node:buffer';
import { S3Error } from '../error-table.js';
import type { SigV4Request } from './types.js';

const UNRESERVED_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') UNRESERVED_BYTE[c.charCodeAt(0)] = 1;

/**
 * AWS URI encoding: UTF-8 bytes, RFC 3986 unreserved characters kept, everything else
 * %XX upper-case (space is %20, never '+'). '/' is kept unless `encodeSlash`.
 */
export function uriEncode(value: string, encodeSlash = true): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (UNRESERVED_BYTE[b] || (b === 0x2f && !encodeSlash)) out += String.fromCharCode(b);
    else out += b < 16 ? `%0${b.toString(16).toUpperCase()}` : `%${b.toString(16).toUpperCase()}`;
  }
  return out;
}

function percentDecode(value: string): string {
  // decodeURIComponent leaves '+' alone, which is what SigV4 expects: AWS clients
  // always send a literal space as %20 and a literal plus as %2B.
  return decodeURIComponent(value);
}

/**
 * Splits a raw query string into decoded [name, value] pairs, in order.
 * Malformed percent-encoding is an InvalidURI, as S3 answers.
 */
export function parseRawQuery(raw: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (!raw) return pairs;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      pairs.push([percentDecode(rawName), percentDecode(rawValue)]);
    } catch {
      throw new S3Error('InvalidURI');
    }
  }
  return pairs;
}

/** Canonical query string: AWS-encoded names and values, sorted by name then value. */
export function canonicalQueryString(pairs: [string, string][], exclude?: string): string {
  const encoded = pairs.filter(([name]) => name !== exclude).map(([n, v]) => [uriEncode(n), uriEncode(v)] as const);
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([n, v]) => `${n}=${v}`).join('&');
}

/**
 * The canonical URIs a legitimate S3 client may have signed for this raw path:
 * the path exactly as sent (what every AWS SDK signs for S3: no normalisation, no
 * double encoding), then the segment-wise re-encoding of the decoded path, for
 * clients that put characters like `(`, `'`, `*` or `!` on the wire unencoded or
 * use lower-case hex but sign the canonical %XX form. Both name the same decoded key.
 */
export function canonicalUriCandidates(rawPath: string): string[] {
  const raw = rawPath === '' ? '/' : rawPath;
  const candidates = [raw];
  try {
    const reencoded = raw
      .split('/')
      .map((segment) => uriEncode(percentDecode(segment)))
      .join('/');
    if (reencoded !== raw) candidates.push(reencoded);
  } catch {
    // Undecodable path: only the raw form can have been signed.
  }
  return candidates;
}

/** A header value as the canonical request spells it (joined, folded, trimmed). */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : value ?? '';
  // Same trimming as the SDK signers: CR/LF to space, runs of space/tab collapsed, ends trimmed.
  return joined.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** A request header as one string (repeated headers joined with ','). */
export function headerValue(headers: SigV4Request['headers'], name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

/** The raw path and raw query, from `query` or split off `path` at the first '?'. */
export function splitPathQuery(request: SigV4Request): { path: string; query: string } {
  if (request.query !== undefined) return { path: request.path, query: request.query };
  const q = request.path.indexOf('?');
  return q < 0 ? { path: request.path, query: '' } : { path: request.path.slice(0, q), query: request.path.slice(q + 1) };
}
