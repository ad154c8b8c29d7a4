/**
 * The UI's JSON API (under /api/ on the UI port). Every answer is computed from
 * the engine: user listings for original sizes, backend listings for references.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import { deltaspaceStats, storeStats, type SpaceStats } from '../core/engine/stats.js';
import { isDeltaspace, savingsPercent, summarizeDeltaspace, type DeltaspaceSummary } from '../core/engine/deltaspace-summary.js';
import { deltaspaceReport } from '../core/engine/report.js';
import { deltaspaceOf, referenceKeyOf } from '../core/format/keys.js';
import { DeltaGliderError } from '../core/errors.js';
import { META } from '../core/format/metadata.js';

// Computed once in core; re-exported for the UI's callers and tests.
export { gradeRatio, median, savingsPercent, type Grade } from '../core/engine/deltaspace-summary.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const STATUS: Record<string, number> = {
  NoSuchKey: 404,
  NoSuchBucket: 404,
  ReservedKey: 400,
  InvalidKey: 400,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  BucketNotEmpty: 409,
  PreconditionFailed: 412,
  EntityTooLarge: 413,
  BadDigest: 400,
  IncompleteBody: 400,
  BackendError: 502,
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', String(Buffer.byteLength(text)));
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ApiError) return sendJson(res, err.status, { error: err.code, message: err.message });
  if (err instanceof DeltaGliderError) return sendJson(res, STATUS[err.code] ?? 500, { error: err.code, message: err.message });
  sendJson(res, 500, { error: 'Internal', message: (err as Error)?.message ?? String(err) });
}

function param(url: URL, name: string, required = true): string {
  const v = url.searchParams.get(name);
  if (v === null || (required && v === '')) {
    if (!required) return '';
    throw new ApiError(400, 'MissingParameter', `query parameter "${name}" is required`);
  }
  return v;
}

async function requireBucket(engine: DeltaGliderEngine, bucket: string): Promise<void> {
  if (!(await engine.headBucket(bucket))) throw new ApiError(404, 'NoSuchBucket', `bucket "${bucket}" does not exist`);
}

/** One deltaspace as the UI shows it: its stats (storedBytes carries the baseline's cost) and summary. */
export interface DeltaspaceView extends DeltaspaceSummary, Pick<SpaceStats, 'deltaspace' | 'objects' | 'originalBytes' | 'storedBytes' | 'referenceBytes'> {
  /** Objects stored as deltas against the reference (the seeding object excluded). */
  deltas: number;
}

/** Everything under a prefix: the deltaspaces, and totals over every object (deltaspace or not). */
export interface DeltaspaceViews {
  totals: { objects: number; originalBytes: number; storedBytes: number; savingsPercent: number };
  deltaspaces: DeltaspaceView[];
}

/** Per-deltaspace figures under a prefix; prefixes without a baseline count in the totals only. */
export async function deltaspaceViews(engine: DeltaGliderEngine, bucket: string, prefix: string): Promise<DeltaspaceViews> {
  const stats = (await deltaspaceStats(engine, bucket, prefix)).filter((s) => s.objects > 0);
  const totals = { objects: 0, originalBytes: 0, storedBytes: 0, savingsPercent: 0 };
  for (const s of stats) {
    totals.objects += s.objects;
    totals.originalBytes += s.originalBytes;
    totals.storedBytes += s.storedBytes;
  }
  totals.savingsPercent = savingsPercent(totals.originalBytes, totals.storedBytes);
  const deltaspaces = stats.filter(isDeltaspace).map((s): DeltaspaceView => ({
    deltaspace: s.deltaspace,
    objects: s.objects,
    deltas: s.deltaSizes.length,
    originalBytes: s.originalBytes,
    storedBytes: s.storedBytes,
    referenceBytes: s.referenceBytes,
    ...summarizeDeltaspace(s),
  }));
  return { totals, deltaspaces };
}

