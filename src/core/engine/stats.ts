/**
 * Savings accounting: what the clients stored (original bytes) against what the
 * backend holds (stored bytes, references included). Walks listings, so callers
 * should cache the result.
 */
import { isListingIndexKey } from '../format/listing-index.js';
import { isReferenceKey, deltaspaceOf } from '../format/keys.js';
import { isGroupBaselineKey } from '../format/version-folders.js';
import { listAll } from '../store/list-all.js';
import { savingsPercent as savings } from './deltaspace-summary.js';
import type { DeltaGliderEngine } from './engine.js';
import { listAllObjects } from './list-all-objects.js';

export interface SpaceStats {
  bucket: string;
  deltaspace: string;
  objects: number;
  /** Objects stored as deltas or seeding a baseline. */
  deltas: number;
  originalBytes: number;
  storedBytes: number;
  referenceBytes: number;
  /** Baselines on the backend: a prefix without one is not a deltaspace. */
  baselines: number;
  /** Stored size of each delta-stored object (not the seeding one). */
  deltaSizes: number[];
}

export interface BucketStats {
  bucket: string;
  objects: number;
  originalBytes: number;
  storedBytes: number;
  savingsPercent: number;
}

export interface StoreStats {
  buckets: BucketStats[];
  objects: number;
  originalBytes: number;
  storedBytes: number;
  savingsPercent: number;
}

/** Per-deltaspace figures of one bucket. */
export async function deltaspaceStats(engine: DeltaGliderEngine, bucket: string, prefix = ''): Promise<SpaceStats[]> {
  const spaces = new Map<string, SpaceStats>();
  const space = (name: string): SpaceStats => {
    let s = spaces.get(name);
    if (!s) {
      s = { bucket, deltaspace: name, objects: 0, deltas: 0, originalBytes: 0, storedBytes: 0, referenceBytes: 0, baselines: 0, deltaSizes: [] };
      spaces.set(name, s);
    }
    return s;
  };
  for await (const o of listAllObjects(engine, bucket, prefix)) {
    const s = space(deltaspaceOf(o.key));
    s.objects++;
    if (o.storageType === 'delta' || o.storageType === 'reference') s.deltas++;
    if (o.storageType === 'delta') s.deltaSizes.push(o.storedSize);
    s.originalBytes += o.size;
    s.storedBytes += o.storedSize;
  }
  // References and listing indexes are hidden from user listings: add them from the backend.
  for await (const o of listAll(engine.store, bucket, prefix)) {
    if (isListingIndexKey(o.key)) {
      // Bytes the backend holds for the deltaspace, though neither object nor baseline.
      space(deltaspaceOf(o.key)).storedBytes += o.size;
      continue;
    }
    if (!isReferenceKey(o.key) && !isGroupBaselineKey(o.key)) continue;
    const s = space(deltaspaceOf(o.key));
    s.referenceBytes += o.size;
    s.storedBytes += o.size;
    s.baselines++;
  }
  return [...spaces.values()].sort((a, b) => (a.deltaspace < b.deltaspace ? -1 : 1));
}

/** Totals over every bucket. */
export async function storeStats(engine: DeltaGliderEngine): Promise<StoreStats> {
  const buckets: BucketStats[] = [];
  for (const b of await engine.listBuckets()) {
    const spaces = await deltaspaceStats(engine, b.name);
    const objects = spaces.reduce((n, s) => n + s.objects, 0);
    const originalBytes = spaces.reduce((n, s) => n + s.originalBytes, 0);
    const storedBytes = spaces.reduce((n, s) => n + s.storedBytes, 0);
    buckets.push({ bucket: b.name, objects, originalBytes, storedBytes, savingsPercent: savings(originalBytes, storedBytes) });
  }
  const objects = buckets.reduce((n, s) => n + s.objects, 0);
  const originalBytes = buckets.reduce((n, s) => n + s.originalBytes, 0);
  const storedBytes = buckets.reduce((n, s) => n + s.storedBytes, 0);
  return { buckets, objects, originalBytes, storedBytes, savingsPercent: savings(originalBytes, storedBytes) };
}
