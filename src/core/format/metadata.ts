/**
 * The DeltaGlider metadata contract (../shared/FORMAT.md): every key we write,
 * and the lenient reader for every spelling the existing tools wrote.
 */
import type { StorageType } from '../engine/types.js';
import { formatPartSizes } from './part-sizes.js';

/** Our tool name and version, stored as `dg-tool`. */
export const TOOL_NAME = 'deltaglider-ts';
export const TOOL_VERSION = '0.1.0';
export const TOOL_ID = `${TOOL_NAME}/${TOOL_VERSION}`;

/** Metadata field names, without the `x-amz-meta-` prefix. */
export const META = {
  tool: 'dg-tool',
  originalName: 'dg-original-name',
  sourceName: 'dg-source-name',
  fileSha256: 'dg-file-sha256',
  fileSize: 'dg-file-size',
  md5: 'dg-md5',
  createdAt: 'dg-created-at',
  note: 'dg-note',
  refKey: 'dg-ref-key',
  refPath: 'dg-ref-path',
  refSha256: 'dg-ref-sha256',
  deltaSize: 'dg-delta-size',
  deltaCmd: 'dg-delta-cmd',
  compression: 'dg-compression',
  /** Compact profile only: `compact/<version>` (docs/STORAGE_FORMAT.md addendum). */
  profile: 'dg-profile',
  /** Compact profile only: the recipe that rebuilds the uploaded gzip bytes from the stored inner stream. */
  gzip: 'dg-gzip',
  /** Deferred encoding: on a passthrough object whose encoding is still to be done (docs/STORAGE_FORMAT.md addendum). */
  pending: 'dg-pending',
  /** Deferred encoding: on a delta the compactor wrote, the backend ETag of the pending object it replaces. */
  compactedFrom: 'dg-compacted-from',
  /** Objects stored whole: why no delta was kept (informative; docs/STORAGE_FORMAT.md addendum "Reasons"). */
  reason: 'dg-reason',
  /** Objects stored by a multipart Complete: the size of each part, for GET `?partNumber` (docs/STORAGE_FORMAT.md addendum "part sizes"). */
  partSizes: 'dg-part-sizes',
  contentType: 'content-type',
} as const;

/** Prefix under which client metadata is stored on the backend. */
export const USER_META_PREFIX = 'user-';

/** `dg-original-name` of a reference. */
export const REFERENCE_ORIGINAL_NAME = '__reference__';

/** Fields common to every object we write. */
export interface CommonFields {
  fileSha256: string;
  fileSize: number;
  md5: string;
  createdAt: Date;
  /** The part sizes of an object stored by a multipart Complete (left out when the record would be too long). */
  partSizes?: readonly number[];
}

function common(fields: CommonFields, originalName: string, note: StorageType): Record<string, string> {
  const meta: Record<string, string> = {
    [META.tool]: TOOL_ID,
    [META.originalName]: originalName,
    [META.fileSha256]: fields.fileSha256,
    [META.fileSize]: String(fields.fileSize),
    [META.md5]: fields.md5,
    [META.createdAt]: isoSeconds(fields.createdAt),
    [META.note]: note,
  };
  const partSizes = fields.partSizes && formatPartSizes(fields.partSizes);
  if (partSizes !== undefined) meta[META.partSizes] = partSizes;
  return meta;
}

/** ISO-8601 UTC ending in `Z`, as both existing readers accept. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * What the compact profile adds to an object's metadata: the profile tag, how the
 * stored bytes are compressed and, for gzip-aware objects, the recipe.
 */
export interface CompactFields {
  /** `dg-profile` value (COMPACT_PROFILE_TAG). */
  profile: string;
  /** `dg-compression` of the stored bytes: `none`, `br` or `zstd`. */
  compression: string;
  /** `dg-gzip` value, when the stored bytes decode to the inner stream of a gzip upload. */
  gzip?: string;
}

function withCompact(meta: Record<string, string>, compact: CompactFields | undefined): Record<string, string> {
  if (!compact) return meta;
  meta[META.profile] = compact.profile;
  meta[META.compression] = compact.compression;
  if (compact.gzip !== undefined) meta[META.gzip] = compact.gzip;
  return meta;
}

function withUser(meta: Record<string, string>, contentType: string | undefined, user: Record<string, string> | undefined): Record<string, string> {
  if (contentType) meta[META.contentType] = contentType;
  for (const [k, v] of Object.entries(user ?? {})) meta[USER_META_PREFIX + k.toLowerCase()] = v;
  return meta;
}

/** Metadata of `P/reference.bin`. */
export function referenceMetadata(fields: CommonFields & { sourceKey: string; compact?: CompactFields }): Record<string, string> {
  return withCompact({ ...common(fields, REFERENCE_ORIGINAL_NAME, 'reference'), [META.sourceName]: fields.sourceKey }, fields.compact);
}

/** Metadata of `P/name.delta`. */
export function deltaMetadata(
  fields: CommonFields & {
    fileName: string;
    refKey: string;
    refSha256: string;
    deltaSize: number;
    deltaCmd: string;
    contentType?: string;
    userMetadata?: Record<string, string>;
    compact?: CompactFields;
  },
): Record<string, string> {
  const meta = {
    ...common(fields, fields.fileName, 'delta'),
    [META.refKey]: fields.refKey,
    [META.refPath]: fileNameOfKey(fields.refKey),
    [META.refSha256]: fields.refSha256,
    [META.deltaSize]: String(fields.deltaSize),
    [META.deltaCmd]: fields.deltaCmd,
  };
  return withUser(withCompact(meta, fields.compact), fields.contentType, fields.userMetadata);
}

