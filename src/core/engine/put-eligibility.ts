/**
 * The PUT path's first decision: is this upload a delta candidate (bucket, key and size:
 * ../format/eligibility.ts), and what do its bytes look like (compressed? like the
 * reference?), so that uploads that cannot win skip the encode and are stored at
 * passthrough speed, with the reason recorded.
 */
import { LRUCache } from 'lru-cache';
import { detectContent, HIGH_ENTROPY, sampledSimilarity } from './content-probe.js';
import type { ResolvedEngineOptions } from './options.js';

/**
 * Compact profile: compressed uploads sharing less than this share of sampled content with
 * the baseline skip the delta encode (the compressed and whole forms are still compared).
 * Low on purpose: zips whose members partly repeat gain from a delta (ts-zip, 22%), while
 * recompressed or unrelated content measures under 0.01.
 */
export const COMPACT_MIN_SIMILARITY = 0.01;

/** What the engine knows about an upload before choosing how to store it. */
export interface UploadContent {
  /** A delta candidate (by key, size and the options)? */
  eligible: boolean;
  /** Why not, when not eligible. */
  reason?: string;
  /** The compressed format detected (`zip`, `gzip`, ..., `high-entropy`), unless an include glob forced the encode. */
  compressed?: string;
  /** A named compressed format (not merely high entropy): it never becomes a compatible baseline. */
  poorBaseline: boolean;
  /** Sampled similarity to a reference, for compressed uploads only (undefined otherwise or when the sample is too small). */
  similarityTo(reference: { path: string; sha256: string }): Promise<number | undefined>;
  /**
   * Compatible profile: the reason to store whole without encoding (a compressed upload
   * too unlike the reference for a delta under maxDeltaRatio), or undefined to encode.
   */
  skipEncode(reference: { path: string; sha256: string }, maxDeltaRatio: number): Promise<string | undefined>;
}

/** The passthrough reason for a compressed upload in a given situation. */
export function passthroughReason(content: UploadContent, situation: string): string {
  return `compressed content (${content.compressed ?? 'unknown'}): ${situation}`;
}

/** Is an upload of this bucket, key and size a delta candidate (the rule, then the delta size limit)? */
export function eligibilityOf(options: ResolvedEngineOptions, bucket: string, key: string, size: number): { eligible: boolean; forced: boolean; reason?: string } {
  const decision = options.eligibility(bucket, key, size);
  if (decision.eligible && size > options.maxDeltaObjectSize) return { eligible: false, forced: false, reason: `not eligible: ${size} bytes, over the ${options.maxDeltaObjectSize}-byte delta limit` };
  return decision;
}

/**
 * Decides eligibility and looks at the content of a spooled upload (a few small reads).
 *
 * @example
 * const content = await probeUpload(engine.options, 'builds', 'app/v2.zip', spool);
 * if (!content.eligible) console.log(content.reason);
 */
export async function probeUpload(options: ResolvedEngineOptions, bucket: string, key: string, spool: { path: string; size: number }): Promise<UploadContent> {
  const decision = eligibilityOf(options, bucket, key, spool.size);
  const { eligible, reason } = decision;
  const compressed = eligible && !decision.forced ? (await detectContent(spool.path, spool.size)).compressed : undefined;
  const similarityTo = (reference: { path: string; sha256: string }): Promise<number | undefined> =>
    compressed === undefined ? Promise.resolve(undefined) : sampledSimilarity(reference, spool.path, spool.size);
  const content: UploadContent = {
    eligible,
    reason,
    compressed,
    poorBaseline: compressed !== undefined && compressed !== HIGH_ENTROPY,
    similarityTo,
    async skipEncode(reference, maxDeltaRatio) {
      if (compressed === undefined) return undefined;
      const similarity = await similarityTo(reference);
      // Compressed bytes do not compress again: the delta is at least the unmatched share.
      // Too few anchors to tell (small or repetitive): the encode decides, as before.
      if (similarity === undefined || similarity >= 1 - maxDeltaRatio) return undefined;
      return passthroughReason(content, `${Math.round(similarity * 100)}% like the baseline`);
    },
  };
  return content;
}

const baselineKinds = new LRUCache<string, boolean>({ max: 1024 });

/**
 * Is a baseline a named compressed format (a zip, a gzip that was not reproducible...)?
 * The compact profile replaces such a baseline with the first plain upload that follows
 * it (a new generation), so a compressed first object does not poison its deltaspace.
 * Cached by SHA-256.
 */
export async function isPoorBaseline(reference: { path: string; size: number; sha256: string }): Promise<boolean> {
  const known = baselineKinds.get(reference.sha256);
  if (known !== undefined) return known;
  const compressed = (await detectContent(reference.path, reference.size)).compressed;
  const poor = compressed !== undefined && compressed !== HIGH_ENTROPY;
  baselineKinds.set(reference.sha256, poor);
  return poor;
}
