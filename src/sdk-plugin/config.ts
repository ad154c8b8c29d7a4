/**
 * Plugin options: DeltaGliderPluginInputConfig -> resolveDeltaGliderPluginConfig()
 * -> DeltaGliderPluginResolvedConfig, validated eagerly (at `deltaGlider(options)`),
 * with messages that name the option and what is allowed.
 */
import { CODEC_NAMES, type CodecName } from '../core/codec/create-codec.js';
import { DEFAULT_REFERENCE_CACHE_BYTES } from '../core/cache/reference-cache.js';
import { eligibleByExtension, type EligibilityPredicate } from '../core/format/keys.js';
import { resolveEligibility, type EligibilityOptions } from '../core/format/eligibility.js';
import { versionFolderMatcher } from '../core/format/version-folders.js';

/** Under the default rule any key may turn out a candidate (size and content decide): only excluded keys are not. */
function notExcluded(options: EligibilityOptions): EligibilityPredicate {
  const rule = resolveEligibility({ eligibleExclude: options.eligibleExclude });
  return (key) => rule('', key, Number.MAX_SAFE_INTEGER).eligible;
}
import { DEFAULT_MAX_DELTA_OBJECT_SIZE, DEFAULT_MAX_DELTA_RATIO, type EngineLogger } from '../core/engine/options.js';
import { DEFAULT_COMPRESSION_LEVEL, MAX_COMPRESSION_LEVEL } from '../core/compress/storage-compression.js';
import { DEFAULT_STORAGE_PROFILE, isStorageProfile, STORAGE_PROFILES, type ProfileSelector, type StorageProfile } from '../core/format/profile.js';
import { resolveFsyncMode, type FsyncMode } from '../core/fsync.js';

/** Decides per request whether the plugin handles a bucket/key (for listings: the prefix). */
export type DeltaGliderEnabledPredicate = (bucket: string, key: string) => boolean;

/**
 * The parts of an `S3Client` the plugin uses when you hand it one: its resolved
 * `config` and its `middlewareStack`. Any `S3Client` qualifies.
 */
export interface DeltaGliderClientLike {
  config: object;
  middlewareStack: unknown;
}

export interface DeltaGliderPluginInputConfig {
  /**
   * Turns the plugin on or off, for everything (`boolean`) or per request
   * (`(bucket, key) => boolean`; listings pass their `Prefix`). Requests it is off
   * for go to S3 untouched. Default `true`.
   */
  enabled?: boolean | DeltaGliderEnabledPredicate;
  /** Keep a delta only when delta size / original size is below this, in (0, 1]. Default `0.5`. */
  maxDeltaRatio?: number;
  /**
   * Only these file extensions are delta candidates (case-insensitive, leading dot
   * optional), replacing the default rule: every object of at least `minDeltaSize`
   * bytes and every key with one of the FORMAT.md extensions (`.zip .tar .tgz ...`).
   * Ignored when `eligible` is given.
   */
  eligibleExtensions?: readonly string[];
  /** Custom eligibility predicate on the user key, replacing the default rule. Default: none. */
  eligible?: EligibilityPredicate;
  /** Smallest object that is a delta candidate by size alone (bytes). Default `65536`. */
  minDeltaSize?: number;
  /** Globs (`*.img`, `bucket/prefix/**`) always delta-encoded, whatever their size and content. Default none. */
  eligibleInclude?: readonly string[];
  /** Globs never delta-encoded; they win over everything else. Default none. */
  eligibleExclude?: readonly string[];
  /** Bytes of references kept on local disk between requests. Default `104857600` (100 MiB). */
  referenceCacheBytes?: number;
  /** Delta codec: `'auto'`, `'xdelta3'` or `'typescript'`. Default `'auto'`. */
  codec?: CodecName;
  /** Directory for spooled bodies, deltas and multipart parts. Default `$TMPDIR/deltaglider`. */
  tempDir?: string;
  /** Largest object that is delta-encoded; larger eligible objects are stored as-is. Default 4 GiB. */
  maxDeltaObjectSize?: number;
  /** Multipart parts spooled in `tempDir`: `'always'` flushes each to disk before its 200, `'never'` does not. Default `'always'`. */
  fsync?: FsyncMode;
  /**
   * Storage profile for what the plugin writes: `'compatible'` (the DeltaGlider format,
   * readable by the other DeltaGlider tools) or `'compact'` (compressed baselines and
   * objects, gzip-aware deltas), for everything or per `(bucket, key)`. Both are always
   * read. Default `'compatible'`.
   */
  profile?: StorageProfile | ProfileSelector;
  /** Brotli quality (0-11) of what the compact profile compresses. Default `7`. */
  compressionLevel?: number;
  /** Compact profile: store zlib-reproducible gzip uploads as a delta of their inner stream. Default `true`. */
  gzipAware?: boolean;
  /** Compact profile: version folders whose same-named objects share a baseline (`'auto'` and/or `bucket/folder` globs; `[]` off). Default `['auto']`. */
  versionFolders?: readonly string[];
  /** Structured logger (pino's shape: debug/info/warn/error(obj, msg)). Default: silent. */
  logger?: EngineLogger;
  /**
   * Send `If-None-Match: *` when creating a deltaspace's reference. Default `true`;
   * turn off only for backends that reject the header.
   */
  conditionalWrites?: boolean;
  /**
   * The client the plugin is added to (or another one to store through). Optional:
   * by default the plugin discovers the client's resolved configuration from the
   * first request it sees. Give it to skip discovery.
   */
  client?: DeltaGliderClientLike;
}

