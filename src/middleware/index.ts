/**
 * Express/Connect middleware: an S3 endpoint mounted in any Node server.
 *
 * @example
 * import express from 'express';
 * import { deltaGliderMiddleware } from 'deltaglider/middleware';
 * import { S3Store } from 'deltaglider';
 * const app = express();
 * app.use('/s3', deltaGliderMiddleware({ backend: new S3Store({ endpoint: 'http://localhost:9000' }) }));
 */
import type { ServerResponse } from 'node:http';
import { createCodec, type CodecName } from '../core/codec/create-codec.js';
import type { DeltaCodec } from '../core/codec/codec.js';
import { DeltaGliderEngine } from '../core/engine/engine.js';
import { ENGINE_OPTION_NAMES, type EngineOptions } from '../core/engine/options.js';
import { LifecycleSweeper, type LifecycleSweeperOptions } from '../core/lifecycle/lifecycle-sweeper.js';
import type { ObjectStore } from '../core/store/object-store.js';
import { createS3Handler } from '../s3/handler.js';
import type { HandlerLogger, NextFunction, RequestEvent, S3IncomingMessage } from '../s3/handler-types.js';
import type { SigV4Credential } from '../s3/sigv4/types.js';

export { ignoreUnknownExpectations } from '../s3/ignore-unknown-expectations.js';

export interface DeltaGliderMiddlewareOptions extends Partial<Omit<EngineOptions, 'store' | 'codec'>> {
  /** Where objects are stored: an S3Store or FileSystemStore. Required unless `engine` is given. */
  backend?: ObjectStore;
  /** A ready engine (shared with other parts of the app). */
  engine?: DeltaGliderEngine;
  /** Codec name or instance. Default `auto`. */
  codec?: CodecName | DeltaCodec;
  /** Access keys clients must sign with (SigV4). Default: none, the endpoint is open. */
  credentials?: SigV4Credential[];
  /** Region for signatures and GetBucketLocation. Default us-east-1. */
  region?: string;
  /** Host suffixes for virtual-hosted-style requests. Default none. */
  virtualHostDomains?: string[];
  /** Request logger (pino or compatible). Default none. */
  requestLogger?: HandlerLogger;
  /** Called after every request (metrics). */
  onRequest?: (event: RequestEvent) => void;
  /**
   * Requests the endpoint does not serve (tagging, ACLs, ...) go to `next()` so a host
   * S3 server behind it can answer. Set false to answer them 501 NotImplemented instead.
   * Default true.
   */
  passUnhandled?: boolean;
  /**
   * The lifecycle sweep that applies the bucket lifecycle rules set through this endpoint
   * (expiring objects through the engine, so no delta loses its reference). Default: on,
   * every hour, real days; its timer never keeps the process alive. false: no sweep in this
   * instance (another instance over the same backend must run one, or rules do nothing).
   */
  lifecycle?: LifecycleSweeperOptions | false;
}

/** The middleware's own options (the rest are the engine's, passed through as they are). */
const MIDDLEWARE_OPTION_NAMES = Object.keys({
  backend: true, engine: true, codec: true, credentials: true, region: true, virtualHostDomains: true, requestLogger: true, onRequest: true, passUnhandled: true, lifecycle: true,
} satisfies Record<Exclude<keyof DeltaGliderMiddlewareOptions, keyof EngineOptions> | 'codec', true>);

/** Engine options the middleware takes: every one but the store, which is `backend` here. */
const ENGINE_OPTIONS = ENGINE_OPTION_NAMES.filter((name) => name !== 'store' && name !== 'codec');
const KNOWN_OPTIONS = new Set<string>([...MIDDLEWARE_OPTION_NAMES, ...ENGINE_OPTIONS]);

/** A Connect/Express handler that also exposes its engine and its lifecycle sweep. */
export type DeltaGliderMiddleware = ((req: S3IncomingMessage, res: ServerResponse, next?: NextFunction) => void) & {
  engine: DeltaGliderEngine;
  /** The lifecycle sweep (undefined with `lifecycle: false`); `await lifecycle.stop()` at shutdown. */
  lifecycle?: LifecycleSweeper;
};

/** Builds the middleware; options are validated now, not at the first request. */
export function deltaGliderMiddleware(options: DeltaGliderMiddlewareOptions): DeltaGliderMiddleware {
  if (!options || typeof options !== 'object') throw new TypeError('deltaGliderMiddleware: options are required ({ backend })');
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) throw new TypeError(`deltaGliderMiddleware: unknown option ${name} (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const { backend, engine: given, codec = 'auto', credentials, region, virtualHostDomains, requestLogger, onRequest, passUnhandled = true, lifecycle = {}, ...engineOptions } = options;
  if (!given && !backend) throw new TypeError('deltaGliderMiddleware: option backend is required (an S3Store or FileSystemStore)');
  if (given) {
    // A ready engine has its options already: any given here would be silently ignored.
    const ignored = Object.keys(engineOptions).concat(backend ? ['backend'] : [], options.codec !== undefined ? ['codec'] : []);
    if (ignored.length > 0) throw new TypeError(`deltaGliderMiddleware: option${ignored.length > 1 ? 's' : ''} ${ignored.join(', ')} cannot be given with engine (set them on the engine)`);
  }
  if (credentials !== undefined && (!Array.isArray(credentials) || credentials.some((c) => !c?.accessKeyId || !c?.secretAccessKey))) {
    throw new TypeError('deltaGliderMiddleware: option credentials must be an array of { accessKeyId, secretAccessKey }');
  }
  const engine =
    given ??
    new DeltaGliderEngine({
      ...engineOptions,
      store: backend as ObjectStore,
      codec: typeof codec === 'string' ? createCodec({ codec }) : codec,
    });
  // Deferred encoding (option encode): pending objects a stopped process left get compacted too.
  if (!given && engineOptions.encode !== undefined && engineOptions.encode !== 'inline') engine.compactor.start();
  const handler = createS3Handler({ engine, credentials, region, virtualHostDomains, logger: requestLogger, onRequest });
  const middleware = ((req: S3IncomingMessage, res: ServerResponse, next?: NextFunction) => {
    handler(req, res, passUnhandled ? next : undefined);
  }) as DeltaGliderMiddleware;
  middleware.engine = engine;
  if (lifecycle !== false) {
    middleware.lifecycle = new LifecycleSweeper(engine, { logger: requestLogger, ...lifecycle });
    middleware.lifecycle.start();
  }
  return middleware;
}

export type { RequestEvent, HandlerLogger } from '../s3/handler-types.js';
