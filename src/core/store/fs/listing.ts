/**
 * Listing the tree in S3 key order: a walk that skips whole subtrees that cannot match,
 * over directory entries decoded and sorted once per directory change.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { compareKeys } from '../../format/keys.js';
import type { ListedObject, ListOptions, ListPage } from '../object-store.js';
import { readHeader } from './object-file.js';
import { decodeSegment, OBJ_SUFFIX, SEGMENT_FILE } from './object-path.js';

/** Directories whose sorted entries are kept between pages. */
const DIR_CACHE_ENTRIES = 256;

/** S3's page size when the caller names none. */
const DEFAULT_MAX_KEYS = 1000;

/** One directory entry: the key segment it stands for and its file name. */
interface DirEntry {
  name: string;
  fsName: string;
  dir: boolean;
}

/** Pages and emptiness checks over the object tree of a bucket. */
export class TreeListing {
  readonly #dirCache = new LRUCache<string, { stamp: string; entries: DirEntry[] }>({ max: DIR_CACHE_ENTRIES });

  /** One ListObjects page of the bucket at `bucketDir`. */
  async listPage(bucketDir: string, options: ListOptions): Promise<ListPage> {
    const prefix = options.prefix ?? '';
    const delimiter = options.delimiter || undefined;
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    const startAfter = options.startAfter ?? '';
    const objects: ListedObject[] = [];
    const commonPrefixes: string[] = [];
    const walker = { skipPrefix: undefined as string | undefined };
    let last: string | undefined;
    let truncated = false;
    if (maxKeys === 0) return { objects, commonPrefixes, isTruncated: false };
    for await (const entry of this.#walk(bucketDir, '', prefix, startAfter, walker)) {
      let cp: string | undefined;
      if (delimiter) {
        const idx = entry.key.indexOf(delimiter, prefix.length);
        if (idx >= 0) cp = entry.key.slice(0, idx + delimiter.length);
      }
      if (cp !== undefined && (cp === last || compareKeys(cp, startAfter) <= 0)) continue;
      if (objects.length + commonPrefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (cp !== undefined) {
        commonPrefixes.push(cp);
        last = cp;
        walker.skipPrefix = cp;
        continue;
      }
      const found = await readHeader(entry.file);
      if (!found) continue;
      objects.push({ key: entry.key, size: found.header.size, etag: found.header.etag, lastModified: found.mtime });
      last = entry.key;
    }
    return { objects, commonPrefixes, isTruncated: truncated, nextStartAfter: truncated ? last : undefined };
  }

  /** True when any object file lies below `path`. */
  async hasObjects(path: string): Promise<boolean> {
    const names = await readdir(path).catch(() => [] as string[]);
    for (const n of names) {
      if (n.endsWith(OBJ_SUFFIX)) return true;
      if ((n.startsWith('_') || n.startsWith('~')) && (await this.hasObjects(join(path, n)))) return true;
    }
    return false;
  }

  /**
   * Yields objects in S3 key order, skipping subtrees that cannot match the prefix,
   * that lie wholly at or before startAfter, or that the caller already rolled up
   * into a common prefix (`walker.skipPrefix`).
   */
  async *#walk(path: string, keyPrefix: string, prefix: string, startAfter: string, walker: { skipPrefix?: string }): AsyncGenerator<{ key: string; file: string }> {
    const entries = await this.#sortedEntries(path);
    // Entries are sorted: jump to the first one that can hold keys after startAfter
    // (binary search), so paging through a big directory costs log n per page.
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = entries[mid] as DirEntry;
      const key = e.dir ? keyPrefix + e.name + '/' : keyPrefix + e.name;
      if (compareKeys(key, startAfter) <= 0 && !(e.dir && startAfter.startsWith(key))) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < entries.length; i++) {
      const e = entries[i] as DirEntry;
      const key = e.dir ? keyPrefix + e.name + '/' : keyPrefix + e.name;
      if (!key.startsWith(prefix) && !(e.dir && prefix.startsWith(key))) continue;
      if (walker.skipPrefix !== undefined && key.startsWith(walker.skipPrefix)) continue;
      if (e.dir) {
        if (!startAfter.startsWith(key) && compareKeys(key, startAfter) <= 0) continue;
        yield* this.#walk(join(path, e.fsName), key, prefix, startAfter, walker);
      } else if (compareKeys(key, startAfter) > 0) {
        yield { key, file: join(path, e.fsName) };
      }
    }
  }

  /**
   * Directory entries with their decoded names, in S3 key order (a directory sorts as
   * `name/`). Reused while the directory's change time stands still, so paging through
   * a large directory a few keys at a time does not re-read and re-sort it every page.
   */
  async #sortedEntries(path: string): Promise<DirEntry[]> {
    let st;
    try {
      st = await stat(path, { bigint: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const stamp = `${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
    const hit = this.#dirCache.get(path);
    if (hit && hit.stamp === stamp) return hit.entries;
    const entries = await readSortedEntries(path);
    this.#dirCache.set(path, { stamp, entries });
    return entries;
  }
}

async function readSortedEntries(path: string): Promise<DirEntry[]> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: DirEntry[] = [];
  for (const fsName of names) {
    if (fsName.startsWith('.')) continue;
    const isObj = fsName.endsWith(OBJ_SUFFIX);
    const base = isObj ? fsName.slice(0, -OBJ_SUFFIX.length) : fsName;
    let name = decodeSegment(base);
    if (name === undefined && base.startsWith('~')) {
      if (isObj) {
        const h = await readHeader(join(path, fsName)).catch(() => undefined);
        name = h?.header.key.slice(h.header.key.lastIndexOf('/') + 1);
      } else {
        name = await readFile(join(path, fsName, SEGMENT_FILE), 'utf8').catch(() => undefined);
      }
    }
    if (name === undefined) continue;
    out.push({ name, fsName, dir: !isObj });
  }
  out.sort((a, b) => compareKeys(a.dir ? a.name + '/' : a.name, b.dir ? b.name + '/' : b.name));
  return out;
}
