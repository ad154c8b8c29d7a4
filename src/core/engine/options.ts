/**
 * Engine options: input -> resolveEngineOptions() -> resolved, validated eagerly
 * with messages that name the option and what is allowed.
 */
import { availableParallelism } from 'node:os';
import type { DeltaCodec } from '../codec/codec.js';
import { parseCodecLevel, type CodecLevel } from '../codec/codec-level.js';
import type { ObjectStore } from '../store/object-store.js';
import type { StorageType } from './types.js';
import { DEFAULT_ELIGIBLE_EXTENSIONS, eligibleByExtension, type EligibilityPredicate } from '../format/keys.js';
import { DEFAULT_REFERENCE_CACHE_BYTES } from '../cache/reference-cache.js';
import { DEFAULT_COMPRESSION_LEVEL, MAX_COMPRESSION_LEVEL } from '../compress/storage-compression.js';
import { DEFAULT_STORAGE_PROFILE, isStorageProfile, STORAGE_PROFILES, type ProfileSelector, type StorageProfile } from '../format/profile.js';

/** A delta is kept only when delta/original is below this. */
export const DEFAULT_MAX_DELTA_RATIO = 0.5;
/** Largest object that is delta-encoded; larger eligible objects are stored passthrough. */
export const DEFAULT_MAX_DELTA_OBJECT_SIZE = 4 * 1024 * 1024 * 1024;
/** Largest object accepted at all (S3's limit). */
export const DEFAULT_MAX_OBJECT_SIZE = 5 * 1024 ** 4;
/** Smallest multipart part except the last (S3's rule). */
export const DEFAULT_MIN_PART_SIZE = 5 * 1024 * 1024;
/** Disk budget for verified reconstructions of delta objects (warm GETs). */
export const DEFAULT_RECONSTRUCTION_CACHE_BYTES = 256 * 1024 * 1024;
/**
 * Compact profile: an upload whose delta has drifted (2x the smallest delta ratio seen
 * against the same baseline) becomes the deltaspace's next baseline once that delta reaches
 * this share of its estimated compressed size (0 never rotates). Measured on the bench
 * families (docs/OPERATIONS.md "Baselines that follow the releases").
 */
export const DEFAULT_BASELINE_ROTATION_RATIO = 0.5;
/** Concurrent backend HEADs while listing. */
export const DEFAULT_LIST_HEAD_CONCURRENCY = 16;

/** Minimal structured logger (pino's shape). */
export interface EngineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Hooks for metrics; every method optional. */
export interface EngineObserver {
  /** After each PUT decision. */
  onPut?(event: { storageType: StorageType; size: number; storedSize: number; ratio?: number; encodeMs?: number }): void;
  /** After each reconstruction. */
  onDecode?(event: { size: number; decodeMs: number }): void;
  /** Codec queue depth changes. */
  onCodecQueue?(depth: number): void;
}

export interface EngineOptions {
  /** Where objects live. Required. */
  store: ObjectStore;
  /** The delta codec. Required (see createCodec()). */
  codec: DeltaCodec;
  /** Keep a delta only if delta/original < this (0 < r <= 1). Default 0.5. */
  maxDeltaRatio?: number;
  /** Delta-eligible file extensions. Default DEFAULT_ELIGIBLE_EXTENSIONS. Ignored when `eligible` is given. */
  eligibleExtensions?: readonly string[];
  /** Custom eligibility predicate on the user key. */
  eligible?: EligibilityPredicate;
  /** Largest object to delta-encode (bytes). Default 4 GiB. */
  maxDeltaObjectSize?: number;
  /** Largest object accepted (bytes). Default 5 TiB. */
  maxObjectSize?: number;
  /** Reference cache budget (bytes). Default 100 MiB. */
  referenceCacheBytes?: number;
  /** Disk budget for verified reconstructions reused by warm GETs (bytes). Default 256 MiB. */
  reconstructionCacheBytes?: number;
  /** Parallel encodes/decodes. Default: CPU count. */
  codecConcurrency?: number;
  /** Encoder effort asked of the codec on every encode (`fast`, `default`, `best`). Default: the codec's own level. */
  codecLevel?: CodecLevel;
  /** Temp directory root. Default `$TMPDIR/deltaglider`. */
  tempDir?: string;
  /** Smallest multipart part except the last. Default 5 MiB. */
  minPartSize?: number;
  /**
   * How new objects are written, for everything or per bucket/key: `compatible` (the
   * DeltaGlider format as is) or `compact` (compressed baselines and objects, gzip-aware
   * deltas; docs/STORAGE_FORMAT.md addendum). Reads handle both whatever this says.
   * Default `compatible`.
   */
  profile?: StorageProfile | ProfileSelector;
  /** Brotli quality (0-11) of what the compact profile compresses. Default 7. */
  compressionLevel?: number;
  /** Compact profile: store reproducible gzip uploads as their inner stream plus a recipe. Default true. */
  gzipAware?: boolean;
  /**
   * Compact profile: an upload whose delta has drifted (2x the smallest delta ratio seen
   * against the same baseline) becomes the next baseline when that delta is at least this
   * share of its estimated compressed size (the source size times the baseline's own
   * compression ratio). 0 keeps the first baseline forever. Default 0.5.
   */
  baselineRotationRatio?: number;
  logger?: EngineLogger;
  observer?: EngineObserver;
}

