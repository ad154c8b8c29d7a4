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
import { TempDir } from '../spool.js';
import type { ObjectStore } from '../store/object-store.js';
import { resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js';

/** Baselines whose best delta ratio is remembered for rotation's drift check. */
const BEST_RATIO_ENTRIES = 10_000;

/** The state one engine's modules share. */
export interface EngineContext {
  readonly options: ResolvedEngineOptions;
  readonly store: ObjectStore;
  readonly temp: TempDir;
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
}

/** Validates the options and builds the shared state of one engine. */
export function createEngineContext(options: EngineOptions): EngineContext {
  const resolved = resolveEngineOptions(options);
  return {
    options: resolved,
    store: resolved.store,
    temp: new TempDir(resolved.tempDir),
    references: new ReferenceCache(resolved.referenceCacheBytes),
    reconstructions: new ReferenceCache(resolved.reconstructionCacheBytes),
    codecSlots: new Semaphore(resolved.codecConcurrency),
    locks: new KeyedRwLock(),
    bestRatios: new LRUCache<string, number>({ max: BEST_RATIO_ENTRIES }),
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

/** Cache id of a baseline in `references`. */
export function referenceId(bucket: string, refKey: string): string {
  return `${bucket}\0${refKey}`;
}
