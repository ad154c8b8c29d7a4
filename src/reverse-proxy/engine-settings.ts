/**
 * Where each engine option comes from in the proxy's configuration: one table over
 * every key of EngineOptions, so a new engine option does not compile until it is
 * given a setting (or a reason it has none), and the engine settings are built from
 * the table rather than from a hand-copied field list.
 */
import { ENGINE_OPTION_NAMES, resolveEngineSettings, type EngineOptions, type EngineSettings } from '../core/engine/options.js';
import { encodeByPrefix, parseEncodeRules } from '../core/format/encode-mode.js';
import { parseProfileRules, profileByPrefix } from '../core/format/profile.js';
import type { ProxyConfig } from './proxy-config.js';

const MIB = 1024 * 1024;
const MS_PER_SECOND = 1000;

/** An engine option set from proxy settings (listed by their ProxyConfig key). */
interface FromSettings<K extends keyof EngineSettings> {
  settings: readonly (keyof ProxyConfig)[];
  value(config: ProxyConfig): EngineSettings[K];
}

/** An engine option the proxy fills in another way: the settings that reach it, and how. */
interface Elsewhere {
  via: readonly (keyof ProxyConfig)[];
  how: string;
}

type Source<K extends keyof EngineOptions> = K extends keyof EngineSettings ? FromSettings<K> | Elsewhere : Elsewhere;

const from = <K extends keyof EngineSettings>(settings: readonly (keyof ProxyConfig)[], value: (config: ProxyConfig) => EngineSettings[K]): FromSettings<K> => ({ settings, value });

/** Every engine option, with the settings that set it. */
export const ENGINE_OPTION_SOURCES: { [K in keyof EngineOptions]-?: Source<K> } = {
  store: { via: ['s3Endpoint', 'dataDir'], how: 'the S3 backend (DGP_S3_ENDPOINT with DGP_S3_*, DGP_BE_*) or the embedded filesystem store (DGP_DATA_DIR)' },
  codec: { via: ['codec', 'codecLevel'], how: 'the codec built from DGP_CODEC and DGP_CODEC_LEVEL' },
  codecLevel: { via: ['codecLevel'], how: 'given to the codec when it is built, which also takes an xdelta3 number' },
  eligible: { via: ['eligibleInclude', 'eligibleExclude'], how: 'a predicate function has no text form; the include/exclude globs say the same' },
  logger: { via: ['logLevel', 'logFormat'], how: "the proxy's own logger" },
  observer: { via: [], how: "the proxy's metrics (/_/metrics)" },
  maxDeltaRatio: from(['maxDeltaRatio'], (c) => c.maxDeltaRatio),
  eligibleExtensions: from(['eligibleExtensions'], (c) => c.eligibleExtensions),
  minDeltaSize: from(['minDeltaSize'], (c) => c.minDeltaSize),
  eligibleInclude: from(['eligibleInclude'], (c) => c.eligibleInclude),
  eligibleExclude: from(['eligibleExclude'], (c) => c.eligibleExclude),
  // DGP_MAX_OBJECT_SIZE keeps the Rust proxy's meaning (largest object delta-encoded).
  maxDeltaObjectSize: from(['maxObjectSize'], (c) => c.maxObjectSize),
  maxObjectSize: from(['maxUploadSize'], (c) => c.maxUploadSize),
  referenceCacheBytes: from(['cacheMb'], (c) => c.cacheMb * MIB),
  reconstructionCacheBytes: from(['reconstructionCacheMb'], (c) => c.reconstructionCacheMb * MIB),
  codecConcurrency: from(['codecConcurrency'], (c) => c.codecConcurrency),
  tempDir: from(['tempDir'], (c) => c.tempDir),
  minPartSize: from(['minPartSize'], (c) => c.minPartSize),
  profile: from(['profile', 'profileOverrides'], (c) => profileByPrefix(c.profile, parseProfileRules(c.profileOverrides))),
  compressionLevel: from(['compressionLevel'], (c) => c.compressionLevel),
  gzipAware: from(['gzipAware'], (c) => c.gzipAware),
  baselineRotationRatio: from(['baselineRotationRatio'], (c) => c.baselineRotationRatio),
  fsync: from(['fsync'], (c) => c.fsync),
  encode: from(['encode', 'encodeOverrides'], (c) => encodeByPrefix(c.encode, parseEncodeRules(c.encodeOverrides))),
  compactorConcurrency: from(['compactorConcurrency'], (c) => c.compactorConcurrency),
  compactorScanIntervalMs: from(['compactorScanSeconds'], (c) => c.compactorScanSeconds * MS_PER_SECOND),
  versionFolders: from(['versionFolders'], (c) => c.versionFolders),
};

function isFromSettings(source: FromSettings<keyof EngineSettings> | Elsewhere): source is FromSettings<keyof EngineSettings> {
  return 'value' in source;
}

/** The engine options the configuration sets, read through ENGINE_OPTION_SOURCES. */
export function engineSettingsFromConfig(config: ProxyConfig): EngineSettings {
  const settings: Record<string, unknown> = {};
  for (const name of ENGINE_OPTION_NAMES) {
    const source = ENGINE_OPTION_SOURCES[name] as FromSettings<keyof EngineSettings> | Elsewhere;
    if (isFromSettings(source)) settings[name] = source.value(config);
  }
  return settings as EngineSettings;
}

/**
 * Checks each engine option the configuration sets by the engine's own rules, one at a
 * time so a failure names the settings it came from; answers undefined or that message.
 */
export function engineSettingsProblem(config: ProxyConfig, nameOf: (key: keyof ProxyConfig) => string): string | undefined {
  const settings = engineSettingsFromConfig(config);
  for (const name of Object.keys(settings) as (keyof EngineSettings)[]) {
    try {
      resolveEngineSettings({ [name]: settings[name] });
    } catch (err) {
      const source = ENGINE_OPTION_SOURCES[name] as FromSettings<keyof EngineSettings>;
      return `invalid ${source.settings.map(nameOf).join(' / ')}: ${(err as Error).message}`;
    }
  }
  return undefined;
}
