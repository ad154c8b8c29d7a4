/**
 * ListObjects in user-key order over a backend that holds `k` or `k.delta`.
 *
 * Backend order is not user order: `a.delta` sorts after `a.b`, yet user key `a`
 * sorts before `a.b`. A user key k is stored at k or k + ".delta", so once the
 * backend listing has passed bound(k) = max(k, u + ".delta" for every prefix u of k),
 * no user key <= k can still appear. We read backend pages until that holds for
 * the last key we return, then cut the page there: no key twice, none missing.
 */
import { LRUCache } from 'lru-cache';
import { mapLimit } from '../concurrency.js';
import { compareKeys, DELTA_SUFFIX, userKeyOf } from '../format/keys.js';
import { listAll } from '../store/list-all.js';
import type { ListedObject } from '../store/object-store.js';
import type { EngineContext } from './context.js';
import { DEFAULT_LIST_HEAD_CONCURRENCY } from './options.js';
import type { ListObjectsInput, ListObjectsResult, ObjectSummary, StorageType } from './types.js';
import { InvalidArgumentError } from '../errors.js';
import { describeListed } from './resolve.js';

/** Backend page size when looking for any user object under a prefix: the first page usually answers. */
const PROBE_PAGE_SIZE = 100;

/** Backend page size: a little more than asked for, so small pages stay cheap. */
function backendPageSize(maxKeys: number): number {
  return Math.min(1000, maxKeys + 32);
}

interface Item {
  /** User key, or common prefix. */
  key: string;
  prefix: boolean;
  backend?: ListedObject;
}

interface CachedSummary {
  size: number;
  etag: string;
  storageType: StorageType;
}

/** Original size/ETag of listed objects, keyed by backend key + backend ETag (so never stale). */
const summaries = new LRUCache<string, CachedSummary>({ max: 100_000 });

/** Everything a user key k's backend variants can sort up to. */
export function backendBound(key: string): string {
  let bound = key;
  for (let i = 1; i <= key.length; i++) {
    const candidate = key.slice(0, i) + DELTA_SUFFIX;
    if (compareKeys(candidate, bound) > 0) bound = candidate;
  }
  return bound;
}

export function encodeToken(startAfter: string): string {
  return Buffer.from(JSON.stringify({ v: 1, s: startAfter }), 'utf8').toString('base64url');
}

export function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: number; s?: unknown };
    if (parsed.v === 1 && typeof parsed.s === 'string') return parsed.s;
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('The continuation token provided is incorrect');
}

