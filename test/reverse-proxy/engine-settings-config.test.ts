/** Every engine option is reachable from DGP_* (or says how the proxy fills it in), through one table. */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_OPTION_NAMES, type EngineSettings } from '../../src/core/engine/options.js';
import { FileSystemStore } from '../../src/index.js';
import { ConfigError, loadConfig, SETTINGS, type ProxyConfig } from '../../src/reverse-proxy/config.js';
import { engineFromConfig } from '../../src/reverse-proxy/engine-from-config.js';
import { ENGINE_OPTION_SOURCES, engineSettingsFromConfig, engineSettingsProblem } from '../../src/reverse-proxy/engine-settings.js';

/**
 * A value other than the default for each engine option set from settings. A new engine
 * option mapped to a setting needs a line here, or the coverage test below fails.
 */
const SAMPLES: Partial<Record<keyof EngineSettings, Record<string, string>>> = {
  maxDeltaRatio: { DGP_MAX_DELTA_RATIO: '0.25' },
  eligibleExtensions: { DGP_ELIGIBLE_EXTENSIONS: '.zip,.jar' },
  minDeltaSize: { DGP_MIN_DELTA_SIZE: '1024' },
  eligibleInclude: { DGP_ELIGIBLE_INCLUDE: '*.img' },
  eligibleExclude: { DGP_ELIGIBLE_EXCLUDE: 'logs/**' },
  maxDeltaObjectSize: { DGP_MAX_OBJECT_SIZE: '1000000' },
  maxObjectSize: { DGP_MAX_UPLOAD_SIZE: '2000000' },
  referenceCacheBytes: { DGP_CACHE_MB: '7' },
  reconstructionCacheBytes: { DGP_RECONSTRUCTION_CACHE_MB: '9' },
  codecConcurrency: { DGP_CODEC_CONCURRENCY: '3' },
  tempDir: { DGP_TEMP_DIR: '/tmp/dg-elsewhere' },
  minPartSize: { DGP_MIN_PART_SIZE: '1048576' },
  profile: { DGP_PROFILE: 'compact' },
  compressionLevel: { DGP_COMPRESSION_LEVEL: '3' },
  gzipAware: { DGP_GZIP_AWARE: 'false' },
  baselineRotationRatio: { DGP_BASELINE_ROTATION_RATIO: '0.8' },
  fsync: { DGP_FSYNC: 'never' },
  encode: { DGP_ENCODE: 'inline' },
  compactorConcurrency: { DGP_COMPACTOR_CONCURRENCY: '2' },
  compactorScanIntervalMs: { DGP_COMPACTOR_SCAN_SECONDS: '5' },
  versionFolders: { DGP_VERSION_FOLDERS: 'off' },
};

const settingKeys = new Set<string>(SETTINGS.map((s) => s.key));
const envOf = (key: keyof ProxyConfig): string => SETTINGS.find((s) => s.key === key)!.env;
/** Selectors (profile, encode) are compared by what they answer. */
const observable = (v: unknown): unknown => (typeof v === 'function' ? (v as (bucket: string, key: string) => unknown)('bucket', 'key') : v);

t.test('every engine option has a source in the table, naming settings that exist', async (t) => {
  t.same(Object.keys(ENGINE_OPTION_SOURCES).sort(), [...ENGINE_OPTION_NAMES].sort());
  for (const name of ENGINE_OPTION_NAMES) {
    const source = ENGINE_OPTION_SOURCES[name] as { settings?: string[]; via?: string[]; how?: string };
    for (const key of source.settings ?? source.via ?? []) t.ok(settingKeys.has(key), `${name}: ${key} is a setting`);
    if ('via' in source) t.ok(source.how, `${name}: says how the proxy fills it in`);
  }
});

