/**
 * Engine options: input -> resolveEngineOptions() -> resolved, validated eagerly
 * with messages that name the option and what is allowed.
 */
import { availableParallelism } from 'node:os';
import type { DeltaCodec } from '../codec/codec.js';
import { parseCodecLevel, type CodecLevel } from '../codec/codec-level.js';
import type { ObjectStore } from '../store/object-store.js';
import type { StorageType } from './types.js';
import type { EligibilityPredicate } from '../format/keys.js';
import { resolveEligibility, type EligibilityRule } from '../format/eligibility.js';
import { versionFolderMatcher, type VersionFolderMatcher } from '../format/version-folders.js';
import { DEFAULT_REFERENCE_CACHE_BYTES } from '../cache/reference-cache.js';
import { DEFAULT_COMPRESSION_LEVEL, MAX_COMPRESSION_LEVEL } from '../compress/storage-compression.js';
import { resolveFsyncMode, type FsyncMode } from '../fsync.js';
import { ENCODE_MODES, type EncodeMode, type EncodeSelector } from '../format/encode-mode.js';
import { selectorOption } from '../format/prefix-rules.js';
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
/** Objects the compactor encodes at once (each holds one codec slot; requests go first). */
export const DEFAULT_COMPACTOR_CONCURRENCY = 1;
/**
 * How often the compactor lists the backend for pending objects it was not told about
 * (written by another instance, or left by a process that stopped): one LIST of every
 * bucket plus a HEAD per passthrough object not seen before.
 */
export const DEFAULT_COMPACTOR_SCAN_INTERVAL_MS = 60_000;
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
  onPut?(event: { storageType: StorageType; size: number; storedSize: number; ratio?: number; encodeMs?: number; pending?: boolean }): void;
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
  /**
   * Only these extensions are delta candidates (any size), replacing the default rule:
   * every upload of at least `minDeltaSize` bytes, and every key with one of FORMAT.md's
   * extensions. Ignored when `eligible` is given.
   */
  eligibleExtensions?: readonly string[];
  /** Custom eligibility predicate on the user key, replacing the default rule. */
  eligible?: EligibilityPredicate;
  /** Smallest upload that is a delta candidate by size alone (bytes). Default 64 KiB (DEFAULT_MIN_DELTA_SIZE). */
  minDeltaSize?: number;
  /** Globs (`*.img`, `bucket/prefix/**`) whose uploads are always delta-encoded, whatever their size and content. Default none. */
  eligibleInclude?: readonly string[];
  /** Globs whose uploads are never delta-encoded; they win over everything else. Default none. */
  eligibleExclude?: readonly string[];
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
  /**
   * Local files the engine acknowledges itself (multipart parts): `always` flushes each to
   * disk before its 200, `never` leaves it to the page cache. Objects follow their store's
   * own setting (`new FileSystemStore(dir, { fsync })`). Default `always`.
   */
  fsync?: FsyncMode;
  /**
   * When eligible uploads are delta-encoded, for everything or per bucket/key: `inline`
   * (inside the PUT) or `deferred` (stored as they arrive, marked pending, encoded by the
   * background compactor; docs/STORAGE_FORMAT.md addendum). Default `inline` for the
   * engine (the SDK plugin's point is a smaller upload); the proxy's DGP_ENCODE says deferred.
   */
  encode?: EncodeMode | EncodeSelector;
  /** Deferred encoding: objects compacted at once. Default 1. 0 runs no compactor in this process (pending objects wait for another instance). */
  compactorConcurrency?: number;
  /** Deferred encoding: ms between scans of the backend for pending objects. Default 60000; 0 scans only at start. */
  compactorScanIntervalMs?: number;
  /**
   * Compact profile: which folders are version folders, whose same-named objects share
   * one baseline (`releases/v1.2.3/app.tar` and `releases/v1.2.4/app.tar`): `auto` (folder
   * names that look like versions: semver, dates, build numbers) and/or globs over
   * `bucket/folder` (`builds/nightly/*`). `[]` turns grouping off. Default `['auto']`.
   */
  versionFolders?: readonly string[];
  logger?: EngineLogger;
  observer?: EngineObserver;
}

