/**
 * The store and engine a proxy configuration describes: shared by the server and by
 * CLI commands that work on the configured store without serving (`report`).
 */
import { resolve } from 'node:path';
import { createCodec, type CreateCodecOptions } from '../core/codec/create-codec.js';
import { codecLevelFromNumber } from '../core/codec/codec-level.js';
import { DEFAULT_XDELTA3_LEVEL } from '../core/codec/xdelta3-codec.js';
import { DeltaGliderEngine } from '../core/engine/engine.js';
import type { EngineLogger, EngineObserver } from '../core/engine/options.js';
import { FileSystemStore } from '../core/store/fs-store.js';
import type { ObjectStore } from '../core/store/object-store.js';
import { S3Store } from '../core/store/s3-store.js';
import type { ProxyConfig } from './config.js';
import { engineSettingsFromConfig } from './engine-settings.js';

/** The S3 backend when DGP_S3_ENDPOINT is set, else the embedded filesystem store. */
export function storeFromConfig(config: ProxyConfig): ObjectStore {
  return config.s3Endpoint
    ? new S3Store({
        endpoint: config.s3Endpoint,
        region: config.s3Region,
        forcePathStyle: config.s3PathStyle,
        streamedPuts: config.s3StreamedPuts,
        credentials: config.beAccessKeyId && config.beSecretAccessKey ? { accessKeyId: config.beAccessKeyId, secretAccessKey: config.beSecretAccessKey } : undefined,
      })
    : new FileSystemStore(resolve(config.dataDir), { fsync: config.fsync });
}

/** xdelta3's number for each named level (`default` keeps the Xdelta3Codec default). */
const XDELTA3_LEVELS = { fast: 3, default: DEFAULT_XDELTA3_LEVEL, best: 9 } as const;

/** DGP_CODEC / DGP_CODEC_LEVEL as codec options: a named level or an xdelta3 number, for either codec. */
export function codecOptionsFromConfig(config: Pick<ProxyConfig, 'codec' | 'codecLevel'>): CreateCodecOptions {
  const { codec, codecLevel } = config;
  if (typeof codecLevel === 'number') return { codec, level: codecLevelFromNumber(codecLevel), xdelta3: { level: codecLevel } };
  return { codec, level: codecLevel, xdelta3: { level: XDELTA3_LEVELS[codecLevel] } };
}

/** An engine with every engine setting of the configuration (ENGINE_OPTION_SOURCES says which). */
export function engineFromConfig(config: ProxyConfig, store: ObjectStore, extra: { logger?: EngineLogger; observer?: EngineObserver } = {}): DeltaGliderEngine {
  return new DeltaGliderEngine({ ...engineSettingsFromConfig(config), store, codec: createCodec(codecOptionsFromConfig(config)), ...extra });
}
