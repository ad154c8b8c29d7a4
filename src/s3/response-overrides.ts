/**
 * GetObject/HeadObject `response-*` parameters (the SDK's `Response*` input): values the
 * caller wants in place of the stored headers, for this response only.
 */
import type { ObjectInfo } from '../core/engine/types.js';

/** The stored headers a GET or HEAD answers with, after any override. */
export interface ObjectHeaderValues {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  /** HTTP date string, as stored. */
  expires?: string;
}

/** Query parameter of each override, by the header it replaces. */
export const RESPONSE_OVERRIDE_PARAMS: Readonly<Record<keyof ObjectHeaderValues, string>> = {
  contentType: 'response-content-type',
  cacheControl: 'response-cache-control',
  contentDisposition: 'response-content-disposition',
  contentEncoding: 'response-content-encoding',
  contentLanguage: 'response-content-language',
  expires: 'response-expires',
};

/** The object's stored headers with the caller's overrides applied (an override wins even when the object has no such header). */
export function objectHeaderValues(info: ObjectInfo, overrides: ObjectHeaderValues): ObjectHeaderValues {
  const h = info.headers ?? {};
  return {
    contentType: overrides.contentType ?? info.contentType,
    cacheControl: overrides.cacheControl ?? h.cacheControl,
    contentDisposition: overrides.contentDisposition ?? h.contentDisposition,
    contentEncoding: overrides.contentEncoding ?? h.contentEncoding,
    contentLanguage: overrides.contentLanguage ?? h.contentLanguage,
    expires: overrides.expires ?? h.expires,
  };
}
