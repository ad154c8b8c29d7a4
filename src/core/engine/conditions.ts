/**
 * Conditional request evaluation (RFC 9110 section 13.2.2 order, as S3 applies it).
 */
import { NotModifiedError, PreconditionFailedError } from '../errors.js';
import type { Conditions } from './types.js';

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, '').replace(/"/g, ''))
    .some((t) => t === '*' || t === etag);
}

/** Whole seconds, as HTTP dates carry. */
function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/**
 * Throws PreconditionFailedError (412) or NotModifiedError (304) when the request's
 * conditions say the object must not be served. `isRead` is true for GET/HEAD.
 */
export function evaluateConditions(conditions: Conditions | undefined, etag: string, lastModified: Date, isRead = true): void {
  if (!conditions) return;
  const { ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince } = conditions;
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, etag)) throw new PreconditionFailedError();
  } else if (ifUnmodifiedSince !== undefined && !Number.isNaN(ifUnmodifiedSince.getTime())) {
    if (seconds(lastModified) > seconds(ifUnmodifiedSince)) throw new PreconditionFailedError();
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, etag)) {
      if (isRead) throw new NotModifiedError(etag, lastModified);
      throw new PreconditionFailedError();
    }
  } else if (isRead && ifModifiedSince !== undefined && !Number.isNaN(ifModifiedSince.getTime())) {
    if (seconds(lastModified) <= seconds(ifModifiedSince)) throw new NotModifiedError(etag, lastModified);
  }
}
