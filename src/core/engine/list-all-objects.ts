/**
 * Every user object under a prefix, page after page: the one loop over the engine's
 * ListObjects for callers that need the whole listing (stats, report, UI).
 */
import type { ListObjectsInput, ListObjectsResult, ObjectSummary } from './types.js';

/** User objects per ListObjects page (S3's maximum). */
const USER_PAGE_SIZE = 1000;

/** What listAllObjects needs of the engine. */
export interface ObjectLister {
  listObjects(input: ListObjectsInput): Promise<ListObjectsResult>;
}

/**
 * Yields every user object under `prefix` in user-key order, with original sizes.
 * Breaking out of the loop stops the listing.
 *
 * @example
 * for await (const o of listAllObjects(engine, 'builds', 'releases/')) original += o.size;
 */
export async function* listAllObjects(engine: ObjectLister, bucket: string, prefix = ''): AsyncGenerator<ObjectSummary> {
  let token: string | undefined;
  do {
    const page = await engine.listObjects({ bucket, prefix, continuationToken: token, maxKeys: USER_PAGE_SIZE });
    yield* page.objects;
    token = page.isTruncated ? page.nextContinuationToken : undefined;
  } while (token);
}
