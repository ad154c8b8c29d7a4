/**
 * The proxy's configuration: one table defines every setting (env name, TOML key,
 * default, doc, parser). `--help` and docs/OPERATIONS.md are generated from it, so
 * they cannot drift. Precedence: defaults < TOML file < environment.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { CODEC_NAMES, type CodecName } from '../core/codec/create-codec.js';
import { CODEC_LEVELS, DEFAULT_CODEC_LEVEL, type CodecLevel } from '../core/codec/codec-level.js';
import { DEFAULT_ELIGIBLE_EXTENSIONS } from '../core/format/keys.js';
import { DEFAULT_BASELINE_ROTATION_RATIO, DEFAULT_COMPACTOR_CONCURRENCY, DEFAULT_COMPACTOR_SCAN_INTERVAL_MS, DEFAULT_MAX_DELTA_OBJECT_SIZE, DEFAULT_MAX_DELTA_RATIO, DEFAULT_MAX_OBJECT_SIZE, DEFAULT_MIN_PART_SIZE } from '../core/engine/options.js';
import { engineSettingsProblem } from './engine-settings.js';
import { DEFAULT_ENCODE_MODE, ENCODE_MODES, isEncodeMode, parseEncodeRules, type EncodeMode } from '../core/format/encode-mode.js';
import { DEFAULT_MIN_DELTA_SIZE, globMatcher } from '../core/format/eligibility.js';
import { DEFAULT_VERSION_FOLDERS, versionFolderMatcher } from '../core/format/version-folders.js';
import { MS_PER_DAY } from '../core/lifecycle/expiry.js';
import { DEFAULT_LIFECYCLE_SWEEP_INTERVAL_MS } from '../core/lifecycle/lifecycle-sweeper.js';
import { DEFAULT_COMPRESSION_LEVEL, MAX_COMPRESSION_LEVEL } from '../core/compress/storage-compression.js';
import { DEFAULT_FSYNC_MODE, FSYNC_MODES, isFsyncMode, type FsyncMode } from '../core/fsync.js';
import { DEFAULT_STORAGE_PROFILE, isStorageProfile, parseProfileRules, STORAGE_PROFILES, type StorageProfile } from '../core/format/profile.js';
import { LOG_FORMATS, type LogFormat, type ProxyConfig } from './proxy-config.js';

export { LOG_FORMATS, type LogFormat, type ProxyConfig } from './proxy-config.js';

/** Where the S3 port binds when DGP_LISTEN_ADDR is unset and no client credentials are configured. */
export const DEFAULT_LISTEN_ADDR = '127.0.0.1:9000';
/** Where it binds when unset and client credentials are configured: every request is signed. */
export const DEFAULT_AUTHENTICATED_LISTEN_ADDR = '0.0.0.0:9000';

/**
 * How long SIGTERM waits for compactions in progress before it aborts them (they stay
 * pending on the backend): under the 30 s Kubernetes and Docker give before SIGKILL.
 */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 20;

/** A bad configuration value: names the key and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface Setting<K extends keyof ProxyConfig> {
  key: K;
  env: string;
  toml: string;
  default: ProxyConfig[K];
  /** Shown in --help and the docs. */
  doc: string;
  /** What is allowed, for error messages. */
  allowed: string;
  parse(raw: string): ProxyConfig[K];
  secret?: boolean;
}

const num = (min: number, max: number, integer: boolean) => (raw: string): number => {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) throw new Error();
  return v;
};
const bool = (raw: string): boolean => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new Error();
};
const str = (raw: string): string => raw;
const optStr = (raw: string): string | undefined => (raw === '' ? undefined : raw);
const addr = (raw: string): string => {
  if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(raw) || Number(raw.slice(raw.lastIndexOf(':') + 1)) > 65535) throw new Error();
  return raw;
};
const list = (raw: string): string[] => raw.split(',').map((s) => s.trim()).filter(Boolean);

