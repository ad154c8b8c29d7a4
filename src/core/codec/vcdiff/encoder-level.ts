import type { CodecLevel } from '../codec-level.js';

/** What a level changes in the encoder (window-matcher.ts and the LZMA sections). */
export interface EncoderLevelSettings {
  /** Reference-index candidates tried per position. */
  refChain: number;
  /** Candidates tried per position among the window's own earlier literals (0: no self copies). */
  selfChain: number;
  /** One step of lazy matching (search the next position before taking a copy). */
  lazy: boolean;
  /** log2 of the failed searches in a row before the scan starts skipping. */
  skipShift: number;
  /** LZMA effort of the secondary compression (0: greedy parse, 1+: optimal parse). */
  lzmaLevel: number;
}

/**
 * The settings of each level. `best` is the encoder as it was before levels
 * (its output is unchanged). The others were chosen from CPU time and delta
 * size measured on the bench families (bench/RESULTS.md "Codecs").
 */
export const ENCODER_LEVELS: Readonly<Record<CodecLevel, EncoderLevelSettings>> = {
  fast: { refChain: 24, selfChain: 8, lazy: false, skipShift: 5, lzmaLevel: 0 },
  default: { refChain: 64, selfChain: 16, lazy: true, skipShift: 6, lzmaLevel: 0 },
  best: { refChain: 64, selfChain: 16, lazy: true, skipShift: 6, lzmaLevel: 1 },
};
