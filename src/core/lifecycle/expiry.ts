/**
 * When a lifecycle rule expires an object: S3's rules, over what the user sees (user key,
 * original size, the user object's own Last-Modified), never over backend objects.
 */
import type { LifecycleRule } from './lifecycle-rule.js';

/** Milliseconds in a lifecycle day. */
export const MS_PER_DAY = 86_400_000;

/** Does the rule's filter select this user object? */
export function ruleSelects(rule: LifecycleRule, key: string, size: number): boolean {
  if (!key.startsWith(rule.prefix)) return false;
  if (rule.objectSizeGreaterThan !== undefined && !(size > rule.objectSizeGreaterThan)) return false;
  if (rule.objectSizeLessThan !== undefined && !(size < rule.objectSizeLessThan)) return false;
  return true;
}

/**
 * The moment (ms since epoch) from which the rule expires an object last modified at
 * `lastModified`, or undefined when the rule has no Expiration by days or date.
 * With real days, S3 rounds `lastModified + days` up to the next midnight UTC; a shortened
 * day (`dayMs`, for tests and to match RGW's `rgw lc debug interval`) is not rounded, as
 * RGW does not round its debug days.
 */
export function expiresAt(rule: LifecycleRule, lastModified: Date, dayMs = MS_PER_DAY): number | undefined {
  const { days, date } = rule.expiration ?? {};
  if (days !== undefined) {
    const at = lastModified.getTime() + days * dayMs;
    return dayMs === MS_PER_DAY ? Math.ceil(at / MS_PER_DAY) * MS_PER_DAY : at;
  }
  if (date !== undefined) return Date.parse(date);
  return undefined;
}

/** Has the rule expired this object at `now` (ms since epoch)? */
export function isExpired(rule: LifecycleRule, object: { key: string; size: number; lastModified: Date }, now: number, dayMs = MS_PER_DAY): boolean {
  if (!rule.enabled || !ruleSelects(rule, object.key, object.size)) return false;
  const at = expiresAt(rule, object.lastModified, dayMs);
  return at !== undefined && now >= at;
}
