/**
 * The reverse proxy: a node:http(s) server running the shared S3 handler over an
 * S3 backend (MinIO, s3rver, AWS) or the embedded filesystem store, plus the UI
 * port, admin endpoints and graceful shutdown.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import { engineFromConfig, storeFromConfig } from './engine-from-config.js';
import type { ObjectStore } from '../core/store/object-store.js';
import { S3Store } from '../core/store/s3-store.js';
import { createS3Handler } from '../s3/handler.js';
import type { S3IncomingMessage } from '../s3/handler-types.js';
import { sendError } from '../s3/responses.js';
import { verifySigV4 } from '../s3/sigv4/verify.js';
import { createAdminHandler } from './admin.js';
import { formatBanner } from './banner.js';
import { checkBindPolicy, isLoopbackHost } from './bind-policy.js';
import { createProxyLogger, resolveLogFormat } from './proxy-logger.js';
import { ConfigError, defaultUiAddr, loadConfig, SETTINGS, type ProxyConfig } from './config.js';
import { engineSettingsProblem } from './engine-settings.js';
import { createForwarder } from './forward.js';
import { createMetrics, type ProxyMetrics } from './metrics.js';
import { loadTls } from './tls.js';
import { createStatsCache, type StatsCache } from './stats-cache.js';
import { trackWrites } from './track-writes.js';
import { TOOL_VERSION } from '../core/format/metadata.js';
import { ignoreUnknownExpectations } from '../s3/ignore-unknown-expectations.js';
import { LifecycleSweeper } from '../core/lifecycle/lifecycle-sweeper.js';

/** The shortest sweep interval honoured (a smaller positive setting means this). */
const MIN_SWEEP_SECONDS = 0.1;

/** Builds the UI port's handler (see src/ui). Injected to keep the UI optional. */
export type UiHandlerFactory = (context: UiContext) => (req: IncomingMessage, res: ServerResponse) => void;

/** What the UI gets from the proxy. */
export interface UiContext {
  engine: DeltaGliderEngine;
  config: ProxyConfig;
  metrics: ProxyMetrics;
  admin: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;
  logger: Logger;
}

export interface ReverseProxyOptions {
  /** Settings; anything missing comes from the environment / DGP_CONFIG, then defaults. */
  config?: Partial<ProxyConfig>;
  /** Use this store instead of the one the config describes. */
  store?: ObjectStore;
  /** Logger (default: pino at config.logLevel). */
  logger?: Logger;
  /** UI handler factory; default: the built-in UI when present. */
  ui?: UiHandlerFactory | false;
}

export interface ReverseProxy {
  engine: DeltaGliderEngine;
  /** Applies the bucket lifecycle rules (started by listen() unless DGP_LIFECYCLE_SWEEP_SECONDS is 0). */
  lifecycle: LifecycleSweeper;
  config: ProxyConfig;
  server: Server;
  uiServer?: Server;
  metrics: ProxyMetrics;
  logger: Logger;
  /** Starts listening; resolves to the URLs actually bound (port 0 picks a free port). */
  listen(): Promise<{ url: string; uiUrl?: string }>;
  /** Stops accepting, lets in-flight requests finish, frees temp files. */
  close(): Promise<void>;
}

function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(addr.slice(i + 1)) };
}

/**
 * Creates the proxy (not yet listening).
 *
 * @example
 * const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:9000' } });
 * const { url } = await proxy.listen();
 */
