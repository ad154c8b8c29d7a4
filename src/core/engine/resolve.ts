/**
 * Which stored variant answers for a user key (`k` or `k.delta`), and how it describes
 * itself to clients: the first step of every read, and of a conditional write.
 */
import { NoSuchBucketError, NoSuchKeyError, ReservedKeyError, UnsupportedFormatError } from '../errors.js';
import { assertUserKey, deltaKeyOf, deltaspaceOf, isValidReferenceFor, referenceKeyOf } from '../format/keys.js';
import { isValidGroupReferenceFor } from '../format/version-folders.js';
import { parseMetadata, type ParsedMetadata } from '../format/metadata.js';
import { parsePartSizes } from '../format/part-sizes.js';
import { COMPACT_FORMAT_VERSION, parseProfileTag } from '../format/profile.js';
import { parseGzipRecipe } from '../compress/gzip-recipe.js';
import type { ObjectStore, StoredObjectInfo } from '../store/object-store.js';
import type { ObjectInfo, StorageType } from './types.js';

/** Extra looks a read takes before it answers 404 (an overwrite may be switching variant). */
const RESOLVE_RECHECKS = 2;

/** How a user key is held on the backend right now. */
export interface Resolved {
  info: ObjectInfo;
  stored: StoredObjectInfo;
  meta: ParsedMetadata;
}

/** Finds the stored variant of a user key; undefined when neither exists. */
export async function resolve(store: ObjectStore, bucket: string, key: string): Promise<Resolved | undefined> {
  // An overwrite that switches variant writes the new one, then deletes the old one.
  // The two HEADs below are not atomic: one may run before the new variant appears and
  // the other after the old one is gone, so "neither" is re-checked before it is final.
  for (let attempt = 0; ; attempt++) {
    const [delta, plain] = await Promise.all([store.headObject(bucket, deltaKeyOf(key)), store.headObject(bucket, key)]);
    const stored = delta && plain ? newerComplete(delta, plain) : (delta ?? plain);
    if (stored) return describeStored(key, stored, stored === delta);
    if (attempt >= RESOLVE_RECHECKS) return undefined;
  }
}

/** resolve, or the S3 error for a missing bucket or key. */
export async function resolveOrThrow(store: ObjectStore, bucket: string, key: string): Promise<Resolved> {
  const r = await resolve(store, bucket, key);
  if (r) return r;
  if (!(await store.headBucket(bucket))) throw new NoSuchBucketError(bucket);
  throw new NoSuchKeyError(key);
}

/** Describes a listed backend object as a user object (one HEAD of the variant the listing showed). */
export async function describeListed(store: ObjectStore, bucket: string, key: string, backendKey: string): Promise<Resolved | undefined> {
  const stored = await store.headObject(bucket, backendKey);
  return stored && describeStored(key, stored, backendKey !== key);
}

/** The user-facing description of a stored variant of `key` (`isDeltaKey`: stored at `key.delta`). */
export function describeStored(key: string, stored: StoredObjectInfo, isDeltaKey: boolean): Resolved {
  const meta = parseMetadata(stored.metadata);
  let storageType: StorageType = 'passthrough';
  if (isDeltaKey) {
    if (meta.note === 'compressed' && meta.refKey === undefined && meta.refPath === undefined) storageType = 'compressed';
    else storageType = meta.refSha256 && (meta.fileSha256 === meta.refSha256 || innerSha256Of(meta) === meta.refSha256) ? 'reference' : 'delta';
  }
  const size = isDeltaKey ? (meta.fileSize ?? 0) : stored.size;
  const info: ObjectInfo = {
    key,
    size,
    etag: meta.md5 ?? stored.etag,
    lastModified: stored.lastModified,
    contentType: meta.plain ? stored.contentType : (meta.contentType ?? stored.contentType),
    userMetadata: meta.userMetadata,
    headers: stored.headers ?? {},
    storageType,
    storedSize: stored.size,
    sha256: meta.fileSha256,
    rawMetadata: stored.metadata,
    backendKey: stored.key,
    referenceKey: storageType === 'delta' || storageType === 'reference' ? referenceKeyFor(key, meta) : undefined,
    profile: parseProfileTag(meta.profile)?.profile ?? 'compatible',
    pending: !isDeltaKey && meta.pending !== undefined ? true : undefined,
    reason: storageType === 'passthrough' ? (meta.reason ?? (meta.plain ? 'written without DeltaGlider metadata' : undefined)) : undefined,
    partSizes: parsePartSizes(meta.partSizes, size),
  };
  return { info, stored, meta };
}

