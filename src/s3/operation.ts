/**
 * Request routing: which S3 operation a method and target name, and which query
 * subresources make a request one we do not serve (forwarded or refused by the caller).
 */
import { configurationOperationOf } from './bucket-configuration.js';
import type { S3Target } from './request.js';
import { RESPONSE_OVERRIDE_PARAMS } from './response-overrides.js';

/** Subresources we answer ourselves; any other query subresource is "not served". */
const BUCKET_GET_SERVED = new Set(['list-type', 'prefix', 'delimiter', 'max-keys', 'marker', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'location', 'uploads', 'key-marker', 'upload-id-marker', 'max-uploads', 'x-id', 'allow-unordered', 'optional-object-attributes']);
const OBJECT_SERVED = new Set(['uploadId', 'partNumber', 'uploads', 'x-id', 'versionId', 'max-parts', 'part-number-marker', ...Object.values(RESPONSE_OVERRIDE_PARAMS)]);
const OBJECT_TAGGING_SERVED = new Set(['tagging', 'versionId', 'x-id']);
const PRESIGN_PARAMS = /^X-Amz-/i;
/** Methods S3 defines operations for (OPTIONS: CORS preflight). */
export const S3_METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS']);

function servedQuery(query: URLSearchParams, served: Set<string>): boolean {
  for (const name of query.keys()) {
    if (PRESIGN_PARAMS.test(name) || served.has(name)) continue;
    return false;
  }
  return true;
}

/** Names the operation a request asks for, or undefined when it is not one we serve. */
export function operationOf(method: string, target: S3Target): string | undefined {
  const { bucket, key, query } = target;
  const has = (n: string): boolean => query.has(n);
  if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : undefined;
  // Served or refused here, never forwarded: they decide what the backend may delete.
  const configuration = configurationOperationOf(method, target);
  if (configuration !== undefined) return configuration;
  if (key === undefined) {
    switch (method) {
      case 'GET':
        if (!servedQuery(query, BUCKET_GET_SERVED)) return undefined;
        if (has('location')) return 'GetBucketLocation';
        if (has('uploads')) return 'ListMultipartUploads';
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'HEAD':
        return servedQuery(query, new Set(['x-id'])) ? 'HeadBucket' : undefined;
      case 'PUT':
        return servedQuery(query, new Set(['x-id'])) ? 'CreateBucket' : undefined;
      case 'DELETE':
        return servedQuery(query, new Set(['x-id'])) ? 'DeleteBucket' : undefined;
      case 'POST':
        return has('delete') && servedQuery(query, new Set(['delete', 'x-id'])) ? 'DeleteObjects' : undefined;
      default:
        return undefined;
    }
  }
  if (method === 'GET' && has('tagging') && servedQuery(query, OBJECT_TAGGING_SERVED)) return 'GetObjectTagging';
  if (!servedQuery(query, OBJECT_SERVED)) return undefined;
  switch (method) {
    case 'GET':
      return has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (has('uploadId') && has('partNumber')) return 'UploadPart';
      return 'PutObject';
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      return undefined;
    default:
      return undefined;
  }
}
