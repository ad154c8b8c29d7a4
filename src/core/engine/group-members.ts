/**
 * Whether a version group still has objects: the check that lets its baselines go.
 */
import { mapLimit } from '../concurrency.js';
import { deltaKeyOf } from '../format/keys.js';
import type { VersionGroup } from '../format/version-folders.js';
import type { ObjectStore } from '../store/object-store.js';
import { DEFAULT_LIST_HEAD_CONCURRENCY } from './options.js';

/**
 * True when any folder directly under the group's root holds the group's file name (either
 * variant). Every sibling folder counts, version-looking or not: a baseline is kept while
 * anything that might name it exists (never a lost reference), at the cost of keeping it
 * while a same-named object sits in a non-version sibling. One delimited LIST of the root,
 * then two HEADs per folder (bounded concurrency), stopping at the first object found.
 */
export async function groupHasObjects(store: ObjectStore, bucket: string, group: VersionGroup): Promise<boolean> {
  const prefix = group.root === '' ? '' : `${group.root}/`;
  let after: string | undefined;
  for (;;) {
    const page = await store.listObjects(bucket, { prefix, delimiter: '/', startAfter: after, maxKeys: 1000 });
    let found = false;
    await mapLimit(page.commonPrefixes, DEFAULT_LIST_HEAD_CONCURRENCY, async (folder) => {
      if (found) return;
      const key = `${folder}${group.name}`;
      const [delta, plain] = await Promise.all([store.headObject(bucket, deltaKeyOf(key)), store.headObject(bucket, key)]);
      if (delta || plain) found = true;
    });
    if (found) return true;
    if (!page.isTruncated) return false;
    after = page.nextStartAfter;
  }
}
