/**
 * User metadata on the wire. Node reads header bytes as latin1, while clients send
 * UTF-8 bytes for non-ASCII values; convert both ways so the bytes a client sent
 * are the bytes it gets back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { StoredHeaders } from '../core/store/object-store.js';

const META_PREFIX = 'x-amz-meta-';

/** Header value as UTF-8 text (from Node's latin1 reading of the raw bytes). */
export function headerText(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}

/** UTF-8 text as a header value Node writes byte-for-byte. */
export function headerBytes(value: string): string {
  return /[^\x00-\x7f]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

/** `x-amz-meta-*` headers of a request, prefix removed, keys lower-cased. */
export function userMetadataFrom(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(META_PREFIX) || value === undefined) continue;
    out[name.slice(META_PREFIX.length)] = headerText(Array.isArray(value) ? value.join(',') : value);
  }
  return out;
}

/** Standard stored headers of a request (PUT, CreateMultipartUpload, Copy REPLACE). */
export function storedHeadersFrom(headers: IncomingHttpHeaders): StoredHeaders {
  const one = (n: string): string | undefined => {
    const v = headers[n];
    return v === undefined ? undefined : headerText(Array.isArray(v) ? v.join(',') : v);
  };
  const out: StoredHeaders = {};
  const cc = one('cache-control');
  const cd = one('content-disposition');
  const ce = one('content-encoding')?.split(',').map((s) => s.trim()).filter((s) => s !== 'aws-chunked').join(', ');
  const cl = one('content-language');
  const ex = one('expires');
  if (cc) out.cacheControl = cc;
  if (cd) out.contentDisposition = cd;
  if (ce) out.contentEncoding = ce;
  if (cl) out.contentLanguage = cl;
  if (ex) out.expires = ex;
  return out;
}

/** Request header that asks for the debug answer below (any value but `0`/`false`). */
export const EXPLAIN_HEADER = 'x-deltaglider-explain';
/** Response header (when asked): why an object is stored whole (`compressed content (zip): ...`, `delta too large: 0.93`). */
export const REASON_HEADER = 'x-deltaglider-reason';

/** Sets REASON_HEADER when the request asked for it with EXPLAIN_HEADER and there is a reason. */
export function explainHeader(req: { headers: IncomingHttpHeaders }, res: { setHeader(name: string, value: string): unknown }, reason: string | undefined): void {
  const asked = req.headers[EXPLAIN_HEADER];
  if (reason === undefined || asked === undefined || asked === '0' || asked === 'false') return;
  res.setHeader(REASON_HEADER, headerBytes(reason));
}
