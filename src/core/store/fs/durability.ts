/**
 * Durability of the tree: a staged file is flushed once, complete, before it is published;
 * the directory that received it (and any directory created for it, up to the bucket) is
 * flushed after, all before the write resolves. A delete flushes the directory it removed
 * from before it resolves, so when the engine deletes a delta and then collects its
 * reference, a crash can never keep the delta and lose the reference.
 * See docs/OPERATIONS.md "Durability".
 */
import { dirname } from 'node:path';
import { LRUCache } from 'lru-cache';
import { syncDirectory, type FsyncMode } from '../../fsync.js';
import type { ObjectPath } from './object-path.js';

/** Directories whose own entry is known flushed (saves re-flushing the parents of busy directories). */
const DURABLE_DIR_CACHE_ENTRIES = 4096;

/**
 * Flushes a directory a concurrent delete may have pruned meanwhile. A pruned directory was
 * empty: whatever this request wrote there was deleted by a later request, whose own flush
 * made that durable, so there is nothing left to flush.
 */
export async function syncPrunable(dir: string): Promise<void> {
  try {
    await syncDirectory(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** The directory flushes that make a publish or a removal durable, per the fsync mode. */
export class DirectoryDurability {
  readonly #fsync: FsyncMode;
  /**
   * Directories this process made durable in their parent. A directory is dropped when
   * this process prunes it; one pruned and re-made by another process meanwhile is
   * re-flushed by that process's own write before it answers.
   */
  readonly #durableDirs = new LRUCache<string, true>({ max: DURABLE_DIR_CACHE_ENTRIES });

  constructor(fsync: FsyncMode) {
    this.#fsync = fsync;
  }

  /**
   * Flushes the directory that received the object, then each directory up to the bucket
   * whose own entry is not known durable (those made for this object first among them):
   * a flushed file in a directory whose entry was lost is lost too.
   */
  async syncPublished(target: ObjectPath, created: string | undefined): Promise<void> {
    if (this.#fsync !== 'always') return;
    // Directories made for this object (from `created` down to target.dir) are new, whatever
    // an earlier incarnation of the same path left in the cache.
    if (created !== undefined) for (let d = target.dir; d.length >= created.length; d = dirname(d)) this.#durableDirs.delete(d);
    await syncPrunable(target.dir);
    for (let d = target.dir; d.length > target.bucketDir.length && !this.#durableDirs.has(d); d = dirname(d)) {
      await syncPrunable(dirname(d));
      this.#durableDirs.set(d, true);
    }
  }

  /** Flushes the directories files were removed from (a lost unlink brings the file back). */
  async syncRemoved(targets: ObjectPath[]): Promise<void> {
    if (this.#fsync !== 'always') return;
    for (const d of new Set(targets.map((t) => t.dir))) await syncPrunable(d);
  }

  /** Forgets a directory this process removed: made again, it must be flushed again. */
  forget(dir: string): void {
    this.#durableDirs.delete(dir);
  }
}
