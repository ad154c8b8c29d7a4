/**
 * The shapes the write path passes between its modules: what a put needs besides the
 * bytes, the bytes on local disk, a held baseline, and the compact fields a write carries.
 */
import { formatGzipRecipe, type GzipInner } from '../compress/gzip-recipe.js';
import type { CompactFields } from '../format/metadata.js';
import { COMPACT_GROUP_PROFILE_TAG, COMPACT_PROFILE_TAG } from '../format/profile.js';
import { isGroupBaselineKey } from '../format/version-folders.js';
import type { StoredHeaders } from '../store/object-store.js';
import type { PutObjectInput } from './types.js';

/** What an internal put needs besides the spooled bytes. */
export interface PutFields {
  bucket: string;
  key: string;
  contentType?: string;
  userMetadata?: Record<string, string>;
  headers?: StoredHeaders;
  /** A multipart Complete: the size of each part, recorded as `dg-part-sizes`. */
  partSizes?: readonly number[];
  conditions?: PutObjectInput['conditions'];
  signal?: AbortSignal;
  /** The compactor's write: the pending object (backend ETag) this write replaces, if it is still there. */
  replacing?: { etag: string };
}

/** Bytes on local disk with their digests (a spool, or the inner stream of a gzip upload). */
export interface SourceFile {
  path: string;
  size: number;
  sha256: string;
  md5: string;
}

/** A local copy of a baseline held for encoding or decoding, until release(). */
export interface HeldReference {
  path: string;
  size?: number;
  sha256: string;
  release: () => void;
}

/** A just-written baseline used as its own reference (nothing to release). */
export function selfReference(source: SourceFile): HeldReference {
  return { path: source.path, size: source.size, sha256: source.sha256, release: () => undefined };
}

/** The compact fields every compact write carries (`refKey`: the baseline it uses; a version group's makes it compact/2). */
export function compactFields(compression: string, gz?: GzipInner, refKey?: string): CompactFields {
  const profile = refKey !== undefined && isGroupBaselineKey(refKey) ? COMPACT_GROUP_PROFILE_TAG : COMPACT_PROFILE_TAG;
  return { profile, compression, gzip: gz ? formatGzipRecipe(gz.recipe) : undefined };
}
