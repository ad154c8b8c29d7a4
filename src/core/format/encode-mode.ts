/**
 * When delta encoding happens: `inline` (inside the PUT, as the DeltaGlider tools do) or
 * `deferred` (the PUT stores the bytes as they arrive, marked pending, and a background
 * compactor encodes them; docs/OPERATIONS.md "Deferred encoding").
 */

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

export function isEncodeMode(v: unknown): v is EncodeMode {
  return typeof v === 'string' && (ENCODE_MODES as readonly string[]).includes(v);
}

/** Parses `bucket=mode` / `bucket/prefix=mode` rules (DGP_ENCODE_OVERRIDES); throws naming the bad rule. */
export function parseEncodeRules(rules: readonly string[]): EncodeRule[] {
  return rules.map((rule) => {
    const eq = rule.lastIndexOf('=');
    const target = eq < 0 ? '' : rule.slice(0, eq).trim();
    const mode = eq < 0 ? '' : rule.slice(eq + 1).trim();
    if (target === '' || !isEncodeMode(mode)) {
      throw new TypeError(`encode rule "${rule}" must look like bucket=inline or bucket/prefix=deferred (modes: ${ENCODE_MODES.join(', ')})`);
    }
    const slash = target.indexOf('/');
    return slash < 0 ? { bucket: target, prefix: '', mode } : { bucket: target.slice(0, slash), prefix: target.slice(slash + 1), mode };
  });
}

/**
 * A selector applying the longest matching rule, else the fallback.
 *
 * @example
 * const select = encodeByPrefix('deferred', parseEncodeRules(['builds/small/=inline']));
 * select('builds', 'small/a.zip'); // 'inline'
 */
export function encodeByPrefix(fallback: EncodeMode, rules: readonly EncodeRule[]): EncodeSelector {
  const sorted = [...rules].sort((a, b) => b.prefix.length - a.prefix.length);
  return (bucket, key) => sorted.find((r) => r.bucket === bucket && key.startsWith(r.prefix))?.mode ?? fallback;
}
