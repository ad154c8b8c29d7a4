/**
 * Baseline collection of version groups (compact/2): a group's baselines go with the
 * group's last object, as a deltaspace's go with its last object.
 */
import { groupBaselinePrefix, structuralGroupOf, type VersionGroup } from '../format/version-folders.js';
import { groupLock, referenceId, type EngineContext } from './context.js';
import { groupHasObjects } from './group-members.js';
import { listBaselines } from './references.js';

/**
 * Deletes the baselines of the version groups of `keys` once no object of the group is
 * left (exclusive with the group's writers). Looked for whatever the rules say now, so a
 * group written under other rules is still collected: one LIST per group, which finds no
 * baseline in the common case.
 */
export async function collectGroupBaselines(ctx: EngineContext, bucket: string, keys: readonly string[]): Promise<void> {
  const groups = new Map<string, VersionGroup>();
  for (const key of keys) {
    const group = structuralGroupOf(key);
    if (group) groups.set(groupBaselinePrefix(group), group);
  }
  for (const group of groups.values()) {
    await ctx.locks.exclusive(groupLock(bucket, group), async () => {
      const baselines = await listBaselines(ctx, bucket, '', group);
      if (baselines.length === 0 || (await groupHasObjects(ctx.store, bucket, group))) return;
      for (const b of baselines) {
        await ctx.store.deleteObject(bucket, b.key);
        ctx.references.invalidate(referenceId(bucket, b.key));
      }
    });
  }
}