function setting<K extends keyof ProxyConfig>(s: Setting<K>): Setting<K> {
  return s;
}

/** Every setting, in documentation order. */
export const SETTINGS = [
  setting({ key: 'listenAddr', env: 'DGP_LISTEN_ADDR', toml: 'listen_addr', default: DEFAULT_LISTEN_ADDR, doc: `S3 endpoint bind address (host:port). Unset: ${DEFAULT_LISTEN_ADDR} (this machine only) without client credentials, ${DEFAULT_AUTHENTICATED_LISTEN_ADDR} with DGP_ACCESS_KEY_ID/DGP_SECRET_ACCESS_KEY. A non-loopback address without credentials needs DGP_ALLOW_OPEN_ACCESS.`, allowed: 'host:port, e.g. 127.0.0.1:9000', parse: addr }),
  setting({ key: 'uiAddr', env: 'DGP_UI_ADDR', toml: 'ui_addr', default: undefined, doc: 'Web UI bind address. Default: the S3 host with port + 1. "off" disables the UI. A non-loopback address without S3 keys or DGP_ADMIN_PASSWORD needs DGP_ALLOW_OPEN_ACCESS.', allowed: 'host:port or off', parse: (raw) => (raw === 'off' ? 'off' : addr(raw)) }),
  setting({ key: 'allowOpenAccess', env: 'DGP_ALLOW_OPEN_ACCESS', toml: 'allow_open_access', default: false, doc: 'Allow binding a non-loopback address with authentication off: anyone who reaches the port can read, write and delete every object. Without it such a start is refused (exit 2).', allowed: 'true or false', parse: bool }),
  setting({ key: 'dataDir', env: 'DGP_DATA_DIR', toml: 'data_dir', default: './data', doc: 'Embedded filesystem store directory (used when DGP_S3_ENDPOINT is not set).', allowed: 'a directory path', parse: str }),
  setting({ key: 'fsync', env: 'DGP_FSYNC', toml: 'fsync', default: DEFAULT_FSYNC_MODE, doc: 'always: the embedded store and multipart parts are flushed to disk (fdatasync, then the directory) before the 200, so an acknowledged write survives a power loss; never: left to the page cache, faster for small objects, lost on a crash of the machine (docs/OPERATIONS.md "Durability").', allowed: FSYNC_MODES.join(' or '), parse: (raw) => { if (!isFsyncMode(raw)) throw new Error(); return raw; } }),
  setting({ key: 'maxDeltaRatio', env: 'DGP_MAX_DELTA_RATIO', toml: 'max_delta_ratio', default: DEFAULT_MAX_DELTA_RATIO, doc: 'Store a delta only if delta size / original size is below this.', allowed: 'a number in (0, 1]', parse: (raw) => { const v = num(0, 1, false)(raw); if (v === 0) throw new Error(); return v; } }),
  setting({ key: 'maxObjectSize', env: 'DGP_MAX_OBJECT_SIZE', toml: 'max_object_size', default: DEFAULT_MAX_DELTA_OBJECT_SIZE, doc: 'Largest object (bytes) that is delta-encoded; larger eligible objects are stored passthrough (no 100 MB cap as in the Rust proxy).', allowed: 'a positive integer (bytes)', parse: num(1, Number.MAX_SAFE_INTEGER, true) }),
  setting({ key: 'maxUploadSize', env: 'DGP_MAX_UPLOAD_SIZE', toml: 'max_upload_size', default: DEFAULT_MAX_OBJECT_SIZE, doc: 'Largest object (bytes) accepted at all, by PUT or multipart upload; larger ones are refused with EntityTooLarge. Default: S3\'s 5 TiB.', allowed: 'a positive integer (bytes)', parse: num(1, Number.MAX_SAFE_INTEGER, true) }),
  setting({ key: 'minPartSize', env: 'DGP_MIN_PART_SIZE', toml: 'min_part_size', default: DEFAULT_MIN_PART_SIZE, doc: 'Smallest multipart part (bytes) but the last; a CompleteMultipartUpload with a smaller one is refused with EntityTooSmall. Default: S3\'s 5 MiB.', allowed: 'a non-negative integer (bytes)', parse: num(0, Number.MAX_SAFE_INTEGER, true) }),
  setting({ key: 'cacheMb', env: 'DGP_CACHE_MB', toml: 'cache_mb', default: 100, doc: 'Reference cache budget in MiB (references are cached as files on local disk).', allowed: 'a non-negative integer', parse: num(0, 1_000_000, true) }),
  setting({ key: 'reconstructionCacheMb', env: 'DGP_RECONSTRUCTION_CACHE_MB', toml: 'reconstruction_cache_mb', default: 256, doc: 'Disk budget in MiB for verified reconstructions of delta objects, so warm GETs skip decoding (0 keeps only the last one).', allowed: 'a non-negative integer', parse: num(0, 1_000_000, true) }),
  setting({ key: 'accessKeyId', env: 'DGP_ACCESS_KEY_ID', toml: 'access_key_id', default: undefined, doc: 'Access key clients must sign with. SigV4 auth is on when this and DGP_SECRET_ACCESS_KEY are both set.', allowed: 'a string', parse: optStr }),
  setting({ key: 'secretAccessKey', env: 'DGP_SECRET_ACCESS_KEY', toml: 'secret_access_key', default: undefined, doc: 'Secret key for DGP_ACCESS_KEY_ID.', allowed: 'a string', parse: optStr, secret: true }),
  setting({ key: 'adminPassword', env: 'DGP_ADMIN_PASSWORD', toml: 'admin_password', default: undefined, doc: 'Password for the web UI (alternative to logging in with the S3 keys).', allowed: 'a string', parse: optStr, secret: true }),
  setting({ key: 'tlsEnabled', env: 'DGP_TLS_ENABLED', toml: 'tls_enabled', default: false, doc: 'Serve HTTPS. Without DGP_TLS_CERT/DGP_TLS_KEY a self-signed certificate is generated (needs the openssl CLI).', allowed: 'true or false', parse: bool }),
  setting({ key: 'tlsCert', env: 'DGP_TLS_CERT', toml: 'tls_cert', default: undefined, doc: 'PEM certificate file for TLS.', allowed: 'a file path', parse: optStr }),
  setting({ key: 'tlsKey', env: 'DGP_TLS_KEY', toml: 'tls_key', default: undefined, doc: 'PEM private key file for TLS.', allowed: 'a file path', parse: optStr }),
  setting({ key: 's3Endpoint', env: 'DGP_S3_ENDPOINT', toml: 's3_endpoint', default: undefined, doc: 'Backend S3 endpoint (MinIO, s3rver, AWS). Unset: the embedded filesystem store.', allowed: 'an http(s) URL', parse: (raw) => { if (raw === '') return undefined; const u = new URL(raw); if (!/^https?:$/.test(u.protocol)) throw new Error(); return raw; } }),
  setting({ key: 's3Region', env: 'DGP_S3_REGION', toml: 's3_region', default: 'us-east-1', doc: 'Backend region; also the region clients sign for.', allowed: 'a region name', parse: str }),
  setting({ key: 's3PathStyle', env: 'DGP_S3_PATH_STYLE', toml: 's3_path_style', default: true, doc: 'Path-style addressing towards the backend (MinIO, s3rver need it).', allowed: 'true or false', parse: bool }),
  setting({ key: 's3StreamedPuts', env: 'DGP_S3_STREAMED_PUTS', toml: 's3_streamed_puts', default: true, doc: 'Deferred encoding: stream PUT bodies to the backend as they arrive. Turn off for backends that show an object while it is being written (s3rver): bodies are then spooled to disk first.', allowed: 'true or false', parse: bool }),
  setting({ key: 'beAccessKeyId', env: 'DGP_BE_AWS_ACCESS_KEY_ID', toml: 'be_aws_access_key_id', default: undefined, doc: 'Backend access key (else the AWS default credential chain).', allowed: 'a string', parse: optStr }),
  setting({ key: 'beSecretAccessKey', env: 'DGP_BE_AWS_SECRET_ACCESS_KEY', toml: 'be_aws_secret_access_key', default: undefined, doc: 'Backend secret key.', allowed: 'a string', parse: optStr, secret: true }),
  setting({ key: 'logLevel', env: 'DGP_LOG_LEVEL', toml: 'log_level', default: 'info', doc: 'Log level.', allowed: 'trace, debug, info, warn, error, fatal or silent', parse: (raw) => { if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(raw)) throw new Error(); return raw; } }),
  setting({ key: 'logFormat', env: 'DGP_LOG_FORMAT', toml: 'log_format', default: 'auto', doc: 'Log lines as JSON (one object a line, for collectors) or text (for people). auto: text with a start-up banner on a terminal, JSON otherwise.', allowed: LOG_FORMATS.join(', '), parse: (raw) => { if (!LOG_FORMATS.includes(raw as LogFormat)) throw new Error(); return raw as LogFormat; } }),
  setting({ key: 'codec', env: 'DGP_CODEC', toml: 'codec', default: 'auto', doc: 'Delta codec: auto (= typescript, the built-in codec: no binary, whole-reference matching) or xdelta3 (runs the xdelta3 binary, like the other DeltaGlider tools). Both read every delta either writes.', allowed: CODEC_NAMES.join(', '), parse: (raw) => { if (!CODEC_NAMES.includes(raw as CodecName)) throw new Error(); return raw as CodecName; } }),
  setting({ key: 'codecLevel', env: 'DGP_CODEC_LEVEL', toml: 'codec_level', default: DEFAULT_CODEC_LEVEL, doc: 'Encoder effort: fast, default or best (every level writes the same format; docs/OPERATIONS.md "Codec settings"). A number 0..9 is an xdelta3 level (DGP_CODEC=xdelta3), for the TypeScript codec 0-3 = fast, 4-6 = default, 7-9 = best.', allowed: `${CODEC_LEVELS.join(', ')} or an integer 0..9`, parse: (raw) => ((CODEC_LEVELS as readonly string[]).includes(raw) ? (raw as CodecLevel) : num(0, 9, true)(raw)) }),
  setting({ key: 'codecConcurrency', env: 'DGP_CODEC_CONCURRENCY', toml: 'codec_concurrency', default: undefined, doc: 'Parallel encodes/decodes. Default: CPU count.', allowed: 'a positive integer', parse: num(1, 1024, true) }),
  setting({ key: 'tempDir', env: 'DGP_TEMP_DIR', toml: 'temp_dir', default: undefined, doc: 'Spool directory for bodies, parts and references. Default: $TMPDIR/deltaglider.', allowed: 'a directory path', parse: optStr }),
  setting({ key: 'eligibleExtensions', env: 'DGP_ELIGIBLE_EXTENSIONS', toml: 'eligible_extensions', default: undefined, doc: `Only these extensions are delta candidates (any size), replacing the default rule. Unset: every object of at least DGP_MIN_DELTA_SIZE bytes, whatever its name, and every key ending in ${DEFAULT_ELIGIBLE_EXTENSIONS.join(' ')}; compressed content is recognised and stored whole without an encode (docs/OPERATIONS.md "What gets delta-encoded").`, allowed: 'a comma-separated list like .zip,.tar', parse: list }),
  setting({ key: 'minDeltaSize', env: 'DGP_MIN_DELTA_SIZE', toml: 'min_delta_size', default: DEFAULT_MIN_DELTA_SIZE, doc: 'Smallest object (bytes) that is a delta candidate by size alone (keys with the format\'s extensions are candidates at any size).', allowed: 'a non-negative integer (bytes)', parse: num(0, Number.MAX_SAFE_INTEGER, true) }),
  setting({ key: 'eligibleInclude', env: 'DGP_ELIGIBLE_INCLUDE', toml: 'eligible_include', default: [], doc: 'Globs whose objects are always delta-encoded, whatever their size and content. A glob with a / matches bucket/key (builds/fw/**), else the file name (*.img); * stays within a segment, ** crosses them.', allowed: 'a comma-separated list of globs', parse: (raw) => { const globs = list(raw); globs.forEach((g) => globMatcher(g)); return globs; } }),
  setting({ key: 'eligibleExclude', env: 'DGP_ELIGIBLE_EXCLUDE', toml: 'eligible_exclude', default: [], doc: 'Globs whose objects are never delta-encoded (stored as uploaded); they win over DGP_ELIGIBLE_INCLUDE. Same syntax.', allowed: 'a comma-separated list of globs', parse: (raw) => { const globs = list(raw); globs.forEach((g) => globMatcher(g)); return globs; } }),
  setting({ key: 'profile', env: 'DGP_PROFILE', toml: 'profile', default: DEFAULT_STORAGE_PROFILE, doc: 'Storage profile for new objects: compatible (the DeltaGlider format, readable by the Rust proxy and Python CLI) or compact (compressed baselines and objects, gzip-aware deltas; only deltaglider-ts reads it). Both are always read (docs/OPERATIONS.md "Choosing a profile").', allowed: STORAGE_PROFILES.join(' or '), parse: (raw) => { if (!isStorageProfile(raw)) throw new Error(); return raw; } }),
  setting({ key: 'profileOverrides', env: 'DGP_PROFILE_OVERRIDES', toml: 'profile_overrides', default: [], doc: 'Per-bucket or per-prefix profiles, longest prefix wins: bucket=compact, bucket/prefix/=compatible.', allowed: 'a comma-separated list of bucket[/prefix]=compatible|compact', parse: (raw) => { const rules = list(raw); parseProfileRules(rules); return rules; } }),
  setting({ key: 'compressionLevel', env: 'DGP_COMPRESSION_LEVEL', toml: 'compression_level', default: DEFAULT_COMPRESSION_LEVEL, doc: 'Brotli quality of what the compact profile compresses. 9-11 save under 1% more on binaries at 3-30x the time.', allowed: `an integer 0..${MAX_COMPRESSION_LEVEL}`, parse: num(0, MAX_COMPRESSION_LEVEL, true) }),
  setting({ key: 'gzipAware', env: 'DGP_GZIP_AWARE', toml: 'gzip_aware', default: true, doc: 'Compact profile: store gzip uploads that zlib reproduces bit for bit as a delta of their inner stream plus a rebuild recipe.', allowed: 'true or false', parse: bool }),
  setting({ key: 'baselineRotationRatio', env: 'DGP_BASELINE_ROTATION_RATIO', toml: 'baseline_rotation_ratio', default: DEFAULT_BASELINE_ROTATION_RATIO, doc: 'Compact profile: an upload becomes its deltaspace\'s next baseline once its delta reaches this share of its estimated compressed size; older deltas keep their baseline until nothing uses it. 0 never rotates.', allowed: 'a number >= 0', parse: num(0, 1000, false) }),
  setting({ key: 'encode', env: 'DGP_ENCODE', toml: 'encode', default: DEFAULT_ENCODE_MODE, doc: 'When eligible uploads are delta-encoded: deferred (stored as they arrive, marked pending, readable at once; a background compactor replaces them with deltas) or inline (inside the PUT, as the other DeltaGlider tools do). Measured in bench/RESULTS.md section 8; docs/OPERATIONS.md "Deferred encoding".', allowed: ENCODE_MODES.join(' or '), parse: (raw) => { if (!isEncodeMode(raw)) throw new Error(); return raw; } }),
  setting({ key: 'encodeOverrides', env: 'DGP_ENCODE_OVERRIDES', toml: 'encode_overrides', default: [], doc: 'Per-bucket or per-prefix encoding modes, longest prefix wins: bucket=inline, bucket/prefix/=deferred.', allowed: 'a comma-separated list of bucket[/prefix]=inline|deferred', parse: (raw) => { const rules = list(raw); parseEncodeRules(rules); return rules; } }),
  setting({ key: 'compactorConcurrency', env: 'DGP_COMPACTOR_CONCURRENCY', toml: 'compactor_concurrency', default: DEFAULT_COMPACTOR_CONCURRENCY, doc: 'Pending objects the compactor encodes at once (each takes one codec slot, and none starts while a request waits for one). 0: this instance compacts nothing (another one does).', allowed: 'an integer 0..64', parse: num(0, 64, true) }),
  setting({ key: 'compactorScanSeconds', env: 'DGP_COMPACTOR_SCAN_SECONDS', toml: 'compactor_scan_seconds', default: DEFAULT_COMPACTOR_SCAN_INTERVAL_MS / 1000, doc: 'How often the compactor lists the backend for pending objects other instances wrote or a stopped process left (one LIST per bucket plus a HEAD per passthrough object not seen before that could be pending: in deferred mode any, in inline mode only delta-eligible ones). 0: only at start.', allowed: 'a non-negative integer (seconds)', parse: num(0, 86_400, true) }),
  setting({ key: 'shutdownGraceSeconds', env: 'DGP_SHUTDOWN_GRACE_SECONDS', toml: 'shutdown_grace_seconds', default: DEFAULT_SHUTDOWN_GRACE_SECONDS, doc: 'On SIGTERM, how long compactions in progress may run on; the rest stays pending on the backend for the next start.', allowed: 'a non-negative integer (seconds)', parse: num(0, 3600, true) }),
  setting({ key: 'versionFolders', env: 'DGP_VERSION_FOLDERS', toml: 'version_folders', default: [...DEFAULT_VERSION_FOLDERS], doc: 'Compact profile: version folders, whose same-named objects (releases/v1.2.3/app.tar, releases/v1.2.4/app.tar) share one baseline: auto (folder names that look like versions: semver, dates, build numbers) and/or globs over bucket/folder (builds/nightly/*); off turns grouping off (docs/STORAGE_FORMAT.md "Version-folder groups").', allowed: 'off, or a comma-separated list of auto and bucket/folder globs', parse: (raw) => { if (raw.trim() === 'off') return []; const rules = list(raw); versionFolderMatcher(rules); return rules; } }),
  setting({ key: 'virtualHostDomains', env: 'DGP_VIRTUAL_HOST_DOMAINS', toml: 'virtual_host_domains', default: [], doc: 'Host suffixes for virtual-hosted-style requests (bucket.<domain>).', allowed: 'a comma-separated list of domains', parse: list }),
  setting({ key: 'lifecycleSweepSeconds', env: 'DGP_LIFECYCLE_SWEEP_SECONDS', toml: 'lifecycle_sweep_seconds', default: DEFAULT_LIFECYCLE_SWEEP_INTERVAL_MS / 1000, doc: 'Seconds between sweeps that apply the bucket lifecycle rules deltaglider keeps (expiring objects through the engine, never by backend age). 0 turns the sweep off in this instance (docs/OPERATIONS.md "Lifecycle, versioning, object lock and replication").', allowed: 'a non-negative number of seconds', parse: num(0, 31_536_000, false) }),
  setting({ key: 'lifecycleDaySeconds', env: 'DGP_LIFECYCLE_DAY_SECONDS', toml: 'lifecycle_day_seconds', default: MS_PER_DAY / 1000, doc: 'Length of a lifecycle day in seconds. Only for tests: shorter days, like RGW\'s "rgw lc debug interval", make Expiration Days pass in seconds.', allowed: 'a positive number of seconds', parse: (raw) => { const v = num(0, 31_536_000, false)(raw); if (v === 0) throw new Error(); return v; } }),
  setting({ key: 'sessionTtlMinutes', env: 'DGP_SESSION_TTL_MINUTES', toml: 'session_ttl_minutes', default: 60, doc: 'Web UI session lifetime.', allowed: 'a positive integer', parse: num(1, 525600, true) }),
] as const;

