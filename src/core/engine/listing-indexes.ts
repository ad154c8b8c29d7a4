/**
 * The listing indexes of one engine: read once per deltaspace (cached by the index
 * object's ETag, bounded), kept current from this engine's own writes and from what
 * listings had to learn by HEAD, written back in batches. An index is derived data whose
 * entries validate themselves against the listing (backend ETag and size), so a lost,
 * stale, raced or corrupt index costs HEADs, never a wrong answer; hence every failure
 * here is swallowed and writes are last-writer-wins.
 */
import { writeFile } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { NoSuchKeyError } from '../errors.js';
import { deltaspaceOf, fileNameOf } from '../format/keys.js';
import { TOOL_ID } from '../format/metadata.js';
import {
  listingIndexKeyOf,
  parseListingIndex,
  serializeListingIndex,
  type ListingIndexEntries,
  type ListingIndexEntry,
} from '../format/listing-index.js';
import { removeQuietly, type TempDir } from '../spool.js';
import type { ObjectStore } from '../store/object-store.js';

/** Entries one deltaspace's index holds at most; past it, new objects are listed by HEAD. */
export const MAX_LISTING_INDEX_ENTRIES = 100_000;
/** Index entries all cached indexes hold together (about 200 bytes each). */
const CACHED_INDEX_ENTRIES = 250_000;
/** Largest index body read (100,000 entries take about 15 MB). */
const MAX_LISTING_INDEX_BYTES = 32 * 1024 * 1024;
/**
 * How long a cached index is used without a look at the backend when the listing did not
 * show the index object (a page past it, a prefix inside the deltaspace). Another writer's
 * entries can be missed that long: they cost HEADs, not correctness.
 */
const UNSEEN_INDEX_RECHECK_MS = 5_000;
/** Writes to the same deltaspace within this delay go to the backend as one index write. */
const FLUSH_DELAY_MS = 100;

interface CachedIndex {
  /** Backend ETag of the index object; undefined when there is none (or it is unreadable). */
  etag: string | undefined;
  entries: ListingIndexEntries;
  loadedAt: number;
}

/** Runs `fn` holding a deltaspace's lock shared. */
export type SpaceLocker = (bucket: string, space: string, fn: () => Promise<void>) => Promise<void>;

/** An update waiting to be written: an entry, or undefined to remove it. */
type Updates = Map<string, ListingIndexEntry | undefined>;

/** The listing indexes seen and written by one engine. */
export class ListingIndexes {
  readonly #store: ObjectStore;
  readonly #temp: TempDir;
  readonly #underSpaceLock: SpaceLocker;
  readonly #cache = new LRUCache<string, CachedIndex>({ maxSize: CACHED_INDEX_ENTRIES, sizeCalculation: (c) => c.entries.size + 1 });
  readonly #loading = new Map<string, Promise<CachedIndex>>();
  readonly #updates = new Map<string, { bucket: string; space: string; updates: Updates }>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  /**
   * `underSpaceLock` runs an index write holding its deltaspace shared, so that reference
   * collection (exclusive) never sees an index half-way through a write it then undoes.
   */
  constructor(store: ObjectStore, temp: TempDir, underSpaceLock: SpaceLocker) {
    this.#store = store;
    this.#temp = temp;
    this.#underSpaceLock = underSpaceLock;
  }

  /**
   * The entries of a deltaspace's index. `listedEtag`: the index object's ETag when the
   * listing showed it (a cached copy of another ETag is read again).
   */
  async entries(bucket: string, space: string, listedEtag?: string): Promise<ListingIndexEntries> {
    const id = spaceId(bucket, space);
    const cached = this.#cache.get(id);
    if (cached && (listedEtag !== undefined ? cached.etag === listedEtag : Date.now() - cached.loadedAt < UNSEEN_INDEX_RECHECK_MS)) return cached.entries;
    let loading = this.#loading.get(id);
    if (!loading) {
      loading = this.#load(bucket, space).finally(() => this.#loading.delete(id));
      this.#loading.set(id, loading);
    }
    return (await loading).entries;
  }

  /**
   * The entry for a listed `.delta` object, only when it describes the very bytes listed
   * (same backend ETag and size): a stale entry costs a HEAD, never a wrong answer.
   */
  async entryFor(bucket: string, listed: { key: string; etag: string; size: number }, listedIndexEtag?: string): Promise<ListingIndexEntry | undefined> {
    const entry = (await this.entries(bucket, deltaspaceOf(listed.key), listedIndexEtag)).get(fileNameOf(listed.key));
    return entry && entry.backendEtag === listed.etag && entry.backendSize === listed.size ? entry : undefined;
  }