export interface DeltaGliderPluginResolvedConfig {
  enabled: DeltaGliderEnabledPredicate;
  maxDeltaRatio: number;
  /** Keys whose multipart uploads are spooled for the engine (the rest stay native multipart). */
  eligible: EligibilityPredicate;
  /** The eligibility options handed to the engine as given. */
  eligibility: EligibilityOptions;
  referenceCacheBytes: number;
  codec: CodecName;
  tempDir?: string;
  maxDeltaObjectSize: number;
  fsync: FsyncMode;
  profile: StorageProfile | ProfileSelector;
  compressionLevel: number;
  gzipAware: boolean;
  versionFolders?: readonly string[];
  logger: EngineLogger;
  conditionalWrites: boolean;
  client?: DeltaGliderClientLike;
}

const silent: EngineLogger = { debug() {}, info() {}, warn() {}, error() {} };

function nonNegativeInteger(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new TypeError(`deltaglider sdk-plugin: option ${name} must be a non-negative integer (bytes), got ${String(v)}`);
  }
  return v;
}

const KNOWN_OPTIONS = new Set([
  'enabled', 'maxDeltaRatio', 'eligibleExtensions', 'eligible', 'minDeltaSize', 'eligibleInclude', 'eligibleExclude', 'referenceCacheBytes', 'codec',
  'tempDir', 'maxDeltaObjectSize', 'fsync', 'profile', 'compressionLevel', 'gzipAware', 'versionFolders', 'logger', 'conditionalWrites', 'client',
]);

