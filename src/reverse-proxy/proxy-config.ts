/**
 * The resolved proxy configuration's type, apart from its loader (config.ts), so that
 * modules config.ts itself uses (engine-settings.ts) can name it without an import cycle.
 */
import type { CodecLevel } from '../core/codec/codec-level.js';
import type { CodecName } from '../core/codec/create-codec.js';
import type { EncodeMode } from '../core/format/encode-mode.js';
import type { StorageProfile } from '../core/format/profile.js';
import type { FsyncMode } from '../core/fsync.js';

/** Log line format: `auto` is text on a terminal, JSON otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The resolved configuration. */
export interface ProxyConfig {
  listenAddr: string;
  uiAddr: string | undefined;
  allowOpenAccess: boolean;
  dataDir: string;
  fsync: FsyncMode;
  maxDeltaRatio: number;
  maxObjectSize: number;
  maxUploadSize: number;
  minPartSize: number;
  cacheMb: number;
  reconstructionCacheMb: number;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  adminPassword: string | undefined;
  tlsEnabled: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  s3Endpoint: string | undefined;
  s3Region: string;
  s3PathStyle: boolean;
  s3StreamedPuts: boolean;
  beAccessKeyId: string | undefined;
  beSecretAccessKey: string | undefined;
  logLevel: string;
  logFormat: LogFormat;
  codec: CodecName;
  codecConcurrency: number | undefined;
  codecLevel: CodecLevel | number;
  tempDir: string | undefined;
  eligibleExtensions: string[] | undefined;
  minDeltaSize: number;
  eligibleInclude: string[];
  eligibleExclude: string[];
  profile: StorageProfile;
  profileOverrides: string[];
  compressionLevel: number;
  gzipAware: boolean;
  baselineRotationRatio: number;
  encode: EncodeMode;
  encodeOverrides: string[];
  compactorConcurrency: number;
  compactorScanSeconds: number;
  shutdownGraceSeconds: number;
  versionFolders: string[];
  virtualHostDomains: string[];
  sessionTtlMinutes: number;
  lifecycleSweepSeconds: number;
  lifecycleDaySeconds: number;
}
