/**
 * ListObjects in user-key order over a backend that holds `k` or `k.delta`.
 *
 * Backend order is not user order: `a.delta` sorts after `a.b`, yet user key `a`
 * sorts before `a.b`. A user key k is stored at k or k + ".delta", so once the
 * backend listing has passed bound(k) = max(k, u + ".delta" for every prefix u of k),
 * no user key <= k can still appear. We read backend pages until that holds for
 * the last key we return, then cut the page there: no key twice, none missing.
 */
import { eligibilityOf } from './put-eligibility.js';
import { mapLimit } from '../concurrency.js';
import { compareKeys, DELTA_SUFFIX, deltaspaceOf, userKeyOf } from '../format/keys.js';
import { isListingIndexKey } from '../format/listing-index.js';
import { listAll } from '../store/list-all.js';
import type { ListedObject } from '../store/object-store.js';
import type { EngineContext } from './context.js';
import { DEFAULT_LIST_HEAD_CONCURRENCY } from './options.js';
import type { ListObjectsInput, ListObjectsResult, ObjectSummary } from './types.js';
import { InvalidArgumentError } from '../errors.js';
import { indexEntryOf } from './indexing-store.js';
import { describeListed } from './resolve.js';

/** Backend page size when looking for any user object under a prefix: the first page usually answers. */
const PROBE_PAGE_SIZE = 100;

/** Prefixes of a page's last key looked up one by one before the listing rather reads on. */
const MAX_BOUND_PROBES = 16;

/** S3's largest page. */
const MAX_BACKEND_PAGE = 1000;

/** Backend page size: a little more than asked for, so small pages stay cheap. */
function backendPageSize(maxKeys: number): number {
  return Math.min(MAX_BACKEND_PAGE, Math.max(maxKeys, 0) + 32);
}