  /** Records what the listing should show for a `.delta` object (written later, in a batch). */
  record(bucket: string, backendKey: string, entry: ListingIndexEntry): void {
    this.#queue(bucket, backendKey, entry);
  }

  /** Forgets a `.delta` object (deleted). */
  forget(bucket: string, backendKey: string): void {
    this.#queue(bucket, backendKey, undefined);
  }

  /** Writes every queued update now (shutdown, tests). */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = [...this.#updates.values()];
    this.#updates.clear();
    const previous = this.#flushing;
    this.#flushing = previous.then(async () => {
      for (const { bucket, space, updates } of batch) await this.#underSpaceLock(bucket, space, () => this.#write(bucket, space, updates)).catch(() => undefined);
    });
    await this.#flushing;
  }

  #queue(bucket: string, backendKey: string, entry: ListingIndexEntry | undefined): void {
    const space = deltaspaceOf(backendKey);
    const id = spaceId(bucket, space);
    let pending = this.#updates.get(id);
    if (!pending) {
      pending = { bucket, space, updates: new Map() };
      this.#updates.set(id, pending);
    }
    pending.updates.set(fileNameOf(backendKey), entry);
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
      this.#timer.unref();
    }
  }

  /** The index as the backend holds it now, cached; an unreadable one reads as empty (HEADs answer). */
  async #load(bucket: string, space: string): Promise<CachedIndex> {
    const loaded = await this.#read(bucket, space).catch((): CachedIndex => ({ etag: undefined, entries: new Map(), loadedAt: Date.now() }));
    this.#cache.set(spaceId(bucket, space), loaded);
    return loaded;
  }

  /** Throws on anything but a real "no index" (a writer must not replace an index it could not read). */
  async #read(bucket: string, space: string): Promise<CachedIndex> {
    const loadedAt = Date.now();
    let got;
    try {
      got = await this.#store.getObject(bucket, listingIndexKeyOf(space));
    } catch (err) {
      if (err instanceof NoSuchKeyError) return { etag: undefined, entries: new Map(), loadedAt };
      throw err;
    }
    if (got.info.size > MAX_LISTING_INDEX_BYTES) {
      got.body.destroy();
      return { etag: got.info.etag, entries: new Map(), loadedAt };
    }
    const chunks: Buffer[] = [];
    for await (const chunk of got.body) chunks.push(chunk as Buffer);
    // Garbage, another format or a future version: no entries (and a writer starts afresh).
    return { etag: got.info.etag, entries: parseListingIndex(Buffer.concat(chunks).toString('utf8')) ?? new Map(), loadedAt };
  }

  /** Read, merge, write (or delete when nothing is left): last writer wins, entries self-validate. */
  async #write(bucket: string, space: string, updates: Updates): Promise<void> {
    const current = await this.#read(bucket, space);
    const entries = new Map(current.entries);
    for (const [name, entry] of updates) {
      if (entry === undefined) entries.delete(name);
      else if (entries.has(name) || entries.size < MAX_LISTING_INDEX_ENTRIES) entries.set(name, entry);
    }
    if (sameEntries(entries, current.entries)) return;
    const key = listingIndexKeyOf(space);
    const id = spaceId(bucket, space);
    if (entries.size === 0) {
      await this.#store.deleteObject(bucket, key);
      this.#cache.set(id, { etag: undefined, entries, loadedAt: Date.now() });
      return;
    }
    const body = Buffer.from(serializeListingIndex(entries), 'utf8');
    const path = this.#temp.file('listing-index');
    try {
      await writeFile(path, body);
      const { etag } = await this.#store.putObject(bucket, key, { path, size: body.length }, {
        metadata: { 'dg-tool': TOOL_ID, 'dg-note': 'listing-index' },
        contentType: 'application/json',
      });
      this.#cache.set(id, { etag, entries, loadedAt: Date.now() });
    } finally {
      await removeQuietly(path);
    }
  }
}

function spaceId(bucket: string, space: string): string {
  return `${bucket}\0${space}`;
}

function sameEntries(a: ListingIndexEntries, b: ListingIndexEntries): boolean {
  if (a.size !== b.size) return false;
  for (const [name, e] of a) {
    const o = b.get(name);
    if (!o || o.backendEtag !== e.backendEtag || o.backendSize !== e.backendSize || o.size !== e.size || o.etag !== e.etag || o.storageType !== e.storageType) return false;
  }
  return true;
}
