/** The S3 handler's options and the shapes it hands to its callers (logs, metrics). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import type { StorageType } from '../core/engine/types.js';
import type { S3Target } from './request.js';
import type { SigV4Credential } from './sigv4/types.js';


/** A request as Express/Connect or node:http hand it over. */
export type S3IncomingMessage = IncomingMessage & { originalUrl?: string };
/** Connect-style continuation. */
export type NextFunction = (err?: unknown) => void;

/** One finished request, for logs and metrics. */
export interface RequestEvent {
  op: string;
  bucket?: string;
  key?: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  storageType?: StorageType;
  ms: number;
  requestId: string;
  error?: string;
}

/** pino-compatible logger subset. */
export interface HandlerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of createS3Handler. */
export interface S3HandlerOptions {
  /** The delta engine. Required. */
  engine: DeltaGliderEngine;
  /** Accepted key pairs; when empty or absent, the endpoint is open (no auth). */
  credentials?: SigV4Credential[];
  /** Region for signatures and GetBucketLocation. Default us-east-1. */
  region?: string;
  /** Host suffixes for virtual-hosted-style addressing. Default none (path-style only). */
  virtualHostDomains?: string[];
  /** Requests this endpoint does not serve (tagging, ACLs, ...). Default: 501 NotImplemented. */
  fallback?: (req: S3IncomingMessage, res: ServerResponse, target: S3Target) => void;
  /** Request log (one line per request). */
  logger?: HandlerLogger;
  /** Called after every request (metrics). */
  onRequest?: (event: RequestEvent) => void;
  /** Largest DeleteObjects / CreateBucket XML body. Default 2 MiB. */
  maxXmlBytes?: number;
}

/** Handler signature shared by the middleware (with next) and the proxy (without). */
export type S3RequestHandler = (req: S3IncomingMessage, res: ServerResponse, next?: NextFunction) => void;
