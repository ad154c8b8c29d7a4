/**
 * Verified references on local disk, evicted least-recently-used by bytes.
 *
 * Entries are files, not buffers: a 2 GiB reference costs page cache, not heap.
 * An entry in use by a decode is never deleted under it (reference counting);
 * the one entry larger than the whole budget is still kept until something else
 * needs the room, so a big reference is not refetched on every request.
 */
import { rm } from 'node:fs/promises';

/** Default byte budget (DGP_CACHE_MB=100). */
export const DEFAULT_REFERENCE_CACHE_BYTES = 100 * 1024 * 1024;

/** A cached reference file. */
export interface CachedReference {
  path: string;
  size: number;
  sha256: string;
  /** Backend ETag of the reference object it came from. */
  etag: string;
}

interface Entry extends CachedReference {
  users: number;
  evicted: boolean;
}

/** Cache statistics for /metrics. */
export interface CacheStats {
  hits: number;
  misses: number;
  bytes: number;
  entries: number;
}

export class ReferenceCache {
  readonly #budget: number;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<Entry>>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(budgetBytes = DEFAULT_REFERENCE_CACHE_BYTES) {
    this.#budget = budgetBytes;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, bytes: this.#bytes, entries: this.#entries.size };
  }

  /**
   * Returns the cached reference for `id` (loading it once however many callers ask),
   * held until `release` is called.
   * `accept` rejects a stale entry (e.g. an ETag that no longer matches), forcing a reload.
   */
  async acquire(
    id: string,
    load: () => Promise<CachedReference>,
    accept: (entry: CachedReference) => boolean = () => true,
  ): Promise<{ reference: CachedReference; release: () => void }> {
    let entry = this.#entries.get(id);
    if (entry && !accept(entry)) {
      this.#evict(id, entry);
      entry = undefined;
    }
    if (entry) {
      this.hits++;
      // Refresh recency.
      this.#entries.delete(id);
      this.#entries.set(id, entry);
    } else {
      let pending = this.#loading.get(id);
      if (!pending) {
        this.misses++;
        pending = load().then((r) => {
          const e: Entry = { ...r, users: 0, evicted: false };
          this.#entries.set(id, e);
          this.#bytes += e.size;
          return e;
        });
        this.#loading.set(id, pending);
        pending.then(
          () => this.#loading.delete(id),
          () => this.#loading.delete(id),
        );
      } else {
        this.hits++;
      }
      entry = await pending;
    }
    entry.users++;
    const held = entry;
    this.#shrink(id);
    let released = false;
    return {
      reference: held,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        if (held.evicted && held.users === 0) void rm(held.path, { force: true });
        this.#shrink();
      },
    };
  }

  /** Drops an entry (its reference was deleted or found corrupt). */
  invalidate(id: string): void {
    const e = this.#entries.get(id);
    if (e) this.#evict(id, e);
  }

  #evict(id: string, e: Entry): void {
    this.#entries.delete(id);
    this.#bytes -= e.size;
    e.evicted = true;
    if (e.users === 0) void rm(e.path, { force: true });
  }

  #shrink(keep?: string): void {
    for (const [id, e] of this.#entries) {
      if (this.#bytes <= this.#budget || this.#entries.size <= 1) break;
      if (id === keep) continue;
      this.#evict(id, e);
    }
  }

  /** Deletes every file (shutdown). */
  async clear(): Promise<void> {
    for (const [id, e] of [...this.#entries]) this.#evict(id, e);
  }
}
