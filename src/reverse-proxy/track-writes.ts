/**
 * A view of an ObjectStore that reports every completed write (put, delete, bucket
 * create/delete) of this process, so cached summaries such as /_/stats are dropped the
 * moment they stop being true: a client that reads stats right after its upload sees it.
 */
import type { ObjectStore } from '../core/store/object-store.js';

/** The ObjectStore methods that change what a listing returns. */
export const STORE_WRITE_METHODS: ReadonlySet<string> = new Set(['putObject', 'putStream', 'replaceMetadata', 'deleteObject', 'deleteObjects', 'createBucket', 'deleteBucket']);

/**
 * `store`, with `onWrite` run after each write settles (a failed write may have changed
 * something too). A Proxy rather than a wrapper class: every other member, including ones
 * a store adds later, reaches the store unchanged.
 *
 * @example
 * const engine = new DeltaGliderEngine({ store: trackWrites(store, () => stats.invalidate()), codec });
 */
export function trackWrites<S extends ObjectStore>(store: S, onWrite: () => void): S {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof prop !== 'string' || !STORE_WRITE_METHODS.has(prop)) return method.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await method.apply(target, args);
        } finally {
          onWrite();
        }
      };
    },
  });
}