/** A read of a key that cannot exist is a 404, except a reserved name, which says why. */
export function assertReadableKey(key: string): void {
  try {
    assertUserKey(key);
  } catch (err) {
    // Reading a reserved name is a 404 on S3's terms would hide a misuse; say why.
    if (err instanceof ReservedKeyError) throw err;
    throw new NoSuchKeyError(key);
  }
}

/**
 * The baseline a delta's metadata names, if it is one a read may fetch: `dg-ref-key`
 * when it is reference-shaped and in the delta's own deltaspace; for compatible objects
 * written with other spellings, the deltaspace's `reference.bin` (dg-ref-sha256 still
 * checks it). Undefined for a compact object naming anything else (hostile metadata).
 */
export function referenceKeyFor(userKey: string, meta: ParsedMetadata): string | undefined {
  if (meta.refKey !== undefined && (isValidReferenceFor(userKey, meta.refKey) || isValidGroupReferenceFor(userKey, meta.refKey))) return meta.refKey;
  if (meta.profile !== undefined && meta.refKey !== undefined) return undefined;
  return referenceKeyOf(deltaspaceOf(userKey));
}

/** Refuses objects written by a newer compact-profile version than this build reads. */
export function assertReadableProfile(meta: ParsedMetadata, what: string): void {
  const tag = parseProfileTag(meta.profile);
  if (tag && tag.profile === 'compact' && !(tag.version <= COMPACT_FORMAT_VERSION)) {
    throw new UnsupportedFormatError(`${what} was written with storage profile "${meta.profile}"; this build reads compact/${COMPACT_FORMAT_VERSION} at most: upgrade deltaglider to read it`);
  }
}

/** Stored bytes that are not the original: compressed, or the inner stream of a gzip. */
export function needsDecoding(meta: ParsedMetadata): boolean {
  return (meta.compression !== undefined && meta.compression !== 'none') || meta.gzip !== undefined;
}

/** Two descriptions of one backend key name the same stored bytes (ETag and size agree). */
export function sameObject(a: StoredObjectInfo, b: StoredObjectInfo): boolean {
  return a.etag === b.etag && a.size === b.size;
}

/** The gzip inner stream's SHA-256 from a recipe, or undefined (no recipe, or one that does not parse: reads will say so). */
function innerSha256Of(meta: ParsedMetadata): string | undefined {
  if (meta.gzip === undefined) return undefined;
  try {
    return parseGzipRecipe(meta.gzip, 'object').innerSha256;
  } catch {
    return undefined;
  }
}

/**
 * Of the two variants of a key (both exist only while an overwrite switches variant), the
 * one to serve: a variant whose metadata is missing or contradicts its size is still being
 * written on a backend that publishes data before metadata (s3rver), so the complete one
 * wins; between two complete ones, the newer.
 */
function newerComplete(delta: StoredObjectInfo, plain: StoredObjectInfo): StoredObjectInfo {
  // A compactor's delta beside a plain object is either the same content (its switch has
  // not deleted the pending object yet) or older (the key was overwritten meanwhile).
  if (parseMetadata(delta.metadata).compactedFrom !== undefined) return plain;
  const deltaComplete = isComplete(delta, true);
  if (deltaComplete !== isComplete(plain, false)) return deltaComplete ? delta : plain;
  return plain.lastModified.getTime() > delta.lastModified.getTime() ? plain : delta;
}

function isComplete(stored: StoredObjectInfo, isDelta: boolean): boolean {
  const meta = parseMetadata(stored.metadata);
  // A pending object streamed to S3 has no digests until compacted: its size tells.
  if (!meta.fileSha256 && meta.pending === undefined) return false;
  const recorded = isDelta ? meta.deltaSize : meta.fileSize;
  return recorded === undefined || recorded === stored.size;
}
