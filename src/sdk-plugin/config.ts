/**
 * Plugin options: DeltaGliderPluginInputConfig -> resolveDeltaGliderPluginConfig()
 * -> DeltaGliderPluginResolvedConfig, validated eagerly (at `deltaGlider(options)`),
 * with messages that name the option and what is allowed.
 */
import { CODEC_NAMES, type CodecName } from '../core/codec/create-codec.js';
import { eligibleByExtension, type EligibilityPredicate } from '../core/format/keys.js';
import { resolveEligibility, type EligibilityOptions } from '../core/format/eligibility.js';

/** Under the default rule any key may turn out a candidate (size and content decide): only excluded keys are not. */
function notExcluded(options: EligibilityOptions): EligibilityPredicate {
  const rule = resolveEligibility({ eligibleExclude: options.eligibleExclude });
  return (key) => rule('', key, Number.MAX_SAFE_INTEGER).eligible;
}
import { ENGINE_OPTION_NAMES, resolveEngineSettings, type EngineLogger, type EngineOptions } from '../core/engine/options.js';
import { DEFAULT_STORAGE_PROFILE, type ProfileSelector, type StorageProfile } from '../core/format/profile.js';
import type { FsyncMode } from '../core/fsync.js';

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

/**
 * Engine options the plugin passes to its engine as they are (their docs and defaults are
 * the engine's, src/core/engine/options.ts), validated by the core when the plugin is made.
 * Left out: the collaborators the plugin builds itself (`store`, `codec` as an instance),
 * the `observer` hooks, and deferred encoding (`encode`, `compactor*`): the plugin runs
 * no background process to encode later, and a smaller upload is its point.
 */
export type DeltaGliderPluginEngineOptions = Omit<EngineOptions, 'store' | 'codec' | 'observer' | 'encode' | 'compactorConcurrency' | 'compactorScanIntervalMs'>;

const NOT_PLUGIN_OPTIONS = new Set<string>(['store', 'codec', 'observer', 'encode', 'compactorConcurrency', 'compactorScanIntervalMs']);

export interface DeltaGliderPluginInputConfig extends DeltaGliderPluginEngineOptions {
  /**
   * Turns the plugin on or off, for everything (`boolean`) or per request
   * (`(bucket, key) => boolean`; listings pass their `Prefix`). Requests it is off
   * for go to S3 untouched. Default `true`.
   */
  enabled?: boolean | DeltaGliderEnabledPredicate;
  /** Delta codec: `'auto'`, `'xdelta3'` or `'typescript'`. Default `'auto'`. */
  codec?: CodecName;
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
  /** Every engine option given, handed to the engine as is (already validated by the core). */
  engineOptions: DeltaGliderPluginEngineOptions;
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

const PLUGIN_OPTIONS = ['enabled', 'codec', 'conditionalWrites', 'client'];
const KNOWN_OPTIONS = new Set([...ENGINE_OPTION_NAMES.filter((name) => !NOT_PLUGIN_OPTIONS.has(name)), ...PLUGIN_OPTIONS]);

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
  const { enabled, codec, conditionalWrites, client, ...engineOptions } = input;
  const { eligibleExtensions, eligible, minDeltaSize, eligibleInclude, eligibleExclude, tempDir, profile, versionFolders, logger } = engineOptions;

  let enabledFn: DeltaGliderEnabledPredicate;
  if (enabled === undefined || enabled === true) enabledFn = () => true;
  else if (enabled === false) enabledFn = () => false;
  else if (typeof enabled === 'function') enabledFn = enabled;
  else throw new TypeError(`deltaglider sdk-plugin: option enabled must be a boolean or a function (bucket, key) => boolean, got ${typeof enabled}`);

  if (eligible !== undefined && typeof eligible !== 'function') {
    throw new TypeError(`deltaglider sdk-plugin: option eligible must be a function (key) => boolean, got ${typeof eligible}`);
  }
  if (eligibleExtensions !== undefined) {
    if (!Array.isArray(eligibleExtensions) || eligibleExtensions.some((e) => typeof e !== 'string' || e.replace(/^\./, '') === '')) {
      throw new TypeError('deltaglider sdk-plugin: option eligibleExtensions must be an array of non-empty strings such as [".zip", ".tar.gz"]');
    }
  }

  const eligibility: EligibilityOptions = { eligible, eligibleExtensions, minDeltaSize, eligibleInclude, eligibleExclude };

  if (codec !== undefined && !CODEC_NAMES.includes(codec)) {
    throw new TypeError(`deltaglider sdk-plugin: option codec must be one of ${CODEC_NAMES.join(', ')}, got ${String(codec)}`);
  }
  if (tempDir !== undefined && (typeof tempDir !== 'string' || tempDir === '')) {
    throw new TypeError('deltaglider sdk-plugin: option tempDir must be a non-empty path string');
  }
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

  // The engine's own options are checked by the engine's own rules, once, here.
  const settings = resolveEngineSettings(engineOptions);
  return {
    enabled: enabledFn,
    maxDeltaRatio: settings.maxDeltaRatio,
    eligible: eligible ?? (eligibleExtensions !== undefined ? eligibleByExtension(eligibleExtensions) : notExcluded(eligibility)),
    eligibility,
    engineOptions,
    referenceCacheBytes: settings.referenceCacheBytes,
    codec: codec ?? 'auto',
    tempDir,
    maxDeltaObjectSize: settings.maxDeltaObjectSize,
    fsync: settings.fsync,
    profile: profile ?? DEFAULT_STORAGE_PROFILE,
    compressionLevel: settings.compressionLevel,
    gzipAware: settings.gzipAware,
    versionFolders,
    logger: logger ?? silent,
    conditionalWrites: conditionalWrites ?? true,
    client,
  };
}
