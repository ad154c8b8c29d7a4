/**
 * Operator endpoints: health, savings stats and Prometheus metrics. Served on the
 * S3 port under `/_/` (an underscore cannot start a bucket name, so no bucket can
 * shadow them) and at the root of the UI port.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import { TOOL_VERSION } from '../core/format/metadata.js';
import type { ProxyMetrics } from './metrics.js';
import { createStatsCache, type StatsCache } from './stats-cache.js';

/** What the admin endpoints read. */
export interface AdminOptions {
  engine: DeltaGliderEngine;
  metrics: ProxyMetrics;
  startedAt: number;
  /** Where /stats comes from (default: a cache that only the TTL expires). */
  stats?: StatsCache;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', String(Buffer.byteLength(text)));
  res.end(text);
}

/** Returns a handler for `health`, `stats`, `metrics`; it answers false for anything else. */
export function createAdminHandler(options: AdminOptions): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const { engine, metrics, startedAt } = options;
  const stats = options.stats ?? createStatsCache(engine);
  return async (req, res, path) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    switch (path) {
      case 'health': {
        let backend = 'ok';
        try {
          await engine.store.ping();
        } catch (err) {
          backend = `unreachable: ${(err as Error).message}`;
        }
        json(res, backend === 'ok' ? 200 : 503, {
          status: backend === 'ok' ? 'ok' : 'degraded',
          version: TOOL_VERSION,
          backend: { type: engine.store.description, status: backend },
          uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        });
        return true;
      }
      case 'stats': {
        // The compactor's figures are live: pending work shows as it drains.
        json(res, 200, { ...(await stats.get()), compaction: engine.compactor.stats() });
        return true;
      }
      case 'metrics': {
        const text = await metrics.registry.metrics();
        res.statusCode = 200;
        res.setHeader('Content-Type', metrics.registry.contentType);
        res.end(text);
        return true;
      }
      default:
        return false;
    }
  };
}
