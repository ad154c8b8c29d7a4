/**
 * Savings accounting: what the clients stored (original bytes) against what the
 * backend holds (stored bytes, references included). Walks listings, so callers
 * should cache the result.
 */
import { isReferenceKey, deltaspaceOf } from '../format/keys.js';
import { isGroupBaselineKey } from '../format/version-folders.js';
import type { DeltaGliderEngine } from './engine.js';

export interface SpaceStats {
  bucket: string;
  deltaspace: string;
  objects: number;
  deltas: number;
  originalBytes: number;
  storedBytes: number;
  referenceBytes: number;
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

function savings(original: number, stored: number): number {
  return original === 0 ? 0 : Math.round((1 - stored / original) * 10000) / 100;
}

/** Per-deltaspace figures of one bucket. */
export async function deltaspaceStats(engine: DeltaGliderEngine, bucket: string, prefix = ''): Promise<SpaceStats[]> {
  const spaces = new Map<string, SpaceStats>();
  const space = (name: string): SpaceStats => {
    let s = spaces.get(name);
    if (!s) {
      s = { bucket, deltaspace: name, objects: 0, deltas: 0, originalBytes: 0, storedBytes: 0, referenceBytes: 0 };
      spaces.set(name, s);
    }
    return s;
  };
  let token: string | undefined;
  do {
    const page = await engine.listObjects({ bucket, prefix, continuationToken: token, maxKeys: 1000 });
    for (const o of page.objects) {
      const s = space(deltaspaceOf(o.key));
      s.objects++;
      if (o.storageType === 'delta' || o.storageType === 'reference') s.deltas++;
      s.originalBytes += o.size;
      s.storedBytes += o.storedSize;
    }
    token = page.isTruncated ? page.nextContinuationToken : undefined;
  } while (token);
  // References are hidden from user listings: add them from the backend.
  let after: string | undefined;
  for (;;) {
    const page = await engine.store.listObjects(bucket, { prefix, startAfter: after, maxKeys: 1000 });
    for (const o of page.objects) {
      if (!isReferenceKey(o.key) && !isGroupBaselineKey(o.key)) continue;
      const s = space(deltaspaceOf(o.key));
      s.referenceBytes += o.size;
      s.storedBytes += o.size;
    }
    if (!page.isTruncated) break;
    after = page.nextStartAfter;
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