/** Validates plugin options and fills in defaults. Throws TypeError/RangeError naming the option. */
export function resolveDeltaGliderPluginConfig(input: DeltaGliderPluginInputConfig = {}): DeltaGliderPluginResolvedConfig {
  if (input === null || typeof input !== 'object') {
    throw new TypeError(`deltaglider sdk-plugin: options must be an object, got ${input === null ? 'null' : typeof input}`);
  }
  for (const name of Object.keys(input)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TypeError(`deltaglider sdk-plugin: unknown option ${name} (known: ${[...KNOWN_OPTIONS].join(', ')})`);
    }
  }
  const { enabled, maxDeltaRatio, eligibleExtensions, eligible, minDeltaSize, eligibleInclude, eligibleExclude, referenceCacheBytes, codec, tempDir, maxDeltaObjectSize, fsync, profile, compressionLevel, gzipAware, versionFolders, logger, conditionalWrites, client } = input;

  let enabledFn: DeltaGliderEnabledPredicate;
  if (enabled === undefined || enabled === true) enabledFn = () => true;
  else if (enabled === false) enabledFn = () => false;
  else if (typeof enabled === 'function') enabledFn = enabled;
  else throw new TypeError(`deltaglider sdk-plugin: option enabled must be a boolean or a function (bucket, key) => boolean, got ${typeof enabled}`);

  let ratio = DEFAULT_MAX_DELTA_RATIO;
  if (maxDeltaRatio !== undefined) {
    if (typeof maxDeltaRatio !== 'number' || !Number.isFinite(maxDeltaRatio) || maxDeltaRatio <= 0 || maxDeltaRatio > 1) {
      throw new RangeError(`deltaglider sdk-plugin: option maxDeltaRatio must be a number in (0, 1], got ${String(maxDeltaRatio)}`);
    }
    ratio = maxDeltaRatio;
  }

  if (eligible !== undefined && typeof eligible !== 'function') {
    throw new TypeError(`deltaglider sdk-plugin: option eligible must be a function (key) => boolean, got ${typeof eligible}`);
  }
  if (eligibleExtensions !== undefined) {
    if (!Array.isArray(eligibleExtensions) || eligibleExtensions.some((e) => typeof e !== 'string' || e.replace(/^\./, '') === '')) {
      throw new TypeError('deltaglider sdk-plugin: option eligibleExtensions must be an array of non-empty strings such as [".zip", ".tar.gz"]');
    }
  }

  const eligibility: EligibilityOptions = { eligible, eligibleExtensions, minDeltaSize, eligibleInclude, eligibleExclude };
  resolveEligibility(eligibility); // validates eagerly

  if (codec !== undefined && !CODEC_NAMES.includes(codec)) {
    throw new TypeError(`deltaglider sdk-plugin: option codec must be one of ${CODEC_NAMES.join(', ')}, got ${String(codec)}`);
  }
  if (tempDir !== undefined && (typeof tempDir !== 'string' || tempDir === '')) {
    throw new TypeError('deltaglider sdk-plugin: option tempDir must be a non-empty path string');
  }
  if (profile !== undefined && !isStorageProfile(profile) && typeof profile !== 'function') {
    throw new TypeError(`deltaglider sdk-plugin: option profile must be one of ${STORAGE_PROFILES.join(', ')} or a function (bucket, key) => profile, got ${JSON.stringify(profile)}`);
  }
  if (compressionLevel !== undefined && (typeof compressionLevel !== 'number' || !Number.isInteger(compressionLevel) || compressionLevel < 0 || compressionLevel > MAX_COMPRESSION_LEVEL)) {
    throw new RangeError(`deltaglider sdk-plugin: option compressionLevel must be an integer 0..${MAX_COMPRESSION_LEVEL} (brotli quality), got ${String(compressionLevel)}`);
  }
  if (gzipAware !== undefined && typeof gzipAware !== 'boolean') {
    throw new TypeError(`deltaglider sdk-plugin: option gzipAware must be a boolean, got ${typeof gzipAware}`);
  }
  if (versionFolders !== undefined) versionFolderMatcher(versionFolders); // validates eagerly
  if (logger !== undefined) {
    const missing = (['debug', 'info', 'warn', 'error'] as const).filter((m) => typeof (logger as unknown as Record<string, unknown>)?.[m] !== 'function');
    if (missing.length > 0) throw new TypeError(`deltaglider sdk-plugin: option logger must have debug/info/warn/error methods; missing ${missing.join(', ')}`);
  }
  if (conditionalWrites !== undefined && typeof conditionalWrites !== 'boolean') {
    throw new TypeError(`deltaglider sdk-plugin: option conditionalWrites must be a boolean, got ${typeof conditionalWrites}`);
  }
  if (client !== undefined) {
    const c = client as unknown as Record<string, unknown>;
    if (!c || typeof c.config !== 'object' || c.config === null || typeof c.middlewareStack !== 'object' || c.middlewareStack === null) {
      throw new TypeError('deltaglider sdk-plugin: option client must be an S3Client (an object with config and middlewareStack)');
    }
  }

  return {
    enabled: enabledFn,
    maxDeltaRatio: ratio,
    eligible: eligible ?? (eligibleExtensions !== undefined ? eligibleByExtension(eligibleExtensions) : notExcluded(eligibility)),
    eligibility,
    referenceCacheBytes: nonNegativeInteger('referenceCacheBytes', referenceCacheBytes, DEFAULT_REFERENCE_CACHE_BYTES),
    codec: codec ?? 'auto',
    tempDir,
    maxDeltaObjectSize: nonNegativeInteger('maxDeltaObjectSize', maxDeltaObjectSize, DEFAULT_MAX_DELTA_OBJECT_SIZE),
    fsync: resolveFsyncMode('deltaglider sdk-plugin: option fsync', fsync),
    profile: profile ?? DEFAULT_STORAGE_PROFILE,
    compressionLevel: compressionLevel ?? DEFAULT_COMPRESSION_LEVEL,
    gzipAware: gzipAware ?? true,
    versionFolders,
    logger: logger ?? silent,
    conditionalWrites: conditionalWrites ?? true,
    client,
  };
}
