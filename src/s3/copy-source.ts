/**
 * The `x-amz-copy-source` header of CopyObject and UploadPartCopy (the SDK's `CopySource`):
 * `bucket/key` or `/bucket/key`, percent-encoded, optionally with `?versionId=`. One parser
 * for every surface.
 */
import { InvalidArgumentError } from '../core/errors.js';

/** A parsed copy source (user key, decoded). */
export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/** Parses a copy source; a malformed value is InvalidArgument, as S3 answers it. */
export function parseCopySource(value: unknown): CopySource {
  let s = String(value ?? '');
  let versionId: string | undefined;
  const q = s.indexOf('?');
  if (q >= 0) {
    versionId = new URLSearchParams(s.slice(q + 1)).get('versionId') ?? undefined;
    s = s.slice(0, q);
  }
  try {
    s = decodeURIComponent(s);
  } catch {
    throw new InvalidArgumentError('Invalid copy source encoding');
  }
  if (s.startsWith('/')) s = s.slice(1);
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) throw new InvalidArgumentError('Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  return { bucket: s.slice(0, slash), key: s.slice(slash + 1), versionId };
}
