/** Instruction types of RFC 3284 section 5.4. */
export const NOOP = 0;
export const ADD = 1;
export const RUN = 2;
export const COPY = 3;

/** Address cache sizes of the default code table (RFC 3284 section 5.1). */
export const NEAR_SIZE = 4;
export const SAME_SIZE = 3;
/** Number of address modes with the default cache: SELF, HERE, 4 near, 3 same. */
export const MODE_COUNT = 2 + NEAR_SIZE + SAME_SIZE;

/**
 * A code table as six parallel arrays indexed by opcode, so the decode loop reads
 * plain typed-array slots instead of objects.
 */
export interface CodeTable {
  type1: Uint8Array;
  size1: Uint8Array;
  mode1: Uint8Array;
  type2: Uint8Array;
  size2: Uint8Array;
  mode2: Uint8Array;
}

/** The default code table of RFC 3284 section 5.6, built from its generating rules. */
export const DEFAULT_CODE_TABLE: CodeTable = buildDefault();

function buildDefault(): CodeTable {
  const t: CodeTable = {
    type1: new Uint8Array(256),
    size1: new Uint8Array(256),
    mode1: new Uint8Array(256),
    type2: new Uint8Array(256),
    size2: new Uint8Array(256),
    mode2: new Uint8Array(256),
  };
  let i = 0;
  const set = (ty1: number, s1: number, m1: number, ty2: number, s2: number, m2: number): void => {
    t.type1[i] = ty1; t.size1[i] = s1; t.mode1[i] = m1;
    t.type2[i] = ty2; t.size2[i] = s2; t.mode2[i] = m2;
    i++;
  };
  set(RUN, 0, 0, NOOP, 0, 0);
  set(ADD, 0, 0, NOOP, 0, 0);
  for (let s = 1; s <= 17; s++) set(ADD, s, 0, NOOP, 0, 0);
  for (let m = 0; m < MODE_COUNT; m++) {
    set(COPY, 0, m, NOOP, 0, 0);
    for (let s = 4; s <= 18; s++) set(COPY, s, m, NOOP, 0, 0);
  }
  for (let m = 0; m < 6; m++) {
    for (let a = 1; a <= 4; a++) for (let c = 4; c <= 6; c++) set(ADD, a, 0, COPY, c, m);
  }
  for (let m = 6; m < MODE_COUNT; m++) {
    for (let a = 1; a <= 4; a++) set(ADD, a, 0, COPY, 4, m);
  }
  for (let m = 0; m < MODE_COUNT; m++) set(COPY, 4, m, ADD, 1, 0);
  if (i !== 256) throw new Error(`default code table has ${i} entries`);
  return t;
}

/** Opcode of the single ADD of size 1..17, or of ADD with explicit size (1). */
export function addOpcode(size: number): number {
  return size >= 1 && size <= 17 ? 1 + size : 1;
}

/** Opcode of a single COPY in `mode`: sized 4..18 directly, else the explicit-size one. */
export function copyOpcode(size: number, mode: number): number {
  const base = 19 + mode * 16;
  return size >= 4 && size <= 18 ? base + size - 3 : base;
}

/** Opcode of ADD(addSize)+COPY(copySize, mode) if the default table has one, else -1. */
export function addCopyOpcode(addSize: number, copySize: number, mode: number): number {
  if (addSize < 1 || addSize > 4) return -1;
  if (mode < 6) {
    if (copySize < 4 || copySize > 6) return -1;
    return 163 + mode * 12 + (addSize - 1) * 3 + (copySize - 4);
  }
  if (copySize !== 4) return -1;
  return 235 + (mode - 6) * 4 + (addSize - 1);
}

/** Opcode of COPY(4, mode)+ADD(1). */
export function copyAddOpcode(mode: number): number {
  return 247 + mode;
}
