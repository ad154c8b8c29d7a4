/**
 * Encoder effort of the TypeScript codec. Every level writes the same format
 * (VCDIFF, default code table, Adler-32, LZMA secondary compression), so
 * `xdelta3 -d` and every deltaglider reader decode all of them; only the time
 * spent looking for copies and compressing differs.
 */

/** `fast`: fewest candidates and the greedy LZMA parse; `default`; `best`: the most thorough search. */
export type CodecLevel = 'fast' | 'default' | 'best';

/** The levels, fastest first. */
export const CODEC_LEVELS: readonly CodecLevel[] = ['fast', 'default', 'best'];

/** The level used when none is configured (chosen from bench/RESULTS.md "Codecs"). */
export const DEFAULT_CODEC_LEVEL: CodecLevel = 'default';

/** Throws a TypeError naming the levels when `value` is not one. */
export function parseCodecLevel(value: unknown): CodecLevel {
  if (typeof value === 'string' && (CODEC_LEVELS as readonly string[]).includes(value)) return value as CodecLevel;
  throw new TypeError(`deltaglider: codecLevel must be one of ${CODEC_LEVELS.join(', ')}, got ${String(value)}`);
}

/**
 * The named level for an xdelta3-style number 0..9 (DGP_CODEC_LEVEL accepts
 * both): 0-3 `fast`, 4-6 `default`, 7-9 `best`, as xdelta3's own effort grows.
 */
export function codecLevelFromNumber(level: number): CodecLevel {
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`deltaglider: a numeric codec level must be 0..9, got ${level}`);
  return level <= 3 ? 'fast' : level <= 6 ? 'default' : 'best';
}
