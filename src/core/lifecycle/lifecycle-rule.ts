/**
 * A bucket lifecycle rule as deltaglider keeps it, and the one check that decides which
 * rules it accepts. Accepted rules are evaluated by deltaglider itself (LifecycleSweeper),
 * over user keys, original sizes and deletes through the engine; nothing is forwarded to
 * the backend, whose own lifecycle would judge `reference.bin` by its backend age and
 * expire it while younger deltas still need it.
 */
import { UnsafeConfigurationError } from '../errors.js';

/** One rule of a lifecycle configuration, as parsed from S3's XML. */
export interface LifecycleRule {
  /** The rule's ID, when the user gave one. */
  id?: string;
  /** `Status` is `Enabled` (Disabled rules are kept and returned, never applied). */
  enabled: boolean;
  /** Key prefix the rule applies to ('' = every key). */
  prefix: string;
  /** Applies only to objects whose original size is larger than this (bytes). */
  objectSizeGreaterThan?: number;
  /** Applies only to objects whose original size is smaller than this (bytes). */
  objectSizeLessThan?: number;
  /** Tag filters (`Filter/Tag`, `Filter/And/Tag`); refused, see assertSafeLifecycleRules. */
  tagCount: number;
  /** `Expiration`: after `days` days of age, or from `date` (ISO-8601) on. */
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  /** `AbortIncompleteMultipartUpload/DaysAfterInitiation`. */
  abortIncompleteMultipartUploadDays?: number;
  /** Count of `Transition` actions; refused. */
  transitionCount: number;
  /** Count of `NoncurrentVersionTransition` / `NoncurrentVersionExpiration` actions; refused. */
  noncurrentActionCount: number;
}

/**
 * Throws UnsafeConfigurationError for the first rule deltaglider cannot apply without
 * risking a delta's readability; the message names the rule and the reason.
 */
export function assertSafeLifecycleRules(rules: readonly LifecycleRule[]): void {
  for (const rule of rules) {
    const name = rule.id === undefined ? 'a rule without ID' : `rule "${rule.id}"`;
    if (rule.transitionCount > 0) {
      throw new UnsafeConfigurationError(
        `Lifecycle ${name} has a Transition: deltaglider refuses storage-class transitions, because a reference.bin moved to an archive tier makes every delta of its deltaspace unreadable until it is restored.`,
      );
    }
    if (rule.noncurrentActionCount > 0) {
      throw new UnsafeConfigurationError(
        `Lifecycle ${name} has a NoncurrentVersion action: deltaglider does not support bucket versioning (a delete marker on a reference.bin would hide the baseline of live deltas), so there are no noncurrent versions to act on.`,
      );
    }
    if (rule.tagCount > 0) {
      throw new UnsafeConfigurationError(
        `Lifecycle ${name} filters on object tags: deltaglider does not keep object tags on the objects it stores (a delta-stored object is not the backend object of its name), so a tag filter could not select what you mean.`,
      );
    }
  }
}

/** The enabled rules that expire objects (by Days or Date): the ones the sweep lists for. */
export function expiringRules(rules: readonly LifecycleRule[]): LifecycleRule[] {
  return rules.filter((r) => r.enabled && (r.expiration?.days !== undefined || r.expiration?.date !== undefined));
}
