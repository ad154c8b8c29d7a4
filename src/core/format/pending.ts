/**
 * Deferred encoding's mark on the bucket (docs/STORAGE_FORMAT.md "Addendum: deferred
 * encoding"): a passthrough object still to be encoded carries `dg-pending`, so any
 * instance (a restarted one, another one over the same backend) finds the work on the
 * backend itself. Every other reader sees an ordinary passthrough object.
 */
import { isoSeconds, META, passthroughMetadata, TOOL_ID, USER_META_PREFIX, type CompactFields } from './metadata.js';

/** Version of the deferred-encoding addendum this build writes (the `dg-pending` value). */
export const DEFERRED_FORMAT_VERSION = 1;

/** `dg-pending` value of everything this build marks. */
export const PENDING_TAG = String(DEFERRED_FORMAT_VERSION);

/** What a pending object's metadata is made of; the digests may be unknown when its metadata is sent before its body. */
export interface PendingFields {
  fileSize: number;
  fileName: string;
  createdAt: Date;
  sha256?: string;
  md5?: string;
  contentType?: string;
  userMetadata?: Record<string, string>;
  compact?: CompactFields;
}

/**
 * Metadata of a pending passthrough object: the passthrough superset plus `dg-pending`.
 * Without digests (a body streamed to S3, whose metadata travels before the body),
 * `dg-file-sha256` and `dg-md5` are left out: the compactor adds them when it finishes.
 */
export function pendingMetadata(fields: PendingFields): Record<string, string> {
  if (fields.sha256 !== undefined && fields.md5 !== undefined) {
    return { ...passthroughMetadata({ ...fields, fileSha256: fields.sha256, md5: fields.md5 }), [META.pending]: PENDING_TAG };
  }
  const meta: Record<string, string> = {
    [META.tool]: TOOL_ID,
    [META.originalName]: fields.fileName,
    [META.fileSize]: String(fields.fileSize),
    [META.createdAt]: isoSeconds(fields.createdAt),
    [META.note]: 'passthrough',
    [META.compression]: 'none',
  };
  if (fields.compact) meta[META.profile] = fields.compact.profile;
  if (fields.contentType) meta[META.contentType] = fields.contentType;
  for (const [k, v] of Object.entries(fields.userMetadata ?? {})) meta[USER_META_PREFIX + k.toLowerCase()] = v;
  meta[META.pending] = PENDING_TAG;
  return meta;
}
