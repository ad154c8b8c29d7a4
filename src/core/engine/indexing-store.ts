/**
 * The engine's view of its store: the same store, except that every `.delta` object of a
 * user key the engine writes or deletes is told to the listing indexes. One place sees
 * every write path (PUT, copy, multipart, the compactor), so none can forget the index;
 * each entry is recorded only after the backend accepted the object, with the ETag it
 * answered, so a listing can check the entry against what it lists.
 */
import { isDeltaKey, userKeyOf } from '../format/keys.js';
import type { ListingIndexDetails, ListingIndexEntry } from '../format/listing-index.js';
import type { ObjectStore } from '../store/object-store.js';
import type { ListingIndexes } from './listing-indexes.js';
import { describeStored } from './resolve.js';

/** Is a backend key the delta variant of a user key (not a baseline or another internal)? */
export function isUserDeltaKey(backendKey: string): boolean {
  return isDeltaKey(backendKey) && userKeyOf(backendKey) !== undefined;
}

/** What a HEAD of the `.delta` object just written would make a listing show. */
export function indexEntryOf(backendKey: string, backendEtag: string, backendSize: number, metadata: Record<string, string>): ListingIndexEntry | undefined {
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) lower[k.toLowerCase()] = v;
  const { info, meta } = describeStored(userKeyOf(backendKey) as string, { key: backendKey, size: backendSize, etag: backendEtag, lastModified: new Date(0), metadata: lower }, true);
  if (info.storageType === 'passthrough') return undefined;
  const details: ListingIndexDetails = {};
  if (info.profile === 'compact') details.compact = true;
  if (info.referenceKey !== undefined) details.referenceKey = info.referenceKey;
  if (meta.gzip !== undefined) details.gzip = true;
  return { backendEtag, backendSize, size: info.size, etag: info.etag, storageType: info.storageType, details };
}

/** `store`, telling `indexes` of each user `.delta` object put, rewritten or deleted. */
export function indexingStore(store: ObjectStore, indexes: ListingIndexes): ObjectStore {
  const recordPut = (bucket: string, key: string, etag: string, size: number, metadata: Record<string, string>): void => {
    const entry = indexEntryOf(key, etag, size, metadata);
    if (entry) indexes.record(bucket, key, entry);
    else indexes.forget(bucket, key);
  };
  const overrides: Partial<ObjectStore> = {
    async putObject(bucket, key, source, options) {
      const written = await store.putObject(bucket, key, source, options);
      if (isUserDeltaKey(key)) recordPut(bucket, key, written.etag, source.size, options.metadata);
      return written;
    },
    async deleteObject(bucket, key, options) {
      await store.deleteObject(bucket, key, options);
      if (isUserDeltaKey(key)) indexes.forget(bucket, key);
    },
    async deleteObjects(bucket, keys) {
      const result = await store.deleteObjects(bucket, keys);
      for (const key of keys) if (isUserDeltaKey(key)) indexes.forget(bucket, key);
      return result;
    },
  };
  if (store.putStream) {
    const putStream = store.putStream.bind(store);
    overrides.putStream = async (bucket, key, body, size, options) => {
      const written = await putStream(bucket, key, body, size, options);
      if (isUserDeltaKey(key)) recordPut(bucket, key, written.etag, size, written.lateMetadata && options.lateMetadata ? options.lateMetadata() : options.metadata);
      return written;
    };
  }
  if (store.replaceMetadata) {
    const replaceMetadata = store.replaceMetadata.bind(store);
    // A metadata rewrite may keep the backend ETag: the entry must follow the new metadata.
    overrides.replaceMetadata = async (bucket, key, options) => {
      if (isUserDeltaKey(key)) indexes.forget(bucket, key);
      return replaceMetadata(bucket, key, options);
    };
  }
  return new Proxy(store, {
    get(target, prop, receiver) {
      const own = (overrides as Record<string | symbol, unknown>)[prop];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
