/**
 * Reference collection: a deltaspace's baselines go once nothing needs them (FORMAT.md:
 * the compatible `reference.bin` goes with the last object), and its listing index with
 * them.
 */
import { mapLimit } from '../concurrency.js';
import { isDeltaKey, isReferenceKey, userKeyOf } from '../format/keys.js';
import { isListingIndexKey } from '../format/listing-index.js';
import { parseMetadata } from '../format/metadata.js';
import { listAll } from '../store/list-all.js';
import { referenceId, spaceLock, type EngineContext } from './context.js';
import { DEFAULT_LIST_HEAD_CONCURRENCY } from './options.js';
import { listBaselines } from './references.js';

/** Backend page size when looking for any user object: the first page usually answers. */
const PROBE_PAGE_SIZE = 100;

/**
 * Deletes a deltaspace's baselines once nothing needs them (exclusive with writers, so
 * no delta against them is being written in this process): all of them when it holds no
 * user object; otherwise the older compact generations no delta names any more (new
 * deltas only ever use the newest, so an old generation can only lose users).
 */
export async function collectReferences(ctx: EngineContext, bucket: string, space: string): Promise<void> {
  // The deletes' index updates first (an index whose entries all went is deleted), so that
  // none lands after the collection and leaves an index in an empty deltaspace.
  await ctx.listingIndexes.flush();
  await ctx.locks.exclusive(spaceLock(bucket, space), async () => {
    const prefix = space === '' ? '' : `${space}/`;
    const drop = async (refKey: string): Promise<void> => {
      await ctx.store.deleteObject(bucket, refKey);
      ctx.references.invalidate(referenceId(bucket, refKey));
    };
    const compact = (await listBaselines(ctx, bucket, space)).filter((b) => b.generation > 0);
    if (compact.length < 2) {
      for (const refKey of await referencesIfUnused(ctx, bucket, prefix)) await drop(refKey);
      return;
    }
    const deltas: string[] = [];
    let users = 0;
    const references: string[] = [];
    for await (const o of listAll(ctx.store, bucket, prefix, { delimiter: '/' })) {
      if (isReferenceKey(o.key) || isListingIndexKey(o.key)) references.push(o.key);
      else if (userKeyOf(o.key) !== undefined) {
        users++;
        if (isDeltaKey(o.key)) deltas.push(o.key);
      }
    }
    if (users === 0) {
      for (const refKey of references) await drop(refKey);
      return;
    }
    const stale = new Set(compact.slice(0, -1).map((b) => b.key));
    await mapLimit(deltas, DEFAULT_LIST_HEAD_CONCURRENCY, async (deltaKey) => {
      if (stale.size === 0) return;
      const stored = await ctx.store.headObject(bucket, deltaKey);
      const refKey = stored && parseMetadata(stored.metadata).refKey;
      if (refKey) stale.delete(refKey);
    });
    for (const refKey of stale) if (!isListingIndexKey(refKey)) await drop(refKey);
  });
}

/** The baselines (and listing index) directly under `prefix`, or none when a user object is there too. */
async function referencesIfUnused(ctx: EngineContext, bucket: string, prefix: string): Promise<string[]> {
  const references: string[] = [];
  for await (const o of listAll(ctx.store, bucket, prefix, { delimiter: '/', pageSize: PROBE_PAGE_SIZE })) {
    if (isReferenceKey(o.key) || isListingIndexKey(o.key)) references.push(o.key);
    else if (userKeyOf(o.key) !== undefined) return [];
  }
  return references;
}
