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

/**
 * Layout of the single probability array both coders keep: one array is
 * cheap to reset and to snapshot, and every index is a constant offset.
 */
export const PROBS_IS_MATCH = 0;
export const PROBS_IS_REP = PROBS_IS_MATCH + NUM_STATES * POS_STATES_MAX;
export const PROBS_IS_REP_G0 = PROBS_IS_REP + NUM_STATES;
export const PROBS_IS_REP_G1 = PROBS_IS_REP_G0 + NUM_STATES;
export const PROBS_IS_REP_G2 = PROBS_IS_REP_G1 + NUM_STATES;
export const PROBS_IS_REP0_LONG = PROBS_IS_REP_G2 + NUM_STATES;
export const PROBS_POS_SLOT = PROBS_IS_REP0_LONG + NUM_STATES * POS_STATES_MAX;
export const PROBS_POS_SPECIAL = PROBS_POS_SLOT + (LEN_TO_POS_STATES << POS_SLOT_BITS);
export const PROBS_ALIGN = PROBS_POS_SPECIAL + 1 + NUM_FULL_DISTANCES - END_POS_MODEL_INDEX;
/** The match length coder, then the rep length coder, each LEN_CODER_SIZE long. */
export const PROBS_LEN_CODER = PROBS_ALIGN + ALIGN_SIZE;
/** Inside a length coder: the two choice bits, then the low, mid and high trees. */
export const LEN_CHOICE = 0;
export const LEN_CHOICE2 = 1;
export const LEN_LOW = 2;
export const LEN_MID = LEN_LOW + (POS_STATES_MAX << LEN_LOW_BITS);
export const LEN_HIGH = LEN_MID + (POS_STATES_MAX << LEN_MID_BITS);
export const LEN_CODER_SIZE = LEN_HIGH + (1 << LEN_HIGH_BITS);
export const PROBS_REP_LEN_CODER = PROBS_LEN_CODER + LEN_CODER_SIZE;
/** The literal coders (LITERAL_CODER_SIZE each, 2^(lc + lp) of them) come last. */
export const PROBS_LITERAL = PROBS_REP_LEN_CODER + LEN_CODER_SIZE;

/** State after a literal, a match, a rep match and a short rep (one byte at rep0). */
export const nextAfterLiteral = (s: number): number => (s < 4 ? 0 : s < 10 ? s - 3 : s - 6);
export const nextAfterMatch = (s: number): number => (s < LIT_STATES ? 7 : 10);
export const nextAfterLongRep = (s: number): number => (s < LIT_STATES ? 8 : 11);
export const nextAfterShortRep = (s: number): number => (s < LIT_STATES ? 9 : 11);
