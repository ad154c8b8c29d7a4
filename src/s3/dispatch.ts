/** Operation dispatch: parses each operation's input, calls the engine, renders the answer. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import { NoSuchBucketError } from '../core/errors.js';
import { isValidBucketName } from '../core/format/keys.js';
import { assertNoObjectLockHeaders, serveConfiguration } from './bucket-configuration.js';
import { conditionsOf } from './conditions.js';
import { resolveCopyDirective } from './copy-request.js';
import { parseCopySource } from './copy-source.js';
import type { HandlerLogger, S3HandlerOptions, S3IncomingMessage } from './handler-types.js';
import { sendXmlWithKeepAlive, type KeepAliveOutcome } from './keep-alive-response.js';
import { parseDelimiter, parseEncodingType, parseMaxKeys } from './list-parameters.js';
import { explainHeader, storedHeadersFrom, userMetadataFrom } from './metadata-headers.js';
import { decodeRequestBody, readSmallBody } from './request-body.js';
import { header } from './request-header.js';
import type { S3Target } from './request.js';
import { objectHeaders, partHeaders, sendEmpty, sendXml } from './responses.js';
import { assertNotRanged, parsePartNumber } from '../core/engine/part-number.js';
import type { SigV4Context } from './sigv4/types.js';
import { DEFAULT_MAX_COMPLETE_XML_BYTES, parseCompleteMultipartUpload, parseCreateBucketConfiguration, parseDeleteObjects } from './xml-parse.js';
import {
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
} from './xml-render.js';

/** The request's conditions: `if-*`, or `x-amz-copy-source-if-*` for a copy's source. */
function conditionsFrom(req: IncomingMessage, prefix = 'if-') {
  return conditionsOf({
    ifMatch: header(req, `${prefix}match`),
    ifNoneMatch: header(req, `${prefix}none-match`),
    ifModifiedSince: header(req, `${prefix}modified-since`),
    ifUnmodifiedSince: header(req, `${prefix}unmodified-since`),
  });
}

const OWNER: Owner = { id: 'deltaglider', displayName: 'deltaglider' };

/** What dispatch needs from the handler's options. */
export interface DispatchContext {
  engine: DeltaGliderEngine;
  region: string;
  /** Largest DeleteObjects / CreateBucket / configuration XML body. */
  maxXmlBytes: number;
  fallback?: S3HandlerOptions['fallback'];
  logger?: HandlerLogger;
}

/** Runs one named operation against the engine and writes its answer. */
export type Dispatch = (
  op: string,
  req: S3IncomingMessage,
  res: ServerResponse,
  target: S3Target,
  auth: SigV4Context | undefined,
  names: { resource: string; requestId: string },
) => Promise<KeepAliveOutcome | void>;

/** Builds the operation dispatcher the handler calls once auth and routing are done. */
export function createDispatch(ctx: DispatchContext): Dispatch {
  const { engine, region, maxXmlBytes: maxXml, fallback, logger } = ctx;
  return dispatch;

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
          knownDigests: body.verifiedDigests,
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
        const partNumber = q.has('partNumber') ? parsePartNumber(q.get('partNumber') as string) : undefined;
        assertNotRanged(partNumber, header(req, 'range'));
        if (isHead) {
          if (partNumber !== undefined) {
            const part = await engine.headObjectPart({ bucket, key, partNumber, conditions });
            objectHeaders(res, part.info, q);
            explainHeader(req, res, part.info.reason);
            partHeaders(res, part.info.size, part);
            res.end();
            return;
          }
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
        const got = await engine.getObject({ bucket, key, range: header(req, 'range'), partNumber, conditions, signal: controller.signal });
        objectHeaders(res, got.info, q);
        partHeaders(res, got.info.size, got);
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
        const r = await engine.multipart.uploadPart({ bucket, key, uploadId: q.get('uploadId') as string, partNumber, body: body.stream, contentLength: body.contentLength, knownDigests: body.verifiedDigests });
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
