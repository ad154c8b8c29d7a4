/**
 * S3 request addressing: which bucket and key a request names, for path-style
 * (`/bucket/key`) and virtual-hosted-style (`bucket.s3.example.com/key`) URLs,
 * also when the endpoint is mounted under a path prefix such as `/s3`.
 */
import { S3Error } from './error-table.js';

/** What a request addresses. */
export interface S3Target {
  bucket?: string;
  key?: string;
  query: URLSearchParams;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.");
  }
}

/**
 * Parses the part of the URL the S3 endpoint serves (for middleware mounted at `/s3`,
 * Express's `req.url`, already relative to the mount point).
 * @param virtualHostDomains host suffixes for virtual-hosted addressing (`s3.example.com`
 *        makes `bucket.s3.example.com` address `bucket`).
 */
export function parseTarget(url: string, host: string | undefined, virtualHostDomains: readonly string[] = []): S3Target {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  let vhostBucket: string | undefined;
  for (const domain of virtualHostDomains) {
    const d = domain.toLowerCase();
    if (hostname.endsWith(`.${d}`)) {
      vhostBucket = hostname.slice(0, -(d.length + 1));
      break;
    }
  }
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (vhostBucket !== undefined) {
    return { bucket: vhostBucket, key: path === '' ? undefined : decode(path), query };
  }
  if (path === '') return { query };
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path), query };
  const key = path.slice(slash + 1);
  return { bucket: decode(path.slice(0, slash)), key: key === '' ? undefined : decode(key), query };
}