export interface ResolvedEngineOptions {
  store: ObjectStore;
  codec: DeltaCodec;
  maxDeltaRatio: number;
  eligible: EligibilityPredicate;
  maxDeltaObjectSize: number;
  maxObjectSize: number;
  referenceCacheBytes: number;
  reconstructionCacheBytes: number;
  codecConcurrency: number;
  codecLevel?: CodecLevel;
  tempDir?: string;
  minPartSize: number;
  profile: ProfileSelector;
  compressionLevel: number;
  gzipAware: boolean;
  baselineRotationRatio: number;
  logger: EngineLogger;
  observer: EngineObserver;
}

const silent: EngineLogger = { debug() {}, info() {}, warn() {}, error() {} };

function positive(name: string, v: number | undefined, fallback: number, integer = true): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new TypeError(`deltaglider: option ${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}, got ${String(v)}`);
  }
  return v;
}

export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  const { store, codec, maxDeltaRatio, eligibleExtensions, eligible, maxDeltaObjectSize, maxObjectSize, referenceCacheBytes, reconstructionCacheBytes, codecConcurrency, codecLevel, tempDir, minPartSize, profile, compressionLevel, gzipAware, baselineRotationRatio, logger, observer } = options;
  if (!store) throw new TypeError('deltaglider: option store is required (an S3Store or FileSystemStore)');
  if (!codec) throw new TypeError('deltaglider: option codec is required (see createCodec())');
  const ratio = positive('maxDeltaRatio', maxDeltaRatio, DEFAULT_MAX_DELTA_RATIO, false);
  if (ratio <= 0 || ratio > 1) throw new RangeError(`deltaglider: option maxDeltaRatio must be in (0, 1], got ${ratio}`);
  if (eligible !== undefined && typeof eligible !== 'function') throw new TypeError('deltaglider: option eligible must be a function (key) => boolean');
  const concurrency = positive('codecConcurrency', codecConcurrency, availableParallelism());
  if (concurrency < 1) throw new RangeError('deltaglider: option codecConcurrency must be at least 1');
  let selectProfile: ProfileSelector;
  if (profile === undefined) selectProfile = () => DEFAULT_STORAGE_PROFILE;
  else if (isStorageProfile(profile)) selectProfile = () => profile;
  else if (typeof profile === 'function') {
    selectProfile = (bucket, key) => {
      const p = profile(bucket, key);
      if (!isStorageProfile(p)) throw new TypeError(`deltaglider: the profile function returned ${JSON.stringify(p)} for ${bucket}/${key}; expected one of ${STORAGE_PROFILES.join(', ')}`);
      return p;
    };
  } else throw new TypeError(`deltaglider: option profile must be one of ${STORAGE_PROFILES.join(', ')} or a function (bucket, key) => profile, got ${JSON.stringify(profile)}`);
  const level = positive('compressionLevel', compressionLevel, DEFAULT_COMPRESSION_LEVEL);
  if (level > MAX_COMPRESSION_LEVEL) throw new RangeError(`deltaglider: option compressionLevel must be a brotli quality 0..${MAX_COMPRESSION_LEVEL}, got ${level}`);
  if (gzipAware !== undefined && typeof gzipAware !== 'boolean') throw new TypeError(`deltaglider: option gzipAware must be a boolean, got ${typeof gzipAware}`);
  return {
    store,
    codec,
    maxDeltaRatio: ratio,
    eligible: eligible ?? eligibleByExtension(eligibleExtensions ?? DEFAULT_ELIGIBLE_EXTENSIONS),
    maxDeltaObjectSize: positive('maxDeltaObjectSize', maxDeltaObjectSize, DEFAULT_MAX_DELTA_OBJECT_SIZE),
    maxObjectSize: positive('maxObjectSize', maxObjectSize, DEFAULT_MAX_OBJECT_SIZE),
    referenceCacheBytes: positive('referenceCacheBytes', referenceCacheBytes, DEFAULT_REFERENCE_CACHE_BYTES),
    reconstructionCacheBytes: positive('reconstructionCacheBytes', reconstructionCacheBytes, DEFAULT_RECONSTRUCTION_CACHE_BYTES),
    codecConcurrency: concurrency,
    codecLevel: codecLevel === undefined ? undefined : parseCodecLevel(codecLevel),
    tempDir,
    minPartSize: positive('minPartSize', minPartSize, DEFAULT_MIN_PART_SIZE),
    profile: selectProfile,
    compressionLevel: level,
    gzipAware: gzipAware ?? true,
    baselineRotationRatio: positive('baselineRotationRatio', baselineRotationRatio, DEFAULT_BASELINE_ROTATION_RATIO, false),
    logger: logger ?? silent,
    observer: observer ?? {},
  };
}
