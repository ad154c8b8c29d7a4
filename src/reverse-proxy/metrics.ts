/**
 * Prometheus metrics (prom-client): requests, bytes, delta decisions, codec timings,
 * cache and queue gauges. One registry per proxy instance, so tests can run several.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeltaGliderEngine } from '../core/engine/engine.js';
import type { EngineObserver } from '../core/engine/options.js';
import type { RequestEvent } from '../s3/handler-types.js';

export interface ProxyMetrics {
  registry: Registry;
  observer: EngineObserver;
  onRequest(event: RequestEvent): void;
  attach(engine: DeltaGliderEngine): void;
}

export function createMetrics(): ProxyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'deltaglider_' });
  const requests = new Counter({ name: 'deltaglider_requests_total', help: 'S3 requests by operation and status', labelNames: ['op', 'status'], registers: [registry] });
  const bytesIn = new Counter({ name: 'deltaglider_bytes_in_total', help: 'Request body bytes received', registers: [registry] });
  const bytesOut = new Counter({ name: 'deltaglider_bytes_out_total', help: 'Response body bytes sent', registers: [registry] });
  const duration = new Histogram({ name: 'deltaglider_request_duration_seconds', help: 'Request duration', labelNames: ['op'], buckets: [0.005, 0.02, 0.1, 0.5, 1, 5, 30, 120], registers: [registry] });
  const decisions = new Counter({ name: 'deltaglider_put_decisions_total', help: 'PUT storage decisions', labelNames: ['storage_type'], registers: [registry] });
  const originalBytes = new Counter({ name: 'deltaglider_put_original_bytes_total', help: 'Original bytes of PUT objects', registers: [registry] });
  const storedBytes = new Counter({ name: 'deltaglider_put_stored_bytes_total', help: 'Bytes written to the backend for PUT objects', registers: [registry] });
  const ratio = new Histogram({ name: 'deltaglider_delta_ratio', help: 'Delta size / original size of computed deltas', buckets: [0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1], registers: [registry] });
  const encode = new Histogram({ name: 'deltaglider_encode_duration_seconds', help: 'Delta encode time', buckets: [0.01, 0.05, 0.2, 1, 5, 30, 120], registers: [registry] });
  const decode = new Histogram({ name: 'deltaglider_decode_duration_seconds', help: 'Delta decode (reconstruction) time', buckets: [0.01, 0.05, 0.2, 1, 5, 30, 120], registers: [registry] });
  const queue = new Gauge({ name: 'deltaglider_codec_queue_depth', help: 'Codec operations waiting for a slot', registers: [registry] });
  let engineRef: DeltaGliderEngine | undefined;
  const compaction = () => engineRef?.compactor.stats();
  new Gauge({ name: 'deltaglider_compactor_queue_depth', help: 'Pending objects known to the compactor, queued or being compacted', registers: [registry], collect() { const c = compaction(); this.set(c ? c.queued + c.running : 0); } });
  new Gauge({ name: 'deltaglider_compactor_lag_seconds', help: 'Age of the oldest pending object known to the compactor', registers: [registry], collect() { this.set((compaction()?.lagMs ?? 0) / 1000); } });
  new Gauge({ name: 'deltaglider_compactor_pending_bytes', help: 'Original bytes of the pending objects known to the compactor', registers: [registry], collect() { this.set(compaction()?.bytesPending ?? 0); } });
  new Gauge({ name: 'deltaglider_compactor_saved_bytes', help: 'Bytes saved by compactions since start (original minus stored)', registers: [registry], collect() { this.set(compaction()?.bytesSaved ?? 0); } });
  new Gauge({ name: 'deltaglider_compactor_completed', help: 'Compactions finished since start', registers: [registry], collect() { this.set(compaction()?.completed ?? 0); } });
  new Gauge({ name: 'deltaglider_compactor_failures', help: 'Compactions that failed since start (retried later)', registers: [registry], collect() { this.set(compaction()?.failures ?? 0); } });
  new Gauge({ name: 'deltaglider_reference_cache_hits', help: 'Reference cache hits', registers: [registry], collect() { this.set(engineRef?.references.stats().hits ?? 0); } });
  new Gauge({ name: 'deltaglider_reference_cache_misses', help: 'Reference cache misses', registers: [registry], collect() { this.set(engineRef?.references.stats().misses ?? 0); } });
  new Gauge({ name: 'deltaglider_reference_cache_bytes', help: 'Bytes of references cached on disk', registers: [registry], collect() { this.set(engineRef?.references.stats().bytes ?? 0); } });

  return {
    registry,
    attach(engine) {
      engineRef = engine;
    },
    observer: {
      onPut(e) {
        decisions.inc({ storage_type: e.storageType });
        originalBytes.inc(e.size);
        storedBytes.inc(e.storedSize);
        if (e.ratio !== undefined) ratio.observe(e.ratio);
        if (e.encodeMs !== undefined) encode.observe(e.encodeMs / 1000);
      },
      onDecode(e) {
        decode.observe(e.decodeMs / 1000);
      },
      onCodecQueue(depth) {
        queue.set(depth);
      },
    },
    onRequest(e) {
      requests.inc({ op: e.op, status: String(e.status) });
      bytesIn.inc(e.bytesIn);
      bytesOut.inc(e.bytesOut);
      duration.observe({ op: e.op }, e.ms / 1000);
    },
  };
}
