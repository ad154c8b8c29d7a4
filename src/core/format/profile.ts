/**
 * Storage profiles: how much of the bucket layout may go beyond ../shared/FORMAT.md.
 *
 * - `compatible` writes exactly the DeltaGlider format, readable by the Rust proxy and
 *   the Python CLI.
 * - `compact` adds our extensions (compressed baselines and objects, gzip-aware deltas;
 *   docs/STORAGE_FORMAT.md "Addendum: the compact profile"). Every object it writes says so
 *   in `dg-profile`, so a reader never mistakes it for a compatible one.
 *
 * Our readers read both, always: the profile only decides how new objects are written.
 */

import { parsePrefixRules, selectByPrefix } from './prefix-rules.js';

/** The two ways of writing. */
export type StorageProfile = 'compatible' | 'compact';

/** Every profile name, for validation messages. */
export const STORAGE_PROFILES: readonly StorageProfile[] = ['compatible', 'compact'];

/** The profile used when nothing is configured: the DeltaGlider format as is. */
export const DEFAULT_STORAGE_PROFILE: StorageProfile = 'compatible';

/** Highest version of the compact addendum this build reads. */
export const COMPACT_FORMAT_VERSION = 2;

/**
 * `dg-profile` of what the compact profile writes, except version-folder groups: kept at
 * version 1 so builds that read compact/1 still read everything that needs nothing newer.
 */
export const COMPACT_PROFILE_TAG = 'compact/1';

/**
 * `dg-profile` of a version group's baselines and of the deltas against them (addendum
 * version 2): a compact/1 reader refuses them with "upgrade" instead of failing on a
 * baseline in another folder.
 */
export const COMPACT_GROUP_PROFILE_TAG = 'compact/2';

/** Chooses the profile for a write, from the bucket and user key. */
export type ProfileSelector = (bucket: string, key: string) => StorageProfile;

/** One per-bucket or per-prefix override. */
export interface ProfileRule {
  bucket: string;
  /** Key prefix inside the bucket; '' for the whole bucket. */
  prefix: string;
  profile: StorageProfile;
}

export function isStorageProfile(v: unknown): v is StorageProfile {
  return typeof v === 'string' && (STORAGE_PROFILES as readonly string[]).includes(v);
}

/**
 * Parses `bucket=profile` / `bucket/prefix=profile` rules (the proxy's DGP_PROFILE_OVERRIDES).
 * Throws a message naming the bad rule.
 */
export function parseProfileRules(rules: readonly string[]): ProfileRule[] {
  return parsePrefixRules(rules, STORAGE_PROFILES, 'profile', 'bucket=compact or bucket/prefix=compatible').map((r) => ({ bucket: r.bucket, prefix: r.prefix, profile: r.value }));
}

/**
 * A selector that applies the longest matching rule (bucket, then key prefix), else the default.
 *
 * @example
 * const select = profileByPrefix('compatible', parseProfileRules(['builds/nightly/=compact']));
 * select('builds', 'nightly/app-1.2.zip'); // 'compact'
 */
export function profileByPrefix(fallback: StorageProfile, rules: readonly ProfileRule[]): ProfileSelector {
  return selectByPrefix(fallback, rules.map((r) => ({ bucket: r.bucket, prefix: r.prefix, value: r.profile })));
}

/** What a `dg-profile` value says: undefined (compatible), or the compact version it was written with. */
export function parseProfileTag(tag: string | undefined): { profile: StorageProfile; version: number } | undefined {
  if (tag === undefined) return undefined;
  const m = /^compact\/(\d+)$/.exec(tag.trim());
  if (m) return { profile: 'compact', version: Number(m[1]) };
  if (tag.trim() === 'compatible') return { profile: 'compatible', version: 0 };
  return { profile: 'compact', version: Number.POSITIVE_INFINITY };
}
