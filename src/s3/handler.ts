/**
 * The S3 request handler shared by the middleware and the reverse proxy: request
 * accounting and the log line, auth, routing (operation.ts), dispatch to the engine
 * (dispatch.ts), one error path (responses.ts).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { InvalidBucketNameError } from '../core/errors.js';
import { isAddressableBucketName } from '../core/format/keys.js';
import { createDispatch } from './dispatch.js';
import { S3Error } from './error-table.js';
import type { RequestEvent, S3HandlerOptions, S3RequestHandler } from './handler-types.js';
import { operationOf, S3_METHODS } from './operation.js';
import { header } from './request-header.js';
import { parseTarget, type S3Target } from './request.js';
import { sendError } from './responses.js';
import type { SigV4Context } from './sigv4/types.js';
import { verifySigV4 } from './sigv4/verify.js';
import { DEFAULT_MAX_XML_BYTES } from './xml-parse.js';

/** Region reported by GetBucketLocation and accepted in signatures by default. */
export const DEFAULT_REGION = 'us-east-1';

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
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
  const authEnabled = credentials.length > 0;
  const dispatch = createDispatch({ engine, region, maxXmlBytes: options.maxXmlBytes ?? DEFAULT_MAX_XML_BYTES, fallback, logger });

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
}
