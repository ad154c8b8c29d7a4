/** Writing S3 answers: XML and empty bodies, an object's headers, and errors as S3 renders them. */
import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ObjectInfo } from '../core/engine/types.js';
import { renderErrorXml, toS3Error } from './error-table.js';
import { headerBytes } from './metadata-headers.js';
import { objectHeaderValues, RESPONSE_OVERRIDE_PARAMS, type ObjectHeaderValues } from './response-overrides.js';
import { quoteEtag } from './xml-render.js';

function httpDate(d: Date): string {
  return d.toUTCString();
}

/** Sets the headers describing an object (GET/HEAD), `response-*` overrides applied. */
export function objectHeaders(res: ServerResponse, info: ObjectInfo, query: URLSearchParams): void {
  const overrides: ObjectHeaderValues = {};
  for (const [field, param] of Object.entries(RESPONSE_OVERRIDE_PARAMS) as [keyof ObjectHeaderValues, string][]) overrides[field] = query.get(param) ?? undefined;
  const h = objectHeaderValues(info, overrides);
  res.setHeader('ETag', quoteEtag(info.etag));
  res.setHeader('Last-Modified', httpDate(info.lastModified));
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', headerBytes(h.contentType ?? 'binary/octet-stream'));
  const set = (name: string, v: string | undefined): void => {
    if (v !== undefined && v !== '') res.setHeader(name, headerBytes(v));
  };
  set('Cache-Control', h.cacheControl);
  set('Content-Disposition', h.contentDisposition);
  set('Content-Encoding', h.contentEncoding);
  set('Content-Language', h.contentLanguage);
  set('Expires', h.expires);
  for (const [k, v] of Object.entries(info.userMetadata)) res.setHeader(`x-amz-meta-${k}`, headerBytes(v));
  res.setHeader('x-amz-storage-type', info.storageType);
}

/** Sends an XML body with its length. */
/**
 * Status, length and range of a GET/HEAD answer: 206 with Content-Range for a byte range or
 * a part, and `x-amz-mp-parts-count` when the object was stored in parts.
 */
export function partHeaders(res: ServerResponse, size: number, served: { range?: { start: number; end: number }; contentLength?: number; partsCount?: number }): void {
  const { range } = served;
  res.setHeader('Content-Length', String(served.contentLength ?? (range ? range.end - range.start + 1 : 0)));
  if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  if (served.partsCount !== undefined) res.setHeader('x-amz-mp-parts-count', String(served.partsCount));
  res.statusCode = range ? 206 : 200;
}

export function sendXml(res: ServerResponse, status: number, xml: string): void {
  const body = Buffer.from(xml, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

/** Sends a status with an empty body. */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.setHeader('Content-Length', '0');
  res.end();
}

/** Renders any error as S3 does (XML body, no body for HEAD, 304 with validators). */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, resource: string, id: string): void {
  // The request body may still be arriving: drain it so the client reads our answer.
  req.resume();
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  const info = toS3Error(err);
  if (info.status === 304) {
    const nm = err as { etag?: string; lastModified?: Date };
    if (nm.etag) res.setHeader('ETag', quoteEtag(nm.etag));
    if (nm.lastModified) res.setHeader('Last-Modified', httpDate(nm.lastModified));
    res.statusCode = 304;
    res.end();
    return;
  }
  for (const name of res.getHeaderNames()) {
    if (!['x-amz-request-id', 'x-amz-id-2', 'server'].includes(name)) res.removeHeader(name);
  }
  res.statusCode = info.status;
  if (info.status === 416 && (err as { objectSize?: number }).objectSize !== undefined) {
    res.setHeader('Content-Range', `bytes */${(err as { objectSize: number }).objectSize}`);
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const xml = Buffer.from(renderErrorXml({ code: info.code, message: info.message, resource, requestId: id, extra: info.extra }), 'utf8');
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(xml.length));
  res.end(xml);
}
