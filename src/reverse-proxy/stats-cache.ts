/**
 * /_/stats without stale answers. Computing the figures walks every listing, so a
 * result is reused, but only while it is still true for this process: any write through
 * this proxy drops it (trackWrites), and writes that bypass the proxy (another
 * process, the backend's own console) are bounded by a TTL and shown as the answer's age.
 * Chosen over incremental counters because a DELETE or an overwrite would need the old
 * object's sizes (a HEAD before every write) and a reconciling walk anyway; a walk after
 * a write is the one source of truth and costs nothing while nobody reads stats.
 */
import { storeStats, type StoreStats } from '../core/engine/stats.js';
import type { DeltaGliderEngine } from '../core/engine/engine.js';

/** How long a result is reused when this process wrote nothing (bounds staleness from other writers). */
export const STATS_TTL_MS = 10_000;

/** The stats plus when they were computed. */
export interface TimedStoreStats extends StoreStats {
  /** ISO-8601 UTC time the listing walk started. */
  computedAt: string;
  /** Seconds since then, at the time of the answer. */
  ageSeconds: number;
}

/** The cache: `get()` answers, `invalidate()` is called after each write. */
export interface StatsCache {
  get(): Promise<TimedStoreStats>;
  invalidate(): void;
}

/** A stats cache over `engine`; `compute` is injectable for tests. */
export function createStatsCache(engine: DeltaGliderEngine, options: { ttlMs?: number; compute?: (engine: DeltaGliderEngine) => Promise<StoreStats> } = {}): StatsCache {
  const ttlMs = options.ttlMs ?? STATS_TTL_MS;
  const compute = options.compute ?? storeStats;
  let generation = 0;
  let entry: { generation: number; at: number; stats: Promise<StoreStats> } | undefined;
  return {
    invalidate() {
      generation++;
    },
    async get() {
      if (!entry || entry.generation !== generation || Date.now() - entry.at > ttlMs) {
        // Stamped with the generation at the start: a write landing during the walk
        // makes the next read walk again rather than keep a result that may miss it.
        const started = { generation, at: Date.now(), stats: compute(engine) };
        entry = started;
        started.stats.catch(() => {
          if (entry === started) entry = undefined;
        });
      }
      const { at, stats } = entry;
      return { ...(await stats), computedAt: new Date(at).toISOString(), ageSeconds: Math.round((Date.now() - at) / 100) / 10 };
    },
  };
}
