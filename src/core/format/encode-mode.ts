/**
 * When delta encoding happens: `inline` (inside the PUT, as the DeltaGlider tools do) or
 * `deferred` (the PUT stores the bytes as they arrive, marked pending, and a background
 * compactor encodes them; docs/OPERATIONS.md "Deferred encoding").
 */

import { parsePrefixRules, selectByPrefix } from './prefix-rules.js';

/** The two encoding modes. */
export type EncodeMode = 'inline' | 'deferred';

/** Every mode name, for validation messages. */
export const ENCODE_MODES: readonly EncodeMode[] = ['inline', 'deferred'];

/**
 * The mode used when nothing is configured. Deferred: measured in bench/RESULTS.md
 * "Throughput", an acknowledged PUT runs at passthrough speed instead of the codec's.
 */
export const DEFAULT_ENCODE_MODE: EncodeMode = 'deferred';

/** Chooses the mode for a write, from the bucket and user key. */
export type EncodeSelector = (bucket: string, key: string) => EncodeMode;

/** One per-bucket or per-prefix override. */
export interface EncodeRule {
  bucket: string;
  /** Key prefix inside the bucket; '' for the whole bucket. */
  prefix: string;
  mode: EncodeMode;
}

/** Whether `v` names an encoding mode. */
export function isEncodeMode(v: unknown): v is EncodeMode {
  return typeof v === 'string' && (ENCODE_MODES as readonly string[]).includes(v);
}

/** Parses `bucket=mode` / `bucket/prefix=mode` rules (DGP_ENCODE_OVERRIDES); throws naming the bad rule. */
export function parseEncodeRules(rules: readonly string[]): EncodeRule[] {
  return parsePrefixRules(rules, ENCODE_MODES, 'encode', 'bucket=inline or bucket/prefix=deferred').map((r) => ({ bucket: r.bucket, prefix: r.prefix, mode: r.value }));
}

/**
 * A selector applying the longest matching rule, else the fallback.
 *
 * @example
 * const select = encodeByPrefix('deferred', parseEncodeRules(['builds/small/=inline']));
 * select('builds', 'small/a.zip'); // 'inline'
 */
export function encodeByPrefix(fallback: EncodeMode, rules: readonly EncodeRule[]): EncodeSelector {
  return selectByPrefix(fallback, rules.map((r) => ({ bucket: r.bucket, prefix: r.prefix, value: r.mode })));
}