/** Serves one /api/ request. `path` is the part after `/api/`. */
export async function handleApi(engine: DeltaGliderEngine, req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET buckets': {
      const stats = await storeStats(engine);
      const created = new Map((await engine.listBuckets()).map((b) => [b.name, b.creationDate] as const));
      return sendJson(res, 200, {
        totals: { objects: stats.objects, originalBytes: stats.originalBytes, storedBytes: stats.storedBytes, savingsPercent: stats.savingsPercent, buckets: stats.buckets.length },
        buckets: stats.buckets.map((b) => ({ name: b.bucket, created: created.get(b.bucket), objects: b.objects, originalBytes: b.originalBytes, storedBytes: b.storedBytes, savingsPercent: b.savingsPercent })),
      });
    }
    case 'GET objects': {
      const bucket = param(url, 'bucket');
      const prefix = param(url, 'prefix', false);
      await requireBucket(engine, bucket);
      const page = await engine.listObjects({ bucket, prefix, delimiter: '/', maxKeys: 1000, continuationToken: url.searchParams.get('token') || undefined });
      return sendJson(res, 200, {
        bucket,
        prefix,
        folders: page.commonPrefixes,
        objects: page.objects.map((o) => ({
          key: o.key,
          size: o.size,
          storedSize: o.storedSize,
          storageType: o.storageType,
          pending: o.pending,
          etag: o.etag,
          lastModified: o.lastModified.toISOString(),
          savingsPercent: savingsPercent(o.size, o.storedSize),
        })),
        isTruncated: page.isTruncated,
        nextToken: page.nextContinuationToken,
      });
    }
    case 'GET object': {
      const bucket = param(url, 'bucket');
      const key = param(url, 'key');
      const info = await engine.headObject({ bucket, key });
      let reference: { key: string; size: number; sha256?: string; sourceKey?: string; lastModified: string } | undefined;
      if (info.referenceKey) {
        const ref = await engine.store.headObject(bucket, info.referenceKey);
        if (ref) {
          reference = {
            key: info.referenceKey,
            size: ref.size,
            sha256: ref.metadata[META.fileSha256],
            sourceKey: ref.metadata[META.sourceName],
            lastModified: ref.lastModified.toISOString(),
          };
        }
      }
      return sendJson(res, 200, {
        bucket,
        key: info.key,
        size: info.size,
        storedSize: info.storedSize,
        savingsPercent: savingsPercent(info.size, info.storedSize),
        storageType: info.storageType,
        pending: info.pending,
        reason: info.reason,
        etag: info.etag,
        lastModified: info.lastModified.toISOString(),
        contentType: info.contentType,
        sha256: info.sha256,
        deltaspace: deltaspaceOf(info.key),
        backendKey: info.backendKey,
        referenceKey: info.referenceKey ?? (info.storageType === 'delta' || info.storageType === 'reference' ? referenceKeyOf(deltaspaceOf(info.key)) : undefined),
        reference,
        deltaRatio: reference && info.referenceKey && reference.size > 0 ? info.storedSize / reference.size : undefined,
        profile: info.profile,
        userMetadata: info.userMetadata,
        headers: info.headers,
        rawMetadata: info.rawMetadata,
      });
    }
    case 'GET deltaspaces': {
      const bucket = param(url, 'bucket');
      const prefix = param(url, 'prefix', false);
      await requireBucket(engine, bucket);
      return sendJson(res, 200, { bucket, prefix, ...(await deltaspaceViews(engine, bucket, prefix)) });
    }
    case 'GET report': {
      const bucket = param(url, 'bucket');
      const prefix = param(url, 'prefix', false);
      await requireBucket(engine, bucket);
      return sendJson(res, 200, { bucket, prefix, deltaspaces: await deltaspaceReport(engine, bucket, prefix) });
    }
    case 'GET download':
    case 'HEAD download': {
      const bucket = param(url, 'bucket');
      const key = param(url, 'key');
      const ac = new AbortController();
      res.once('close', () => ac.abort());
      const got = await engine.getObject({ bucket, key, signal: ac.signal });
      const name = key.slice(key.lastIndexOf('/') + 1) || 'download';
      res.statusCode = 200;
      res.setHeader('Content-Type', got.info.contentType || 'application/octet-stream');
      res.setHeader('Content-Length', String(got.contentLength));
      res.setHeader('Content-Disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`);
      res.setHeader('ETag', `"${got.info.etag}"`);
      res.setHeader('Cache-Control', 'no-store');
      if (method === 'HEAD') {
        got.body.destroy();
        res.end();
        return;
      }
      got.body.on('error', () => res.destroy());
      got.body.pipe(res);
      return;
    }
    case 'PUT upload': {
      const bucket = param(url, 'bucket');
      const key = param(url, 'key');
      await requireBucket(engine, bucket);
      const length = req.headers['content-length'];
      const ac = new AbortController();
      req.once('aborted', () => ac.abort());
      const contentType = req.headers['content-type'];
      const result = await engine.putObject({
        bucket,
        key,
        body: req,
        contentLength: length !== undefined ? Number(length) : undefined,
        contentType: contentType && contentType !== 'application/x-www-form-urlencoded' ? contentType : undefined,
        signal: ac.signal,
      });
      return sendJson(res, 200, { bucket, key, ...result, savingsPercent: savingsPercent(result.size, result.storedSize) });
    }
    case 'DELETE object': {
      const bucket = param(url, 'bucket');
      const key = param(url, 'key');
      await engine.headObject({ bucket, key });
      await engine.deleteObject({ bucket, key });
      return sendJson(res, 200, { deleted: key });
    }
    case 'POST buckets': {
      const bucket = param(url, 'bucket');
      await engine.createBucket(bucket);
      return sendJson(res, 200, { created: bucket });
    }
    default:
      throw new ApiError(404, 'NotFound', `no API route ${method} /api/${path}`);
  }
}
