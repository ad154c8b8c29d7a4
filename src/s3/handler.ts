/**
 * The S3 protocol layer shared by the middleware and the reverse proxy: auth,
 * operation dispatch to the engine, S3 XML responses, one error path.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import type { ObjectInfo, StorageType } from '../core/engine/types.js';
import { InvalidBucketNameError, NoSuchBucketError } from '../core/errors.js';
import { isAddressableBucketName, isValidBucketName } from '../core/format/keys.js';
import { assertNoObjectLockHeaders, configurationOperationOf, serveConfiguration } from './bucket-configuration.js';
import { renderErrorXml, S3Error, toS3Error } from './error-table.js';
import { explainHeader, headerBytes, storedHeadersFrom, userMetadataFrom } from './metadata-headers.js';
import { decodeRequestBody, readSmallBody } from './request-body.js';
import { conditionsOf } from './conditions.js';
import { parseCopySource } from './copy-source.js';
import { resolveCopyDirective } from './copy-request.js';
import { parseDelimiter, parseEncodingType, parseMaxKeys } from './list-parameters.js';
import { objectHeaderValues, RESPONSE_OVERRIDE_PARAMS, type ObjectHeaderValues } from './response-overrides.js';
import { sendXmlWithKeepAlive, type KeepAliveOutcome } from './keep-alive-response.js';
import { parseTarget, type S3Target } from './request.js';
import type { SigV4Context, SigV4Credential } from './sigv4/types.js';
import { verifySigV4 } from './sigv4/verify.js';
import {
  DEFAULT_MAX_COMPLETE_XML_BYTES,
  DEFAULT_MAX_XML_BYTES,
  parseCompleteMultipartUpload,
  parseCreateBucketConfiguration,
  parseDeleteObjects,
  quoteEtag,
  renderCompleteMultipartUploadResult,
  renderCopyObjectResult,
  renderCopyPartResult,
  renderEmptyTagging,
  renderDeleteResult,
  renderInitiateMultipartUploadResult,
  renderListAllMyBucketsResult,
  renderListMultipartUploadsResult,
  renderListObjectsV1Result,
  renderListObjectsV2Result,
  renderListPartsResult,
  renderLocationConstraint,
  type Owner,
} from './xml.js';

/** Region reported by GetBucketLocation and accepted in signatures by default. */
export const DEFAULT_REGION = 'us-east-1';

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

const OWNER: Owner = { id: 'deltaglider', displayName: 'deltaglider' };

/** Subresources we answer ourselves; any other query subresource is "not served". */
const BUCKET_GET_SERVED = new Set(['list-type', 'prefix', 'delimiter', 'max-keys', 'marker', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'location', 'uploads', 'key-marker', 'upload-id-marker', 'max-uploads', 'x-id', 'allow-unordered', 'optional-object-attributes']);
const OBJECT_SERVED = new Set(['uploadId', 'partNumber', 'uploads', 'x-id', 'versionId', 'max-parts', 'part-number-marker', ...Object.values(RESPONSE_OVERRIDE_PARAMS)]);
const OBJECT_TAGGING_SERVED = new Set(['tagging', 'versionId', 'x-id']);
const PRESIGN_PARAMS = /^X-Amz-/i;
/** Methods S3 defines operations for (OPTIONS: CORS preflight). */
const S3_METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS']);

function servedQuery(query: URLSearchParams, served: Set<string>): boolean {
  for (const name of query.keys()) {
    if (PRESIGN_PARAMS.test(name) || served.has(name)) continue;
    return false;
  }
  return true;
}