export async function listUserObjects(ctx: EngineContext, input: ListObjectsInput): Promise<ListObjectsResult> {
  const { bucket } = input;
  const prefix = input.prefix ?? '';
  const delimiter = input.delimiter || undefined;
  const maxKeys = Math.min(Math.max(input.maxKeys ?? 1000, 0), 1000);
  const startAfter = input.continuationToken !== undefined ? decodeToken(input.continuationToken) : (input.startAfter ?? '');
  if (maxKeys === 0) {
    if (!(await ctx.store.headBucket(bucket))) await ctx.store.listObjects(bucket, { maxKeys: 1 });
    return { objects: [], commonPrefixes: [], isTruncated: false };
  }
  // With "/" the backend can roll up common prefixes itself (".delta" has no "/").
  const backendDelimiter = delimiter === '/' ? '/' : undefined;
  const items = new Map<string, Item>();
  let backendAfter = startAfter > prefix ? startAfter : '';
  let backendDone = false;
  let position = ''; // largest backend key (or prefix) seen so far

  const sorted = (): Item[] => [...items.values()].sort((a, b) => compareKeys(a.key, b.key));

  for (;;) {
    const page = await ctx.store.listObjects(bucket, { prefix, delimiter: backendDelimiter, startAfter: backendAfter || undefined, maxKeys: backendPageSize(maxKeys) });
    for (const o of page.objects) {
      if (compareKeys(o.key, position) > 0) position = o.key;
      const userKey = userKeyOf(o.key);
      if (userKey === undefined || !userKey.startsWith(prefix)) continue;
      if (compareKeys(userKey, startAfter) <= 0) continue;
      let key = userKey;
      let isPrefix = false;
      if (delimiter) {
        const idx = userKey.indexOf(delimiter, prefix.length);
        if (idx >= 0) {
          key = userKey.slice(0, idx + delimiter.length);
          isPrefix = true;
          if (compareKeys(key, startAfter) <= 0) continue;
        }
      }
      const existing = items.get(key);
      if (isPrefix) {
        if (!existing) items.set(key, { key, prefix: true });
      } else if (!existing || (existing.backend && o.lastModified.getTime() > existing.backend.lastModified.getTime())) {
        // Both variants during an overwrite: the newer wins.
        items.set(key, { key, prefix: false, backend: o });
      }
    }
    for (const cp of page.commonPrefixes) {
      if (compareKeys(cp, position) > 0) position = cp;
      if (compareKeys(cp, startAfter) <= 0) continue;
      // A directory holding only a reference is invisible; checked below when emitted.
      if (!items.has(cp)) items.set(cp, { key: cp, prefix: true });
    }
    backendDone = !page.isTruncated;
    backendAfter = page.nextStartAfter ?? position;
    if (backendDone) break;
    if (items.size > maxKeys) {
      const cut = sorted()[maxKeys - 1] as Item;
      if (compareKeys(position, backendBound(cut.key)) > 0) break;
    }
  }

  let list = sorted();
  // Common prefixes from the backend may hold nothing but a reference.bin: drop those.
  if (backendDelimiter) {
    const kept: Item[] = [];
    for (const item of list) {
      if (kept.length > maxKeys) break;
      if (item.prefix && !(await prefixHasUserObjects(ctx, bucket, item.key))) continue;
      kept.push(item);
    }
    list = kept;
  }
  const isTruncated = list.length > maxKeys || (!backendDone && list.length > 0);
  const page = list.slice(0, maxKeys);
  const objects = await mapLimit(
    page.filter((i) => !i.prefix),
    DEFAULT_LIST_HEAD_CONCURRENCY,
    (item) => summarize(ctx, bucket, item),
  );
  const last = page[page.length - 1]?.key;
  return {
    objects: objects.filter((o): o is ObjectSummary => o !== undefined),
    commonPrefixes: page.filter((i) => i.prefix).map((i) => i.key),
    isTruncated: isTruncated && last !== undefined,
    nextContinuationToken: isTruncated && last !== undefined ? encodeToken(last) : undefined,
    nextMarker: isTruncated ? last : undefined,
  };
}

async function prefixHasUserObjects(ctx: EngineContext, bucket: string, prefix: string): Promise<boolean> {
  for await (const o of listAll(ctx.store, bucket, prefix, { pageSize: PROBE_PAGE_SIZE })) {
    if (userKeyOf(o.key) !== undefined) return true;
  }
  return false;
}

async function summarize(ctx: EngineContext, bucket: string, item: Item): Promise<ObjectSummary | undefined> {
  const o = item.backend as ListedObject;
  const isDelta = o.key !== item.key;
  // A passthrough object uploaded in one piece has its MD5 as backend ETag: no HEAD needed.
  if (!isDelta && /^[0-9a-f]{32}$/.test(o.etag)) {
    return { key: item.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageType: 'passthrough', storedSize: o.size };
  }
  const cacheKey = `${bucket}\0${o.key}\0${o.etag}\0${o.size}`;
  let cached = summaries.get(cacheKey);
  if (!cached) {
    const resolved = await describeListed(ctx.store, bucket, item.key, o.key);
    if (!resolved) return undefined; // deleted since the listing
    cached = { size: resolved.info.size, etag: resolved.info.etag, storageType: resolved.info.storageType };
    summaries.set(cacheKey, cached);
  }
  return { key: item.key, ...cached, lastModified: o.lastModified, storedSize: o.size };
}