/** Metadata of a passthrough object `P/name`. */
export function passthroughMetadata(
  fields: CommonFields & { fileName: string; contentType?: string; userMetadata?: Record<string, string>; compact?: CompactFields; reason?: string },
): Record<string, string> {
  const meta: Record<string, string> = { ...common(fields, fields.fileName, 'passthrough'), [META.compression]: 'none' };
  // Printable ASCII only: a glob from the configuration may hold anything, S3 metadata may not.
  if (fields.reason !== undefined) meta[META.reason] = fields.reason.replace(/[^\x20-\x7e]/g, '?');
  return withUser(withCompact(meta, fields.compact), fields.contentType, fields.userMetadata);
}

/**
 * Metadata of a compact-profile object stored compressed on its own, at `P/name.delta`
 * (never at `P/name`, where every reader expects the bytes as uploaded): a reader that
 * does not know the compact profile fails on it instead of serving compressed bytes.
 */
export function compressedMetadata(
  fields: CommonFields & { fileName: string; contentType?: string; userMetadata?: Record<string, string>; compact: CompactFields },
): Record<string, string> {
  return withUser(withCompact(common(fields, fields.fileName, 'compressed'), fields.compact), fields.contentType, fields.userMetadata);
}

function fileNameOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/**
 * Lenient field lookup: `dg-x-y`, `dg_x_y`, bare `x_y` and bare `x-y` are all the
 * same field (the Python CLI and the Rust proxy disagree on spelling).
 */
export function readField(meta: Record<string, string>, canonical: string): string | undefined {
  const bare = canonical.replace(/^dg-/, '');
  const candidates = [canonical, canonical.replace(/-/g, '_'), bare.replace(/-/g, '_'), bare];
  for (const c of candidates) {
    const v = meta[c];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** What the lenient reader makes of an object's metadata. */
export interface ParsedMetadata {
  /** No DeltaGlider field at all: a plain object, served as-is. */
  plain: boolean;
  isDelta: boolean;
  fileSha256?: string;
  fileSize?: number;
  md5?: string;
  refKey?: string;
  refPath?: string;
  refSha256?: string;
  /** Bytes of the stored delta (a hint: a backend object of another size is mid-rewrite). */
  deltaSize?: number;
  deltaCmd?: string;
  note?: string;
  /** `dg-compression` (`none`, `br`, `zstd`); undefined when absent. */
  compression?: string;
  /** `dg-profile` (compact objects only). */
  profile?: string;
  /** `dg-gzip` recipe text (compact gzip-aware objects only). */
  gzip?: string;
  /** `dg-pending`: the deferred-encoding version of a passthrough object still to be encoded. */
  pending?: string;
  /** `dg-compacted-from`: the ETag of the pending object a compactor-written delta replaced. */
  compactedFrom?: string;
  /** `dg-reason`: why an object is stored whole, when its writer said. */
  reason?: string;
  /** `dg-part-sizes` as stored (parsed against the object's size by parsePartSizes). */
  partSizes?: string;
  contentType?: string;
  userMetadata: Record<string, string>;
}

const DG_FIELDS = Object.values(META).filter((k) => k !== META.contentType);

/** Reads any DeltaGlider-written metadata (ours, the Python CLI's, the Rust proxy's). */
export function parseMetadata(meta: Record<string, string>): ParsedMetadata {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) lower[k.toLowerCase()] = v;
  const plain = !DG_FIELDS.some((f) => readField(lower, f) !== undefined);
  const note = readField(lower, META.note);
  const refKey = readField(lower, META.refKey);
  const refPath = readField(lower, META.refPath);
  const isDelta = !plain && (refKey !== undefined || refPath !== undefined || note === 'delta' || (note?.startsWith('zero-diff') ?? false));
  const size = count(readField(lower, META.fileSize));
  const userMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(lower)) {
    if (k.startsWith(USER_META_PREFIX)) userMetadata[k.slice(USER_META_PREFIX.length)] = v;
  }
  if (plain) Object.assign(userMetadata, lower);
  return {
    plain,
    isDelta,
    fileSha256: readField(lower, META.fileSha256)?.toLowerCase(),
    fileSize: size,
    md5: readField(lower, META.md5)?.toLowerCase(),
    refKey,
    refPath,
    refSha256: readField(lower, META.refSha256)?.toLowerCase(),
    deltaSize: count(readField(lower, META.deltaSize)),
    deltaCmd: readField(lower, META.deltaCmd),
    note,
    compression: readField(lower, META.compression)?.toLowerCase(),
    profile: readField(lower, META.profile),
    gzip: readField(lower, META.gzip),
    pending: readField(lower, META.pending),
    compactedFrom: readField(lower, META.compactedFrom)?.toLowerCase(),
    reason: readField(lower, META.reason),
    partSizes: readField(lower, META.partSizes),
    contentType: plain ? undefined : lower[META.contentType],
    userMetadata,
  };
}

/** A non-negative integer field, undefined when absent or malformed. */
function count(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