function fromToml(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

/** Resolves the configuration from a TOML file (optional) and the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configPath?: string): ProxyConfig {
  const config = Object.fromEntries(SETTINGS.map((s) => [s.key, s.default])) as unknown as ProxyConfig;
  const path = configPath ?? env.DGP_CONFIG;
  let file: Record<string, unknown> = {};
  if (path) {
    try {
      file = parseToml(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
    }
    const known = new Set<string>(SETTINGS.map((s) => s.toml));
    for (const k of Object.keys(file)) {
      if (!known.has(k)) throw new ConfigError(`config file ${path}: unknown key "${k}" (known keys: ${[...known].join(', ')})`);
    }
  }
  let listenAddrSet = false;
  for (const s of SETTINGS) {
    const fromEnv = env[s.env];
    const raw = fromEnv !== undefined ? fromEnv : s.toml in file ? fromToml(file[s.toml]) : undefined;
    if (raw === undefined) continue;
    if (s.key === 'listenAddr') listenAddrSet = true;
    try {
      (config as unknown as Record<string, unknown>)[s.key] = s.parse(raw);
    } catch {
      const where = fromEnv !== undefined ? s.env : `${s.toml} in ${path}`;
      throw new ConfigError(`invalid ${where}=${s.secret ? '(hidden)' : JSON.stringify(raw)}: expected ${s.allowed}`);
    }
  }
  if ((config.accessKeyId === undefined) !== (config.secretAccessKey === undefined)) {
    throw new ConfigError('DGP_ACCESS_KEY_ID and DGP_SECRET_ACCESS_KEY must be set together (both, or neither for an open endpoint)');
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('DGP_TLS_CERT and DGP_TLS_KEY must be set together');
  }
  if (!listenAddrSet && config.accessKeyId !== undefined) config.listenAddr = DEFAULT_AUTHENTICATED_LISTEN_ADDR;
  // The engine's own rules judge the engine options, now rather than when the engine is built.
  const problem = engineSettingsProblem(config, (key) => SETTINGS.find((s) => s.key === key)?.env ?? key);
  if (problem) throw new ConfigError(problem);
  return config;
}

/** The default UI address: S3 host, port + 1. */
export function defaultUiAddr(listenAddr: string): string {
  const i = listenAddr.lastIndexOf(':');
  const port = Number(listenAddr.slice(i + 1));
  return `${listenAddr.slice(0, i)}:${port === 0 ? 0 : port + 1}`;
}

/** `--help` text, generated from SETTINGS. */
export function helpText(): string {
  const lines = [
    'deltaglider-proxy: an S3 endpoint that stores versioned binaries as deltas.',
    '',
    'Usage: deltaglider-proxy [--config FILE] [--help] [--version]',
    '       deltaglider-proxy report <bucket> [prefix] [--json] [--config FILE]   per-deltaspace report of the configured store',
    '',
    'Settings (environment variable / TOML key: meaning [default]). Environment overrides the file.',
    '',
  ];
  for (const s of SETTINGS) {
    const def = s.default === undefined ? 'unset' : Array.isArray(s.default) ? s.default.join(',') : String(s.default);
    lines.push(`  ${s.env}  (${s.toml})`, `      ${s.doc} [${def}]`);
  }
  lines.push('', 'Admin endpoints on the S3 port: /_/health, /_/stats, /_/metrics (the "_" cannot start a bucket name).');
  return lines.join('\n');
}
