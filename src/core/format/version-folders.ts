/**
 * Version-folder groups (compact profile; docs/STORAGE_FORMAT.md addendum "Version-folder
 * groups"). CI artifacts are usually laid out one folder per version
 * (`releases/v1.2.3/app.tar`, `releases/v1.2.4/app.tar`), which puts every version alone
 * in its deltaspace. Objects with the same file name directly under sibling folders that
 * look like versions (or that a configured glob names) form a group and share one
 * baseline, stored next to the folders: `releases/app.tar.baseline.000001.delta.delta`.
 *
 * That name is no user key's variant: it ends in `.delta.delta`, so it would be the delta
 * variant of a user key ending in `.delta`, which is rejected, and listings hide it.
 * Being in the parent folder it is no sibling of the objects, so a delta naming it cannot
 * be read by the other DeltaGlider tools: groups are written by the compact profile only.
 */
import { DELTA_SUFFIX, deltaspaceOf, fileNameOf, GENERATION_DIGITS, MAX_KEY_BYTES } from './keys.js';
import { globMatcher } from './eligibility.js';

/** The word in a version-folder rule list that turns on the built-in detector. */
export const AUTO_VERSION_FOLDERS = 'auto';
/** Default rules: the built-in detector only. */
export const DEFAULT_VERSION_FOLDERS: readonly string[] = [AUTO_VERSION_FOLDERS];

/**
 * Folder names that look like versions: semver and its shorter forms with an optional
 * `v` and pre-release/build suffix (`v1.2.3`, `1.2`, `2.0.0-rc.1`, `1.4.2+b7`), dates
 * (`2026-12-03`, `20261203`, `2026-12-03T10-15`), and build numbers (`1234`, `build-56`,
 * `b56`, `r56`, `v12`). Words (`docs`, `latest`, `stable`) never match: their contents are
 * not versions of each other.
 */
const VERSION_PATTERNS: readonly RegExp[] = [
  /^v?\d+(\.\d+)+([-+~_.][0-9A-Za-z][0-9A-Za-z.+~_-]*)?$/i,
  /^\d{4}-\d{2}-\d{2}([T_.-][0-9][0-9:._-]*)?$/i,
  /^\d{8}([T_.-]?\d{4,6})?$/,
  /^(v|r|b|build[-_.]?)?\d+$/i,
];

/** Does a folder name look like a version? */
export function looksLikeVersion(segment: string): boolean {
  return VERSION_PATTERNS.some((p) => p.test(segment));
}

/** Which folders are version folders: `(bucket, folder) => boolean`, folder being the full prefix without a trailing slash. */
export type VersionFolderMatcher = (bucket: string, folder: string) => boolean;

/**
 * Builds the matcher from rules: `auto` (the built-in detector), or globs over
 * `bucket/folder` (`builds/releases/*`, `*\/nightly/*`) that name version folders whatever
 * they are called. An empty list turns grouping off.
 *
 * @example
 * const m = versionFolderMatcher(['auto', 'builds/nightly/*']);
 * m('builds', 'releases/v1.2.3'); // true
 * m('builds', 'nightly/tuesday'); // true
 */
export function versionFolderMatcher(rules: readonly string[] = DEFAULT_VERSION_FOLDERS): VersionFolderMatcher {
  if (!Array.isArray(rules)) throw new TypeError(`deltaglider: option versionFolders must be an array of "${AUTO_VERSION_FOLDERS}" and globs such as "builds/releases/*"`);
  const auto = rules.includes(AUTO_VERSION_FOLDERS);
  const globs = rules.filter((r) => r !== AUTO_VERSION_FOLDERS).map((r) => {
    const glob = r.endsWith('/') ? r.slice(0, -1) : r;
    if (!glob.includes('/')) throw new TypeError(`deltaglider: version-folder rule ${JSON.stringify(r)} must be "${AUTO_VERSION_FOLDERS}" or a glob over bucket/folder such as "builds/releases/*"`);
    return globMatcher(glob);
  });
  return (bucket, folder) => (auto && looksLikeVersion(fileNameOf(folder))) || globs.some((g) => g(bucket, folder));
}

/** A group: objects named `name` directly under the version folders of `root`. */
export interface VersionGroup {
  /** The folder holding the version folders ('' at the bucket root). */
  root: string;
  /** The file name shared by the group's objects. */
  name: string;
}

/** Infix between a group's file name and its baseline generation. */
const BASELINE_INFIX = '.baseline.';

/** The group a key's object could belong to by its shape alone (`root/folder/name`), whatever the rules. */
export function structuralGroupOf(key: string): VersionGroup | undefined {
  const folder = deltaspaceOf(key);
  if (folder === '') return undefined;
  const group = { root: deltaspaceOf(folder), name: fileNameOf(key) };
  // A baseline key must stay a valid S3 key.
  return Buffer.byteLength(groupBaselineKeyOf(group, 1), 'utf8') <= MAX_KEY_BYTES ? group : undefined;
}

/** The group a key belongs to under the rules, or undefined (not in a version folder). */
export function versionGroupOf(bucket: string, key: string, matcher: VersionFolderMatcher): VersionGroup | undefined {
  const group = structuralGroupOf(key);
  return group && matcher(bucket, deltaspaceOf(key)) ? group : undefined;
}

/** What a group's baseline keys start with (a LIST prefix). */
export function groupBaselinePrefix(group: VersionGroup): string {
  return `${group.root === '' ? '' : `${group.root}/`}${group.name}${BASELINE_INFIX}`;
}

/** `root/name.baseline.000001.delta.delta`. */
export function groupBaselineKeyOf(group: VersionGroup, generation: number): string {
  if (!Number.isInteger(generation) || generation < 1 || generation >= 10 ** GENERATION_DIGITS) {
    throw new RangeError(`baseline generation must be an integer in 1..${10 ** GENERATION_DIGITS - 1}, got ${generation}`);
  }
  return `${groupBaselinePrefix(group)}${String(generation).padStart(GENERATION_DIGITS, '0')}${DELTA_SUFFIX}${DELTA_SUFFIX}`;
}

/** Generation of one of the group's baseline keys, else undefined. */
export function groupGenerationOf(backendKey: string, group: VersionGroup): number | undefined {
  const prefix = groupBaselinePrefix(group);
  if (!backendKey.startsWith(prefix)) return undefined;
  const m = /^(\d{6})\.delta\.delta$/.exec(backendKey.slice(prefix.length));
  return m ? Number(m[1]) : undefined;
}

/** Is a backend key some group's baseline (`.../<name>.baseline.<generation>.delta.delta`)? */
export function isGroupBaselineKey(backendKey: string): boolean {
  return /.\.baseline\.\d{6}\.delta\.delta$/.test(fileNameOf(backendKey));
}

/**
 * May the delta of `userKey` use `refKey` (read from its `dg-ref-key`) as a group
 * baseline: one of the baselines of the group its shape puts it in? Hostile metadata must
 * not make a read fetch an arbitrary object.
 */
export function isValidGroupReferenceFor(userKey: string, refKey: string): boolean {
  const group = structuralGroupOf(userKey);
  return group !== undefined && groupGenerationOf(refKey, group) !== undefined;
}