t.test('every engine option set from settings changes when its DGP_* variable is set', async (t) => {
  const mapped = ENGINE_OPTION_NAMES.filter((name) => 'settings' in ENGINE_OPTION_SOURCES[name]) as (keyof EngineSettings)[];
  t.same(Object.keys(SAMPLES).sort(), [...mapped].sort(), 'a sample for each mapped option');
  const defaults = engineSettingsFromConfig(loadConfig({}));
  for (const name of mapped) {
    const env = SAMPLES[name]!;
    const source = ENGINE_OPTION_SOURCES[name] as { settings: readonly (keyof ProxyConfig)[] };
    t.ok(Object.keys(env).every((e) => source.settings.map(envOf).includes(e)), `${name}: the sample sets its own variable`);
    const got = engineSettingsFromConfig(loadConfig(env))[name];
    t.notSame(observable(got), observable(defaults[name]), `${Object.keys(env).join(', ')} reaches ${name}`);
  }
});

t.test('the engine is built with the settings: upload and part limits from DGP_MAX_UPLOAD_SIZE and DGP_MIN_PART_SIZE', async (t) => {
  const store = new FileSystemStore(mkdtempSync(join(tmpdir(), 'dg-engine-settings-')));
  const engine = engineFromConfig(loadConfig({ DGP_MAX_UPLOAD_SIZE: '2000000', DGP_MIN_PART_SIZE: '1048576', DGP_MAX_OBJECT_SIZE: '1000000', DGP_CACHE_MB: '7' }), store);
  t.equal(engine.options.maxObjectSize, 2_000_000);
  t.equal(engine.options.minPartSize, 1_048_576);
  t.equal(engine.options.maxDeltaObjectSize, 1_000_000);
  t.equal(engine.options.referenceCacheBytes, 7 * 1024 * 1024);
});

t.test('TOML reaches the new settings too', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'dg-toml-')), 'c.toml');
  writeFileSync(file, 'max_upload_size = 123456\nmin_part_size = 65536\n');
  const settings = engineSettingsFromConfig(loadConfig({}, file));
  t.equal(settings.maxObjectSize, 123456);
  t.equal(settings.minPartSize, 65536);
});

t.test("the engine's own rules judge the engine options, and the message names the DGP_* variables", async (t) => {
  const config = loadConfig({});
  t.equal(engineSettingsProblem(config, envOf), undefined);
  t.equal(engineSettingsProblem({ ...config, maxDeltaRatio: 2 }, envOf), 'invalid DGP_MAX_DELTA_RATIO: deltaglider: option maxDeltaRatio must be in (0, 1], got 2');
  t.match(engineSettingsProblem({ ...config, minPartSize: 1.5 }, envOf), /^invalid DGP_MIN_PART_SIZE: deltaglider: option minPartSize must be a non-negative integer/);
  t.match(engineSettingsProblem({ ...config, compressionLevel: 12 }, envOf), /^invalid DGP_COMPRESSION_LEVEL: deltaglider: option compressionLevel must be a brotli quality/);
});

t.test('bad new settings stop start-up with a message naming the variable', async (t) => {
  t.throws(() => loadConfig({ DGP_MIN_PART_SIZE: '-1' }), new ConfigError('invalid DGP_MIN_PART_SIZE="-1": expected a non-negative integer (bytes)'));
  t.throws(() => loadConfig({ DGP_MAX_UPLOAD_SIZE: 'big' }), /invalid DGP_MAX_UPLOAD_SIZE="big": expected a positive integer/);
});

t.test('createReverseProxy: an unknown config key is refused naming the known ones; engine values are judged by the engine rules', async (t) => {
  const { createReverseProxy } = await import('../../src/reverse-proxy/index.js');
  await t.rejects(createReverseProxy({ config: { maxDeltaRation: 0.3 } as never }), { name: 'ConfigError', message: /^createReverseProxy: unknown config key maxDeltaRation \(known: listenAddr, .*minPartSize/ });
  await t.rejects(createReverseProxy({ config: { minPartSize: -1 } }), { name: 'ConfigError', message: /^createReverseProxy: invalid config\.minPartSize: deltaglider: option minPartSize must be a non-negative integer/ });
});