export async function createReverseProxy(options: ReverseProxyOptions = {}): Promise<ReverseProxy> {
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  for (const key of Object.keys(options.config ?? {})) {
    if (!known.has(key)) throw new ConfigError(`createReverseProxy: unknown config key ${key} (known: ${[...known].join(', ')})`);
  }
  const config: ProxyConfig = { ...loadConfig(process.env), ...stripUndefined(options.config ?? {}) };
  // Values given here skip the text parsers: the engine's rules still judge them, naming the key.
  const problem = engineSettingsProblem(config, (key) => `config.${key}`);
  if (problem) throw new ConfigError(`createReverseProxy: ${problem}`);
  const exposure = checkBindPolicy(config);
  const logFormat = resolveLogFormat(config.logFormat, process.stdout.isTTY);
  const logger = options.logger ?? createProxyLogger(config.logLevel, logFormat);
  const metrics = createMetrics();
  const store = options.store ?? storeFromConfig(config);
  let stats: StatsCache | undefined;
  const engine = engineFromConfig(config, trackWrites(store, () => stats?.invalidate()), { logger, observer: metrics.observer });
  stats = createStatsCache(engine);
  metrics.attach(engine);
  const lifecycle = new LifecycleSweeper(engine, {
    intervalMs: Math.max(config.lifecycleSweepSeconds, MIN_SWEEP_SECONDS) * 1000,
    dayMs: config.lifecycleDaySeconds * 1000,
    logger,
  });
  const startedAt = Date.now();
  const admin = createAdminHandler({ engine, metrics, startedAt, stats });
  const credentials = config.accessKeyId && config.secretAccessKey ? [{ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }] : [];
  const forward =
    store instanceof S3Store && config.s3Endpoint
      ? createForwarder({ endpoint: config.s3Endpoint, region: config.s3Region, credentials: store.client.config.credentials })
      : undefined;
  const handler = createS3Handler({
    engine,
    credentials,
    region: config.s3Region,
    virtualHostDomains: config.virtualHostDomains,
    logger,
    onRequest: (e) => metrics.onRequest(e),
    fallback: forward ? (req, res) => forward(req, res) : undefined,
  });

  const tls = config.tlsEnabled ? loadTls({ cert: config.tlsCert, key: config.tlsKey, dir: join(resolve(config.dataDir), '.tls') }) : undefined;
  const s3Listener = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (url.startsWith('/_/')) {
      const path = url.slice(3).split('?')[0] as string;
      void (async () => {
        // With S3 credentials set, /_/stats (every bucket's name and size) is as private
        // as the buckets: it needs a SigV4 signature, as any S3 request (e.g.
        // `curl --aws-sigv4`). /_/health and /_/metrics name no bucket or object and stay
        // open for load balancers, health checks and Prometheus, which cannot sign.
        if (credentials.length > 0 && path === 'stats') {
          const q = url.indexOf('?');
          await verifySigV4({ method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: req.headers }, credentials, { region: config.s3Region });
        }
        return admin(req, res, path);
      })().then(
        (served) => {
          if (!served) {
            res.statusCode = 404;
            res.end();
          }
        },
        (err: unknown) => sendError(req, res, err, url.split('?')[0] as string, randomBytes(8).toString('hex').toUpperCase()),
      );
      return;
    }
    handler(req as S3IncomingMessage, res);
  };
  const server = ignoreUnknownExpectations(tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, s3Listener) : createHttpServer(s3Listener));
  // Large uploads and slow reconstructions must not be cut by Node's defaults;
  // headers must still arrive promptly (slowloris).
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;

  let uiServer: Server | undefined;
  if (config.uiAddr !== 'off' && options.ui !== false) {
    const factory = options.ui ?? (await loadBuiltinUi());
    const uiHandler = factory
      ? factory({ engine, config, metrics, admin, logger })
      : (req: IncomingMessage, res: ServerResponse) => {
          void admin(req, res, (req.url ?? '/').slice(1).split('?')[0] as string).then((served) => {
            if (!served) {
              res.statusCode = 404;
              res.end('UI not built: run npm run build');
            }
          });
        };
    uiServer = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, uiHandler) : createHttpServer(uiHandler);
  }

  const proto = tls ? 'https' : 'http';
  let closing: Promise<void> | undefined;
  const proxy: ReverseProxy = {
    engine,
    lifecycle,
    config,
    server,
    uiServer,
    metrics,
    logger,
    async listen() {
      const s3 = splitAddr(config.listenAddr);
      await new Promise<void>((ok, fail) => server.once('error', fail).listen(s3.port, s3.host, () => ok()));
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      const url = `${proto}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${a.port}`;
      let uiUrl: string | undefined;
      if (uiServer) {
        const ui = splitAddr(config.uiAddr ?? defaultUiAddr(`${s3.host}:${a.port}`));
        await new Promise<void>((ok, fail) => uiServer!.once('error', fail).listen(ui.port, ui.host, () => ok()));
        const u = uiServer.address() as AddressInfo;
        uiUrl = `${proto}://${u.address === '0.0.0.0' ? '127.0.0.1' : u.address}:${u.port}`;
      }
      // Pending objects on the backend (left by a stopped process, or another instance) get compacted.
      engine.compactor.start();
      if (config.lifecycleSweepSeconds > 0) lifecycle.start();
      const auth = credentials.length > 0;
      const tlsMode = tls ? (tls.selfSigned ? 'self-signed' : 'configured') : 'off';
      const open = exposure.filter((p) => p.open);
      // The banner replaces the JSON start-up line for a person at a terminal; a
      // silenced logger (tests, embedding) prints nothing.
      if (logFormat === 'text' && !options.logger && config.logLevel !== 'silent') {
        process.stdout.write(formatBanner({ version: TOOL_VERSION, url: boundUrl(url, a.address), uiUrl: uiUrl && uiServer ? boundUrl(uiUrl, (uiServer.address() as AddressInfo).address) : uiUrl, store: store.description, auth, open, tls: tlsMode }));
      } else {
        logger.info({ url, uiUrl, bound: a.address, backend: store.description, auth, tls: tlsMode }, 'deltaglider-proxy listening');
      }
      for (const p of open) {
        logger.warn({ port: p.port, addr: p.addr }, `AUTHENTICATION IS OFF on a network address (DGP_ALLOW_OPEN_ACCESS): anyone who can reach ${p.addr} can read, write and delete every object`);
      }
      return { url, uiUrl };
    },
    close() {
      closing ??= (async () => {
        const stop = (s: Server | undefined): Promise<void> =>
          new Promise((ok) => {
            if (!s?.listening) return ok();
            s.close(() => ok());
            s.closeIdleConnections();
          });
        await Promise.all([stop(server), stop(uiServer), lifecycle.stop()]);
        await engine.close(config.shutdownGraceSeconds * 1000);
        if (store instanceof S3Store) store.client.destroy();
      })();
      return closing;
    },
  };
  return proxy;
}

/** `url` as stated to people: a wildcard bind says it serves every interface. */
function boundUrl(url: string, address: string): string {
  return address === '0.0.0.0' || address === '::' ? `${url} (bound to all interfaces)` : isLoopbackHost(address) ? `${url} (this machine only)` : url;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The built-in UI, if this build ships it. */
async function loadBuiltinUi(): Promise<UiHandlerFactory | undefined> {
  try {
    const path = '../ui/server.js'; // a variable: the UI is optional at type-check time
    const mod = (await import(path)) as { createUiHandler?: UiHandlerFactory };
    return mod.createUiHandler;
  } catch {
    return undefined;
  }
}
