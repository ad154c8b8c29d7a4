/**
 * Every backend object under a prefix, page after page: the one loop over
 * `ObjectStore.listObjects` for callers that need the whole listing (or stop early).
 */
import type { ListedObject, ObjectStore } from './object-store.js';

/** Backend page size when the caller expects to read everything. */
export const LIST_ALL_PAGE_SIZE = 1000;

/** Options of listAll. */
export interface ListAllOptions {
  /** With `/`, only the objects directly under the prefix (common prefixes are skipped). */
  delimiter?: string;
  /** Keys per backend request; smaller for callers that usually stop at the first page. Default LIST_ALL_PAGE_SIZE. */
  pageSize?: number;
}

/**
 * Yields every backend object under `prefix` in backend order. Breaking out of the loop
 * stops the listing: no further page is requested.
 *
 * @example
 * for await (const o of listAll(store, 'builds', 'releases/')) total += o.size;
 */
export async function* listAll(store: ObjectStore, bucket: string, prefix = '', options: ListAllOptions = {}): AsyncGenerator<ListedObject> {
  const maxKeys = options.pageSize ?? LIST_ALL_PAGE_SIZE;
  let after: string | undefined;
  for (;;) {
    const page = await store.listObjects(bucket, { prefix, delimiter: options.delimiter, startAfter: after, maxKeys });
    yield* page.objects;
    if (!page.isTruncated) return;
    after = page.nextStartAfter;
  }
}
