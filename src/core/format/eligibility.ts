/**
 * Which uploads are delta candidates, decided from the bucket, the key and the size
 * (content is looked at later, by the engine's content probe). By default every object
 * of at least DEFAULT_MIN_DELTA_SIZE bytes is a candidate, whatever its name, and so is
 * every key with one of the format's extensions (FORMAT.md's list) whatever its size.
 * Include and exclude globs override that; an explicit extension list or predicate (the
 * options of earlier versions) replaces the default rule and keeps its old meaning.
 */
import { DEFAULT_ELIGIBLE_EXTENSIONS, eligibleByExtension, fileNameOf, type EligibilityPredicate } from './keys.js';

/**
 * Smallest upload that is a delta candidate by size alone. Below it a delta saves a few
 * KiB at most, and such a file would make a poor baseline for the larger objects that
 * follow it into its deltaspace (a tiny first object must not poison the deltaspace).
 */
export const DEFAULT_MIN_DELTA_SIZE = 64 * 1024;

/** What the key and size alone say about an upload. */
export interface EligibilityDecision {
  /** Delta candidate? */
  eligible: boolean;
  /** Forced by an include glob: the content probe is skipped and the encode always runs. */
  forced: boolean;
  /** Why not, in words for the `x-deltaglider-reason` header and reports (set when not eligible). */
  reason?: string;
}

/** Decides eligibility of one upload from its bucket, key and size. */
export type EligibilityRule = (bucket: string, key: string, size: number) => EligibilityDecision;

/** The inputs of resolveEligibility(): the engine options of the same names. */
export interface EligibilityOptions {
  /** Smallest candidate by size alone (bytes). Default DEFAULT_MIN_DELTA_SIZE. */
  minDeltaSize?: number;
  /** Globs that make an upload a candidate whatever its size and content (see globMatcher). */
  eligibleInclude?: readonly string[];
  /** Globs that make an upload never a candidate; they win over eligibleInclude. */
  eligibleExclude?: readonly string[];
  /** Extension list replacing the default rule (only these are candidates, any size). */
  eligibleExtensions?: readonly string[];
  /** Key predicate replacing the default rule (the engine's `eligible` option). */
  eligible?: EligibilityPredicate;
}

/**
 * A glob over `bucket/key` when it contains a `/` (`builds/releases/**`), else over the
 * file name (`*.log`). `*` and `?` stay within one segment, `**` crosses segments.
 * Case-insensitive, as extension lists always were.
 */
export function globMatcher(glob: string): (bucket: string, key: string) => boolean {
  if (typeof glob !== 'string' || glob === '') throw new TypeError(`deltaglider: an eligibility glob must be a non-empty string, got ${JSON.stringify(glob)}`);
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches no folder at all.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i++;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const pattern = new RegExp(`^${re}$`, 'i');
  return glob.includes('/') ? (bucket, key) => pattern.test(`${bucket}/${key}`) : (_bucket, key) => pattern.test(fileNameOf(key));
}

function matchers(name: string, globs: readonly string[] | undefined): { glob: string; test: (bucket: string, key: string) => boolean }[] {
  if (globs === undefined) return [];
  if (!Array.isArray(globs)) throw new TypeError(`deltaglider: option ${name} must be an array of globs such as ["*.log", "builds/tmp/**"]`);
  return globs.map((glob) => ({ glob, test: globMatcher(glob) }));
}

/**
 * Builds the eligibility rule from the options; validates them eagerly.
 *
 * @example
 * const rule = resolveEligibility({ eligibleExclude: ['*.log'], eligibleInclude: ['builds/fw/**'] });
 * rule('builds', 'fw/a.img', 10).eligible; // true: included whatever its size
 */
export function resolveEligibility(options: EligibilityOptions = {}): EligibilityRule {
  const { minDeltaSize, eligibleInclude, eligibleExclude, eligibleExtensions, eligible } = options;
  if (minDeltaSize !== undefined && (typeof minDeltaSize !== 'number' || !Number.isInteger(minDeltaSize) || minDeltaSize < 0)) {
    throw new TypeError(`deltaglider: option minDeltaSize must be a non-negative integer (bytes), got ${String(minDeltaSize)}`);
  }
  if (eligible !== undefined && typeof eligible !== 'function') throw new TypeError('deltaglider: option eligible must be a function (key) => boolean');
  const includes = matchers('eligibleInclude', eligibleInclude);
  const excludes = matchers('eligibleExclude', eligibleExclude);
  const floor = minDeltaSize ?? DEFAULT_MIN_DELTA_SIZE;
  const byDefaultExtension = eligibleByExtension(DEFAULT_ELIGIBLE_EXTENSIONS);
  const explicit = eligible ?? (eligibleExtensions !== undefined ? eligibleByExtension(eligibleExtensions) : undefined);
  return (bucket, key, size) => {
    const excluded = excludes.find((m) => m.test(bucket, key));
    if (excluded) return { eligible: false, forced: false, reason: `not eligible: excluded by "${excluded.glob}"` };
    if (includes.some((m) => m.test(bucket, key))) return { eligible: true, forced: true };
    if (explicit) return explicit(key) ? { eligible: true, forced: false } : { eligible: false, forced: false, reason: 'not eligible: not in the eligible extensions' };
    if (size >= floor || byDefaultExtension(key)) return { eligible: true, forced: false };
    return { eligible: false, forced: false, reason: `not eligible: ${size} bytes, under the ${floor}-byte floor` };
  };
}