/** Names the operation a request asks for, or undefined when it is not one we serve. */
export function operationOf(method: string, target: S3Target): string | undefined {
  const { bucket, key, query } = target;
  const has = (n: string): boolean => query.has(n);
  if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : undefined;
  // Served or refused here, never forwarded: they decide what the backend may delete.
  const configuration = configurationOperationOf(method, target);
  if (configuration !== undefined) return configuration;
  if (key === undefined) {
    switch (method) {
      case 'GET':
        if (!servedQuery(query, BUCKET_GET_SERVED)) return undefined;
        if (has('location')) return 'GetBucketLocation';
        if (has('uploads')) return 'ListMultipartUploads';
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'HEAD':
        return servedQuery(query, new Set(['x-id'])) ? 'HeadBucket' : undefined;
      case 'PUT':
        return servedQuery(query, new Set(['x-id'])) ? 'CreateBucket' : undefined;
      case 'DELETE':
        return servedQuery(query, new Set(['x-id'])) ? 'DeleteBucket' : undefined;
      case 'POST':
        return has('delete') && servedQuery(query, new Set(['delete', 'x-id'])) ? 'DeleteObjects' : undefined;
      default:
        return undefined;
    }
  }
  if (method === 'GET' && has('tagging') && servedQuery(query, OBJECT_TAGGING_SERVED)) return 'GetObjectTagging';
  if (!servedQuery(query, OBJECT_SERVED)) return undefined;
  switch (method) {
    case 'GET':
      return has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (has('uploadId') && has('partNumber')) return 'UploadPart';
      return 'PutObject';
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      return undefined;
    default:
      return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function httpDate(d: Date): string {
  return d.toUTCString();
}

/** The request's conditions: `if-*`, or `x-amz-copy-source-if-*` for a copy's source. */
function conditionsFrom(req: IncomingMessage, prefix = 'if-') {
  return conditionsOf({
    ifMatch: header(req, `${prefix}match`),
    ifNoneMatch: header(req, `${prefix}none-match`),
    ifModifiedSince: header(req, `${prefix}modified-since`),
    ifUnmodifiedSince: header(req, `${prefix}unmodified-since`),
  });
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** Sets the headers describing an object (GET/HEAD), `response-*` overrides applied. */
function objectHeaders(res: ServerResponse, info: ObjectInfo, query: URLSearchParams): void {
  const overrides: ObjectHeaderValues = {};
  for (const [field, param] of Object.entries(RESPONSE_OVERRIDE_PARAMS) as [keyof ObjectHeaderValues, string][]) overrides[field] = query.get(param) ?? undefined;
  const h = objectHeaderValues(info, overrides);
  res.setHeader('ETag', quoteEtag(info.etag));
  res.setHeader('Last-Modified', httpDate(info.lastModified));
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', headerBytes(h.contentType ?? 'binary/octet-stream'));
  const set = (name: string, v: string | undefined): void => {
    if (v !== undefined && v !== '') res.setHeader(name, headerBytes(v));
  };
  set('Cache-Control', h.cacheControl);
  set('Content-Disposition', h.contentDisposition);
  set('Content-Encoding', h.contentEncoding);
  set('Content-Language', h.contentLanguage);
  set('Expires', h.expires);
  for (const [k, v] of Object.entries(info.userMetadata)) res.setHeader(`x-amz-meta-${k}`, headerBytes(v));
  res.setHeader('x-amz-storage-type', info.storageType);
}

/**
 * Builds the S3 request handler.
 *
 * @example
 * const handler = createS3Handler({ engine });
 * http.createServer((req, res) => handler(req, res)).listen(9000);
 */
export function createS3Handler(options: S3HandlerOptions): S3RequestHandler {
  const { engine, credentials = [], region = DEFAULT_REGION, virtualHostDomains = [], fallback, logger, onRequest } = options;
  const maxXml = options.maxXmlBytes ?? DEFAULT_MAX_XML_BYTES;
  const authEnabled = credentials.length > 0;

  return (req, res, next) => {
    const started = performance.now();
    const id = requestId();
    const event: RequestEvent = { op: 'Unknown', status: 0, bytesIn: 0, bytesOut: 0, ms: 0, requestId: id };
    res.setHeader('x-amz-request-id', id);
    res.setHeader('x-amz-id-2', id);
    res.setHeader('Server', 'deltaglider');
    // Count request bytes without switching the body to flowing mode: with auth on, the
    // body is read only after the (async) signature check, and flowing data would be lost.
    req.pause();
    // Declared, not counted: a 'data' listener here would start the body flowing
    // before auth has been checked and the body pipeline attached, losing bytes.
    const declared = Number(header(req, 'x-amz-decoded-content-length') ?? header(req, 'content-length') ?? 0);
    // A hostile header (`-1`, `1e400`) must not reach the metrics as a negative or infinite count.
    event.bytesIn = Number.isSafeInteger(declared) && declared >= 0 ? declared : 0;
    const count = (chunk: unknown): void => {
      if (chunk && typeof chunk !== 'function' && typeof (chunk as { length?: number }).length === 'number') event.bytesOut += (chunk as { length: number }).length;
    };
    const origWrite = res.write.bind(res);
    const origEnd = res.end.bind(res);
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk);
      return (origWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      count(chunk);
      return (origEnd as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
    }) as typeof res.end;
    /** What made the request fail, for the log line. */
    let failure: unknown;
    let cutMidStream = false;
    // Set when a keep-alive answer (CompleteMultipartUpload) carried an error under its 200.
    let bodyStatus: number | undefined;
    res.once('close', () => {
      event.status = bodyStatus ?? res.statusCode;
      event.ms = Math.round(performance.now() - started);
      // Runs in an event listener: a throwing observer would be an uncaught exception
      // that takes the whole process down.
      try {
        onRequest?.(event);
      } catch (err) {
        logger?.error({ err, requestId: id }, 'onRequest observer failed');
      }
      // One line per request. A client error is routine (a 404 on HEAD is how clients
      // test for existence): info, no stack. A server error, or a failure after the
      // status went out (a body cut mid-stream), is ours: error, with the cause.
      if (event.status >= 500 || cutMidStream) logger?.error(failure === undefined ? { ...event } : { ...event, err: failure }, 'request failed');
      else logger?.info({ ...event }, 'request');
    });

    let target: S3Target;
    try {
      target = parseTarget(req.url ?? '/', header(req, 'host'), virtualHostDomains);
    } catch (err) {
      return void sendError(req, res, err, req.url ?? '/', id);
    }
    event.bucket = target.bucket;
    event.key = target.key;
    const op = operationOf(req.method ?? 'GET', target);
    const resource = `/${target.bucket ?? ''}${target.key !== undefined ? `/${target.key}` : ''}`;

    void (async () => {
      let auth: SigV4Context | undefined;
      if (authEnabled) {
        const full = req.originalUrl ?? req.url ?? '/';
        const q = full.indexOf('?');
        auth = await verifySigV4(
          { method: req.method ?? 'GET', path: q < 0 ? full : full.slice(0, q), query: q < 0 ? '' : full.slice(q + 1), headers: req.headers },
          credentials,
          { region },
        );
      }
      if (op === undefined && next) {
        event.op = 'Forward';
        return next();
      }
      if (target.bucket !== undefined && !isAddressableBucketName(target.bucket)) throw new InvalidBucketNameError(target.bucket);
      if (op === undefined) {
        event.op = 'Forward';
        // A method S3 has no operation for at all (PATCH...): S3 answers 405, not "not implemented".
        if (!S3_METHODS.has(req.method ?? '')) throw new S3Error('MethodNotAllowed', `The specified method (${req.method}) is not allowed against this resource.`);
        if (fallback) return fallback(req, res, target);
        throw new S3Error('NotImplemented', `deltaglider does not implement ${req.method} ${[...target.query.keys()].join('&') || 'on this resource'}.`);
      }
      event.op = op;
      const outcome = await dispatch(op, req, res, target, auth, { resource, requestId: id });
      if (outcome) {
        bodyStatus = outcome.status;
        if (outcome.error) {
          // Logged with the request's one line, at the level of its status.
          failure = outcome.error;
          event.error = outcome.error.message;
        }
      }
    })().catch((err: unknown) => {
      failure = err;
      cutMidStream = res.headersSent;
      event.error = (err as Error)?.message ?? String(err);
      sendError(req, res, err, resource, id);
    });
  };

  async function dispatch(op: string, req: S3IncomingMessage, res: ServerResponse, target: S3Target, auth: SigV4Context | undefined, names: { resource: string; requestId: string }): Promise<KeepAliveOutcome | void> {
    const bucket = target.bucket as string;
    const key = target.key as string;
    const q = target.query;
    if (op === 'PutObject' || op === 'CreateMultipartUpload' || op === 'CreateBucket') assertNoObjectLockHeaders(req.headers);
    switch (op) {
      case 'ListBuckets': {
        const buckets = await engine.listBuckets();
        return sendXml(res, 200, renderListAllMyBucketsResult({ owner: OWNER, buckets: buckets.map((b) => ({ name: b.name, creationDate: b.creationDate })) }));
      }
      case 'CreateBucket': {
        const body = await readSmallBody(decodeRequestBody(req, auth), maxXml);
        parseCreateBucketConfiguration(body.length > 0 ? body : undefined);
        await engine.createBucket(bucket);
        res.setHeader('Location', `/${bucket}`);
        return sendEmpty(res, 200);
      }
      case 'HeadBucket': {
        if (!isValidBucketName(bucket) || !(await engine.headBucket(bucket))) return sendEmpty(res, 404);
        res.setHeader('x-amz-bucket-region', region);
        return sendEmpty(res, 200);
      }
      case 'DeleteBucket':
        await engine.deleteBucket(bucket);
        return sendEmpty(res, 204);
      case 'GetBucketLocation':
        await requireBucket(bucket);
        return sendXml(res, 200, renderLocationConstraint(region));
      case 'ListObjects':
      case 'ListObjectsV2': {
        const encodingType = parseEncodingType(q.get('encoding-type'));
        const maxKeys = parseMaxKeys(q.get('max-keys'));
        const prefix = q.get('prefix') ?? undefined;
        const delimiter = parseDelimiter(q.get('delimiter'));
        if (op === 'ListObjectsV2') {
          // An empty token lists from the start (start-after still applies), and is echoed as given.
          const continuationToken = q.get('continuation-token') ?? undefined;
          const startAfter = q.get('start-after') ?? undefined;
          const result = await engine.listObjects({ bucket, prefix, delimiter, maxKeys, startAfter, continuationToken: continuationToken || undefined });
          return sendXml(res, 200, renderListObjectsV2Result({ bucket, prefix, delimiter, maxKeys, startAfter, continuationToken, encodingType, fetchOwner: q.get('fetch-owner') === 'true', owner: OWNER, result }));
        }
        const marker = q.get('marker') ?? undefined;
        const result = await engine.listObjects({ bucket, prefix, delimiter, maxKeys, startAfter: marker });
        return sendXml(res, 200, renderListObjectsV1Result({ bucket, prefix, delimiter, marker, maxKeys, encodingType, owner: OWNER, result }));
      }
      case 'DeleteObjects': {
        const xml = await readSmallBody(decodeRequestBody(req, auth), maxXml);
        const parsed = parseDeleteObjects(xml);
        const result = await engine.deleteObjects({ bucket, keys: parsed.keys });
        return sendXml(res, 200, renderDeleteResult(result, { quiet: parsed.quiet }));
      }
      case 'PutObject': {
        if (header(req, 'x-amz-copy-source') !== undefined) return copyObject(req, res, target);
        const body = decodeRequestBody(req, auth);
        const result = await engine.putObject({
          bucket,
          key,
          body: body.stream,
          contentLength: body.contentLength,
          contentType: header(req, 'content-type'),
          userMetadata: userMetadataFrom(req.headers),
          headers: storedHeadersFrom(req.headers),
          conditions: conditionsOf({ ifMatch: header(req, 'if-match'), ifNoneMatch: header(req, 'if-none-match') }),
        });
        res.setHeader('ETag', quoteEtag(result.etag));
        res.setHeader('x-amz-storage-type', result.storageType);
        explainHeader(req, res, result.reason);
        return sendEmpty(res, 200);
      }
      case 'GetObject':
      case 'HeadObject': {
        const isHead = op === 'HeadObject';
        const conditions = conditionsFrom(req);
        if (isHead) {
          const info = await engine.headObject({ bucket, key, conditions });
          objectHeaders(res, info, q);
          explainHeader(req, res, info.reason);
          // The object's length, not the (empty) HEAD body's: no sendEmpty here.
          res.setHeader('Content-Length', String(info.size));
          res.statusCode = 200;
          res.end();
          return;
        }
        const controller = new AbortController();
        res.once('close', () => controller.abort());
        const got = await engine.getObject({ bucket, key, range: header(req, 'range'), conditions, signal: controller.signal });
        objectHeaders(res, got.info, q);
        res.setHeader('Content-Length', String(got.contentLength));
        if (got.range) res.setHeader('Content-Range', `bytes ${got.range.start}-${got.range.end}/${got.info.size}`);
        res.statusCode = got.range ? 206 : 200;
        await pipeline(got.body, res).catch((err) => {
          got.body.destroy();
          if (!res.headersSent) throw err;
          // Failed after the headers left (e.g. a passthrough body failing verification):
          // the connection is cut so the client cannot take it for a whole object.
          if ((err as { code?: string }).code === 'IntegrityError') logger?.error({ err, bucket, key }, 'response aborted: stored data failed verification');
          res.destroy(err as Error);
        });
        return;
      }
      case 'GetObjectTagging': {
        // The aws CLI reads a source's tags before every multipart copy. A passthrough
        // object's tags live on the backend object (tagging is forwarded); an object we
        // store as a delta or reference has none.
        const info = await engine.headObject({ bucket, key });
        if (info.storageType === 'passthrough' && fallback) return fallback(req, res, target);
        return sendXml(res, 200, renderEmptyTagging());
      }
      case 'DeleteObject':
        await engine.deleteObject({ bucket, key });
        return sendEmpty(res, 204);
      case 'CreateMultipartUpload': {
        const { uploadId } = await engine.multipart.create({
          bucket,
          key,
          contentType: header(req, 'content-type'),
          userMetadata: userMetadataFrom(req.headers),
          headers: storedHeadersFrom(req.headers),
        });
        return sendXml(res, 200, renderInitiateMultipartUploadResult({ bucket, key, uploadId }));
      }
      case 'UploadPart': {
        const partNumber = Number(q.get('partNumber'));
        const copySource = header(req, 'x-amz-copy-source');
        if (copySource !== undefined) {
          const source = parseCopySource(copySource);
          const r = await engine.multipart.uploadPartCopy({
            bucket,
            key,
            uploadId: q.get('uploadId') as string,
            partNumber,
            sourceBucket: source.bucket,
            sourceKey: source.key,
            sourceRange: header(req, 'x-amz-copy-source-range'),
            sourceConditions: conditionsFrom(req, 'x-amz-copy-source-if-'),
          });
          return sendXml(res, 200, renderCopyPartResult(r));
        }
        const body = decodeRequestBody(req, auth);
        const r = await engine.multipart.uploadPart({ bucket, key, uploadId: q.get('uploadId') as string, partNumber, body: body.stream, contentLength: body.contentLength });
        res.setHeader('ETag', quoteEtag(r.etag));
        return sendEmpty(res, 200);
      }
      case 'CompleteMultipartUpload': {
        const xml = await readSmallBody(decodeRequestBody(req, auth), DEFAULT_MAX_COMPLETE_XML_BYTES);
        const parts = parseCompleteMultipartUpload(xml);
        // Assembling and encoding a large upload outlasts client read timeouts: S3's
        // answer shape (200 early, whitespace, result or error in the body).
        return sendXmlWithKeepAlive(
          res,
          async () => {
            const result = await engine.multipart.complete(bucket, key, q.get('uploadId') as string, parts);
            return { xml: renderCompleteMultipartUploadResult({ location: `/${bucket}/${key}`, bucket, key, etag: result.etag }), headers: { 'x-amz-storage-type': result.storageType } };
          },
          names,
        );
      }
      case 'AbortMultipartUpload':
        await engine.multipart.abort(bucket, key, q.get('uploadId') as string);
        return sendEmpty(res, 204);
      case 'ListParts': {
        const maxParts = q.has('max-parts') ? Number(q.get('max-parts')) : 1000;
        const partNumberMarker = q.has('part-number-marker') ? Number(q.get('part-number-marker')) : undefined;
        const r = engine.multipart.listParts(bucket, key, q.get('uploadId') as string, { maxParts, partNumberMarker });
        return sendXml(res, 200, renderListPartsResult({ bucket, key, uploadId: q.get('uploadId') as string, partNumberMarker, nextPartNumberMarker: r.nextPartNumberMarker, maxParts, isTruncated: r.isTruncated, parts: r.parts, owner: OWNER }));
      }
      case 'ListMultipartUploads': {
        await requireBucket(bucket);
        const uploads = engine.multipart.listUploads(bucket, { prefix: q.get('prefix') ?? undefined });
        return sendXml(res, 200, renderListMultipartUploadsResult({ bucket, prefix: q.get('prefix') ?? undefined, maxUploads: 1000, isTruncated: false, uploads, owner: OWNER }));
      }
      default: {
        const served = await serveConfiguration(op, engine, bucket, () => readSmallBody(decodeRequestBody(req, auth), maxXml));
        return served.xml === undefined ? sendEmpty(res, served.status) : sendXml(res, served.status, served.xml);
      }
    }
  }

  async function requireBucket(bucket: string): Promise<void> {
    if (!isValidBucketName(bucket) || !(await engine.headBucket(bucket))) throw new NoSuchBucketError(bucket);
  }

  async function copyObject(req: S3IncomingMessage, res: ServerResponse, target: S3Target): Promise<void> {
    const { bucket: sourceBucket, key: sourceKey } = parseCopySource(header(req, 'x-amz-copy-source') as string);
    const directive = resolveCopyDirective({ sourceBucket, sourceKey, bucket: target.bucket as string, key: target.key as string, metadataDirective: header(req, 'x-amz-metadata-directive') });
    const result = await engine.copyObject({
      sourceBucket,
      sourceKey,
      bucket: target.bucket as string,
      key: target.key as string,
      metadataDirective: directive,
      contentType: header(req, 'content-type'),
      userMetadata: userMetadataFrom(req.headers),
      headers: storedHeadersFrom(req.headers),
      sourceConditions: conditionsFrom(req, 'x-amz-copy-source-if-'),
    });
    res.setHeader('x-amz-storage-type', result.storageType);
    return sendXml(res, 200, renderCopyObjectResult({ etag: result.etag, lastModified: result.lastModified }));
  }
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  const body = Buffer.from(xml, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.setHeader('Content-Length', '0');
  res.end();
}

/** Renders any error as S3 does (XML body, no body for HEAD, 304 with validators). */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, resource: string, id: string): void {
  // The request body may still be arriving: drain it so the client reads our answer.
  req.resume();
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  const info = toS3Error(err);
  if (info.status === 304) {
    const nm = err as { etag?: string; lastModified?: Date };
    if (nm.etag) res.setHeader('ETag', quoteEtag(nm.etag));
    if (nm.lastModified) res.setHeader('Last-Modified', httpDate(nm.lastModified));
    res.statusCode = 304;
    res.end();
    return;
  }
  for (const name of res.getHeaderNames()) {
    if (!['x-amz-request-id', 'x-amz-id-2', 'server'].includes(name)) res.removeHeader(name);
  }
  res.statusCode = info.status;
  if (info.status === 416 && (err as { objectSize?: number }).objectSize !== undefined) {
    res.setHeader('Content-Range', `bytes */${(err as { objectSize: number }).objectSize}`);
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const xml = Buffer.from(renderErrorXml({ code: info.code, message: info.message, resource, requestId: id, extra: info.extra }), 'utf8');
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(xml.length));
  res.end(xml);
}