interface Item {
  /** User key, or common prefix. */
  key: string;
  prefix: boolean;
  backend?: ListedObject;
}


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
  /** ETag of each deltaspace's listing index the backend listing showed. */
  const indexEtags = new Map<string, string>();
  const probed = new Set<string>();
  let pageSize = backendPageSize(maxKeys);
  let rounds = 0;

  const sorted = (): Item[] => [...items.values()].sort((a, b) => compareKeys(a.key, b.key));

  for (;;) {
    const page = await ctx.store.listObjects(bucket, { prefix, delimiter: backendDelimiter, startAfter: backendAfter || undefined, maxKeys: pageSize });
    for (const o of page.objects) {
      if (compareKeys(o.key, position) > 0) position = o.key;
      if (isListingIndexKey(o.key)) indexEtags.set(deltaspaceOf(o.key), o.etag);
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
      if (isPrefix) {
        if (!items.has(key)) items.set(key, { key, prefix: true });
      } else addObject(items, key, o);
    }
    for (const cp of page.commonPrefixes) {
      if (compareKeys(cp, position) > 0) position = cp;
      if (compareKeys(cp, startAfter) <= 0) continue;
      // A directory holding only a reference is invisible; checked below when emitted.
      if (!items.has(cp)) items.set(cp, { key: cp, prefix: true });
    }
    backendDone = !page.isTruncated;
    backendAfter = page.nextStartAfter ?? position;
    // Ask for what is still missing, not a full page again: the next user page starts at the
    // cut and reads the surplus once more. Doubled each further round (hidden keys, a far bound).
    pageSize = Math.min(MAX_BACKEND_PAGE, Math.max(backendPageSize(maxKeys + 1 - items.size), rounds++ > 0 ? pageSize * 2 : 0));
    if (backendDone) break;
    if (items.size > maxKeys) {
      const cut = sorted()[maxKeys - 1] as Item;
      if (compareKeys(position, backendBound(cut.key)) > 0) break;
      // Without a delimiter the bound can lie far ahead (`1.delta` after every `1.34.0/...`
      // folder): ask for the few `u.delta` that could still come instead of reading there.
      if (!delimiter && (await probeBound(ctx, bucket, prefix, startAfter, position, items, probed, maxKeys))) break;
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
    (item) => summarize(ctx, bucket, item, indexEtags),
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

/** Adds a listed object under its user key; of both variants (an overwrite switching variant), the newer wins. */
function addObject(items: Map<string, Item>, key: string, o: ListedObject): void {
  const existing = items.get(key);
  if (!existing || (existing.backend && o.lastModified.getTime() > existing.backend.lastModified.getTime())) {
    items.set(key, { key, prefix: false, backend: o });
  }
}

/**
 * Only a proper prefix u of a user key k can sort before k while its `u.delta` sorts
 * after k's variants (any other key smaller than k differs from it at a smaller byte, and
 * so does its `.delta`). So once every such `u.delta` past `position` is looked up, the
 * page up to the cut is complete. Looks them up (one short backend listing each, at once,
 * never twice) until the cut stops moving; true when the page may be cut.
 */
async function probeBound(ctx: EngineContext, bucket: string, prefix: string, startAfter: string, position: string, items: Map<string, Item>, probed: Set<string>, maxKeys: number): Promise<boolean> {
  for (;;) {
    const cut = [...items.values()].sort((a, b) => compareKeys(a.key, b.key))[maxKeys - 1] as Item;
    const candidates: string[] = [];
    for (let i = Math.max(prefix.length, 1); i <= cut.key.length; i++) {
      const u = cut.key.slice(0, i);
      const backendKey = u + DELTA_SUFFIX;
      if (probed.has(backendKey) || compareKeys(backendKey, position) <= 0 || compareKeys(u, startAfter) <= 0) continue;
      if (userKeyOf(backendKey) !== u) continue;
      candidates.push(backendKey);
    }
    if (candidates.length > MAX_BOUND_PROBES) return false; // reading on is cheaper
    if (candidates.length === 0) return true;
    for (const backendKey of candidates) probed.add(backendKey);
    const found = await Promise.all(candidates.map(async (backendKey) => (await ctx.store.listObjects(bucket, { prefix: backendKey, maxKeys: 1 })).objects[0]));
    for (const [i, o] of found.entries()) {
      const backendKey = candidates[i] as string;
      if (o?.key === backendKey) addObject(items, backendKey.slice(0, -DELTA_SUFFIX.length), o);
    }
  }
}

async function prefixHasUserObjects(ctx: EngineContext, bucket: string, prefix: string): Promise<boolean> {
  for await (const o of listAll(ctx.store, bucket, prefix, { pageSize: PROBE_PAGE_SIZE })) {
    if (userKeyOf(o.key) !== undefined) return true;
  }
  return false;
}

/** Could deferred encoding have left this passthrough object pending? (Same size and ETag either way.) */
function mayBePending(ctx: EngineContext, bucket: string, key: string, size: number): boolean {
  return ctx.options.encode(bucket, key) === 'deferred' && eligibilityOf(ctx.options, bucket, key, size).eligible;
}

async function summarize(ctx: EngineContext, bucket: string, item: Item, indexEtags: Map<string, string>): Promise<ObjectSummary | undefined> {
  const o = item.backend as ListedObject;
  const isDelta = o.key !== item.key;
  // A passthrough object uploaded in one piece has its MD5 as backend ETag: no HEAD needed,
  // unless deferred encoding may not have run on it yet (pending: the UI says so).
  if (!isDelta && /^[0-9a-f]{32}$/.test(o.etag) && !mayBePending(ctx, bucket, item.key, o.size)) {
    return { key: item.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageType: 'passthrough', storedSize: o.size };
  }
  const cacheKey = `${bucket}\0${o.key}\0${o.etag}\0${o.size}`;
  let cached = ctx.listedSummaries.get(cacheKey);
  if (!cached && isDelta) {
    const entry = await ctx.listingIndexes.entryFor(bucket, o, indexEtags.get(deltaspaceOf(o.key)));
    if (entry) cached = { size: entry.size, etag: entry.etag, storageType: entry.storageType };
  }
  if (!cached) {
    const resolved = await describeListed(ctx.store, bucket, item.key, o.key);
    if (!resolved) return undefined; // deleted since the listing
    cached = { size: resolved.info.size, etag: resolved.info.etag, storageType: resolved.info.storageType, pending: resolved.info.pending };
    // Not a pending one: the compactor may clear its marker without changing its ETag.
    if (!cached.pending) ctx.listedSummaries.set(cacheKey, cached);
    // What the HEAD learned goes to the index, for the next listing of any instance.
    const learned = isDelta ? indexEntryOf(o.key, resolved.stored.etag, resolved.stored.size, resolved.stored.metadata) : undefined;
    if (learned) ctx.listingIndexes.record(bucket, o.key, learned);
  }
  return { key: item.key, ...cached, lastModified: o.lastModified, storedSize: o.size };
}
