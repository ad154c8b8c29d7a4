/** Bytes covered by one fingerprint: matches shorter than this are found only via repeat offsets. */
export const FINGERPRINT_LENGTH = 8;
/** Odd multiplier of the polynomial rolling hash (mod 2^32). */
export const HASH_BASE = 0x01000193;
/** HASH_BASE^(FINGERPRINT_LENGTH-1) mod 2^32: the weight of the byte that rolls out. */
export const HASH_OUT_WEIGHT = (() => {
  let w = 1;
  for (let i = 0; i < FINGERPRINT_LENGTH - 1; i++) w = Math.imul(w, HASH_BASE);
  return w;
})();
/** Multiplier that spreads the polynomial hash over table slots (Fibonacci hashing). */
export const HASH_SPREAD = 0x9e3779b1 | 0;

/** Fingerprint of `buf[pos .. pos + FINGERPRINT_LENGTH)`, computed from scratch. */
export function fingerprint(buf: Uint8Array, pos: number): number {
  let h = 0;
  for (let k = 0; k < FINGERPRINT_LENGTH; k++) h = (Math.imul(h, HASH_BASE) + buf[pos + k]!) | 0;
  return h;
}
