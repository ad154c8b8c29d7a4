/**
 * What the engine's modules share: the resolved options, the backend, the temp dir, the
 * caches, the codec slots and the locks. Each module takes this object instead of the
 * engine class, so none of them imports the facade (no import cycle) and nothing on the
 * facade is public only for a sibling.
 */
import { LRUCache } from 'lru-cache';
import { ReferenceCache } from '../cache/reference-cache.js';
import { Semaphore } from '../concurrency.js';
import { KeyedRwLock } from '../rw-lock.js';
import { groupBaselinePrefix, type VersionGroup } from '../format/version-folders.js';
import { TempDir } from '../spool.js';
import type { ObjectStore } from '../store/object-store.js';
import { indexingStore } from './indexing-store.js';
import { ListingIndexes } from './listing-indexes.js';
import { resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js';
import type { StorageType } from './types.js';

/** Baselines whose best delta ratio is remembered for rotation's drift check. */
const BEST_RATIO_ENTRIES = 10_000;

/** Listed objects described at most this many at a time from memory (per engine). */
const LISTED_SUMMARY_ENTRIES = 100_000;

/** What a listing shows for a backend object beyond what the backend lists. */
export interface ListedSummary {
  size: number;
  etag: string;
  storageType: StorageType;
  pending?: boolean;
}

/** Where writes hand pending objects over (the facade wires in its Compactor). */
export interface PendingSink {
  enqueue(bucket: string, key: string, size: number): void;
  start(): void;
}

/** Until the facade sets one: pending objects wait on the backend for a scan. */
const NO_PENDING_SINK: PendingSink = { enqueue() {}, start() {} };

/** The state one engine's modules share. */
export interface EngineContext {
  readonly options: ResolvedEngineOptions;
  /** The backend, telling `listingIndexes` of every user `.delta` object written or deleted. */
  readonly store: ObjectStore;
  readonly temp: TempDir;
  /** Per-deltaspace listing indexes: what listings show for `.delta` objects without a HEAD each. */
  readonly listingIndexes: ListingIndexes;
  /** Verified local copies of baselines, shared by writers and readers. */
  readonly references: ReferenceCache;
  /** Verified reconstructions of delta objects, reused by warm GETs. */
  readonly reconstructions: ReferenceCache;
  readonly codecSlots: Semaphore;
  readonly locks: KeyedRwLock;
  /**
   * Smallest delta/original ratio seen per baseline (bucket + key), for rotation's drift
   * check. Per process and forgotten on restart: rotation is an optimisation, and a
   * forgotten history only delays it.
   */
  readonly bestRatios: LRUCache<string, number>;
  /** Original size/ETag of listed objects, keyed by backend key + backend ETag and size (so never stale). */
  readonly listedSummaries: LRUCache<string, ListedSummary>;
  /** Deferred encoding: told of each pending object this process writes. */
  pending: PendingSink;
}

/** Validates the options and builds the shared state of one engine. */
export function createEngineContext(options: EngineOptions): EngineContext {
  const resolved = resolveEngineOptions(options);
  const temp = new TempDir(resolved.tempDir);
  // The indexes write through the plain store: their own object is no user delta.
  const locks = new KeyedRwLock();
  const listingIndexes = new ListingIndexes(resolved.store, temp, (bucket, space, fn) => locks.shared(spaceLock(bucket, space), fn));
  return {
    options: resolved,
    store: indexingStore(resolved.store, listingIndexes),
    temp,
    listingIndexes,
    references: new ReferenceCache(resolved.referenceCacheBytes),
    reconstructions: new ReferenceCache(resolved.reconstructionCacheBytes),
    codecSlots: new Semaphore(resolved.codecConcurrency),
    locks,
    bestRatios: new LRUCache<string, number>({ max: BEST_RATIO_ENTRIES }),
    listedSummaries: new LRUCache<string, ListedSummary>({ max: LISTED_SUMMARY_ENTRIES }),
    pending: NO_PENDING_SINK,
  };
}

/** Runs a codec call in one of the codec slots (bounded CPU), reporting the queue length. */
export async function withCodec<T>(ctx: EngineContext, fn: () => Promise<T>): Promise<T> {
  const release = await ctx.codecSlots.acquire();
  ctx.options.observer.onCodecQueue?.(ctx.codecSlots.waiting);
  try {
    return await fn();
  } finally {
    release();
    ctx.options.observer.onCodecQueue?.(ctx.codecSlots.waiting);
  }
}

/**
 * Lock name for switching a key's variant: "write the new variant, delete the other"
 * must not interleave with another writer of the same key, or two overwrites (one
 * delta, one passthrough) could each delete the other's variant and lose the key.
 */
export function keyLock(bucket: string, key: string): string {
  return `key\0${bucket}\0${key}`;
}

/**
 * Lock name of a deltaspace: writers of deltas hold it shared, creators of a baseline and
 * the reference collection hold it exclusive.
 */
export function spaceLock(bucket: string, space: string): string {
  return `${bucket}\0${space}`;
}

/** Lock name of a version group (compact/2): as spaceLock, for the group's baselines. */
export function groupLock(bucket: string, group: VersionGroup): string {
  return `${bucket}\0group\0${groupBaselinePrefix(group)}`;
}

/** Cache id of a baseline in `references`. */
export function referenceId(bucket: string, refKey: string): string {
  return `${bucket}\0${refKey}`;
}
