/**
 * Numbers fixed by the LZMA format (the LZMA SDK's lzma-specification), shared
 * by the decoder and the encoder so the two cannot drift apart.
 */

/** Probabilities are 11-bit fixed point; a fresh model says "50/50". */
export const PROB_BITS = 11;
export const PROB_ONE = 1 << PROB_BITS;
export const PROB_INIT = PROB_ONE >>> 1;
/** Adaptation speed of every probability (shift of the update step). */
export const PROB_MOVE_BITS = 5;
/** The range coder renormalises (shifts a byte out or in) below this range. */
export const RANGE_TOP_BITS = 24;
export const RANGE_TOP = 1 << RANGE_TOP_BITS;

/** The 12-state machine remembering the kinds of the last few symbols. */
export const NUM_STATES = 12;
/** States below this followed a literal; at or above, a match or rep. */
export const LIT_STATES = 7;
/** pb is at most 4, so there are at most 16 position states. */
export const POS_STATES_MAX = 16;
/** Literal contexts each hold 0x300 probabilities (plain tree + two matched trees). */
export const LITERAL_CODER_SIZE = 0x300;

/** Shortest and longest match LZMA can express. */
export const MATCH_MIN_LEN = 2;
export const MATCH_MAX_LEN = 273;
/** Length coder: 8 low, 8 mid and 256 high symbols. */
export const LEN_LOW_BITS = 3;
export const LEN_MID_BITS = 3;
export const LEN_HIGH_BITS = 8;
export const LEN_LOW_SYMBOLS = 1 << LEN_LOW_BITS;
export const LEN_MID_SYMBOLS = 1 << LEN_MID_BITS;
export const LEN_SYMBOLS = LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS + (1 << LEN_HIGH_BITS);

/** Recent distances a "rep" match can refer to. */
export const NUM_REPS = 4;
/** Distance slots are coded with one of four trees chosen by the match length. */
export const LEN_TO_POS_STATES = 4;
export const POS_SLOT_BITS = 6;
/** Slots below this are the distance itself. */
export const START_POS_MODEL_INDEX = 4;
/** Slots from here on code their low 4 bits with the align tree. */
export const END_POS_MODEL_INDEX = 14;
/** Distances below this are fully modelled (no direct bits). */
export const NUM_FULL_DISTANCES = 1 << (END_POS_MODEL_INDEX >>> 1);
export const ALIGN_BITS = 4;
export const ALIGN_SIZE = 1 << ALIGN_BITS;

/** The properties byte of an lc/lp/pb triple, as LZMA and LZMA2 store it. */
export function lzmaPropsByte(lc: number, lp: number, pb: number): number {
  return (pb * 5 + lp) * 9 + lc;
}