export interface ResolvedEngineOptions {
  store: ObjectStore;
  codec: DeltaCodec;
  maxDeltaRatio: number;
  /** Eligibility from bucket, key and size (the options above, resolved). */
  eligibility: EligibilityRule;
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
  fsync: FsyncMode;
  encode: EncodeSelector;
  compactorConcurrency: number;
  compactorScanIntervalMs: number;
  /** Compact profile: is `bucket/folder` a version folder (the `versionFolders` rules)? */
  versionFolders: VersionFolderMatcher;
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

/** Every engine option but the two collaborators (store, codec): what a surface may pass through as is. */
export type EngineSettings = Omit<EngineOptions, 'store' | 'codec'>;

/** What resolveEngineSettings answers: the resolved options without the collaborators. */
export type ResolvedEngineSettings = Omit<ResolvedEngineOptions, 'store' | 'codec'>;

/**
 * The name of every engine option, so a surface can tell its own options from the
 * engine's at run time; a new engine option that is not listed here fails to compile.
 */
export const ENGINE_OPTION_NAMES = Object.keys({
  store: true, codec: true, maxDeltaRatio: true, eligibleExtensions: true, eligible: true, minDeltaSize: true, eligibleInclude: true, eligibleExclude: true,
  maxDeltaObjectSize: true, maxObjectSize: true, referenceCacheBytes: true, reconstructionCacheBytes: true, codecConcurrency: true, codecLevel: true,
  tempDir: true, minPartSize: true, profile: true, compressionLevel: true, gzipAware: true, baselineRotationRatio: true, fsync: true, encode: true,
  compactorConcurrency: true, compactorScanIntervalMs: true, versionFolders: true, logger: true, observer: true,
} satisfies Record<keyof EngineOptions, true>) as (keyof EngineOptions)[];

/** Validates the engine options (TypeError/RangeError naming the option) and fills in defaults. */
export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  const { store, codec } = options;
  if (!store) throw new TypeError('deltaglider: option store is required (an S3Store or FileSystemStore)');
  if (!codec) throw new TypeError('deltaglider: option codec is required (see createCodec())');
  return { store, codec, ...resolveEngineSettings(options) };
}

/** Validates every engine option but the collaborators; surfaces call it when they are built, so a bad option fails at once. */
export function resolveEngineSettings(options: EngineSettings): ResolvedEngineSettings {
  const { maxDeltaRatio, eligibleExtensions, eligible, minDeltaSize, eligibleInclude, eligibleExclude, maxDeltaObjectSize, maxObjectSize, referenceCacheBytes, reconstructionCacheBytes, codecConcurrency, codecLevel, tempDir, minPartSize, profile, compressionLevel, gzipAware, baselineRotationRatio, versionFolders, fsync, encode, compactorConcurrency, compactorScanIntervalMs, logger, observer } = options;
  const ratio = positive('maxDeltaRatio', maxDeltaRatio, DEFAULT_MAX_DELTA_RATIO, false);
  if (ratio <= 0 || ratio > 1) throw new RangeError(`deltaglider: option maxDeltaRatio must be in (0, 1], got ${ratio}`);
  const concurrency = positive('codecConcurrency', codecConcurrency, availableParallelism());
  if (concurrency < 1) throw new RangeError('deltaglider: option codecConcurrency must be at least 1');
  const selectProfile: ProfileSelector = selectorOption('profile', profile, DEFAULT_STORAGE_PROFILE, STORAGE_PROFILES);
  const level = positive('compressionLevel', compressionLevel, DEFAULT_COMPRESSION_LEVEL);
  if (level > MAX_COMPRESSION_LEVEL) throw new RangeError(`deltaglider: option compressionLevel must be a brotli quality 0..${MAX_COMPRESSION_LEVEL}, got ${level}`);
  const selectEncode: EncodeSelector = selectorOption('encode', encode, 'inline', ENCODE_MODES);
  if (gzipAware !== undefined && typeof gzipAware !== 'boolean') throw new TypeError(`deltaglider: option gzipAware must be a boolean, got ${typeof gzipAware}`);
  return {
    maxDeltaRatio: ratio,
    eligibility: resolveEligibility({ eligible, eligibleExtensions, minDeltaSize, eligibleInclude, eligibleExclude }),
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
    fsync: resolveFsyncMode('deltaglider: option fsync', fsync),
    encode: selectEncode,
    compactorConcurrency: positive('compactorConcurrency', compactorConcurrency, DEFAULT_COMPACTOR_CONCURRENCY),
    compactorScanIntervalMs: positive('compactorScanIntervalMs', compactorScanIntervalMs, DEFAULT_COMPACTOR_SCAN_INTERVAL_MS),
    versionFolders: versionFolderMatcher(versionFolders),
    logger: logger ?? silent,
    observer: observer ?? {},
  };
}
