/**
 * User key <-> backend key mapping (../shared/FORMAT.md "Deltaspaces and keys").
 */
import { InvalidKeyError, ReservedKeyError } from '../errors.js';

/** Backend name of a deltaspace's baseline. */
export const REFERENCE_NAME = 'reference.bin';
/** Suffix of delta-stored objects on the backend. */
export const DELTA_SUFFIX = '.delta';
/** S3's key length limit, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** Default delta-eligible extensions (FORMAT.md). */
export const DEFAULT_ELIGIBLE_EXTENSIONS: readonly string[] = [
  '.zip', '.tar', '.tgz', '.tar.gz', '.tar.bz2', '.tar.xz', '.jar', '.war', '.ear',
  '.rar', '.7z', '.dmg', '.iso', '.sql', '.dump', '.bak', '.backup',
];

/** Everything before the last `/` (`releases/v2.zip` -> `releases`); root is ''. */
export function deltaspaceOf(key: string): string {
  const i = key.lastIndexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

/** The last key segment. */
export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** `P/reference.bin`, or `reference.bin` for the root deltaspace (never `/reference.bin`). */
export function referenceKeyOf(deltaspace: string): string {
  return deltaspace === '' ? REFERENCE_NAME : `${deltaspace}/${REFERENCE_NAME}`;
}

/**
 * Compact-profile baselines live at `P/reference.<generation>.delta.delta`. No user key
 * can produce that name: it would be the delta variant of `P/reference.<generation>.delta`,
 * and user keys ending in `.delta` are rejected; its passthrough variant would be a user
 * key ending in `.delta` too. So it never collides with an object, old readers never see
 * it as one, and `P/reference.bin` stays the one compatible reference, untouched.
 * Generations are zero-padded so that backend order is numeric order.
 */
export const COMPACT_REFERENCE_PATTERN = /^reference\.(\d{6})\.delta\.delta$/;
/** Digits of a baseline generation in its key. */
export const GENERATION_DIGITS = 6;

/** `P/reference.000001.delta.delta` (root: `reference.000001.delta.delta`). */
export function compactReferenceKeyOf(deltaspace: string, generation: number): string {
  if (!Number.isInteger(generation) || generation < 1 || generation >= 10 ** GENERATION_DIGITS) {
    throw new RangeError(`baseline generation must be an integer in 1..${10 ** GENERATION_DIGITS - 1}, got ${generation}`);
  }
  const name = `reference.${String(generation).padStart(GENERATION_DIGITS, '0')}${DELTA_SUFFIX}${DELTA_SUFFIX}`;
  return deltaspace === '' ? name : `${deltaspace}/${name}`;
}

/** Generation of a compact baseline key, or undefined for any other key (`reference.bin` included). */
export function generationOf(backendKey: string): number | undefined {
  const m = COMPACT_REFERENCE_PATTERN.exec(fileNameOf(backendKey));
  return m ? Number(m[1]) : undefined;
}

/** Backend key of the delta variant of a user key. */
export function deltaKeyOf(key: string): string {
  return key + DELTA_SUFFIX;
}

/** Is a backend key a delta variant (`k.delta`)? Baselines of the compact profile are too: see isReferenceKey. */
export function isDeltaKey(backendKey: string): boolean {
  return backendKey.endsWith(DELTA_SUFFIX);
}

/** The key a backend key is a variant of: `k` for `k.delta` and for `k` (no check that it is a valid user key). */
export function withoutDeltaSuffix(backendKey: string): string {
  return isDeltaKey(backendKey) ? backendKey.slice(0, -DELTA_SUFFIX.length) : backendKey;
}

/**
 * Throws if the user key cannot be stored: empty, too long, containing NUL or a `.` /
 * `..` segment, or colliding with the internals (last segment `reference.bin` or
 * ending in `.delta`).
 */
export function assertUserKey(key: string): void {
  if (key.length === 0) throw new InvalidKeyError(key, 'Object key must not be empty.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new InvalidKeyError(key, 'Your key is too long (max 1024 bytes).');
  if (key.includes('\0')) throw new InvalidKeyError(key, 'Object key must not contain NUL.');
  // S3-compatible servers that keep objects as files (s3rver, found by the fuzz run)
  // resolve these segments as directory moves: `a/../../x` would be written outside
  // their data directory. MinIO refuses such keys for the same reason.
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new InvalidKeyError(key, 'Object key must not contain "." or ".." path segments.');
  }
  const name = fileNameOf(key);
  if (name === REFERENCE_NAME) {
    throw new ReservedKeyError(key, `The key "${key}" is reserved: "${REFERENCE_NAME}" is the name deltaglider uses for a deltaspace's baseline. Rename the object.`);
  }
  if (name.endsWith(DELTA_SUFFIX)) {
    throw new ReservedKeyError(key, `The key "${key}" is reserved: names ending in "${DELTA_SUFFIX}" are how deltaglider stores deltas. Rename the object.`);
  }
}

/** Is a backend key a baseline: `P/reference.bin` or a compact `P/reference.<generation>.delta.delta`? */
export function isReferenceKey(backendKey: string): boolean {
  return fileNameOf(backendKey) === REFERENCE_NAME || generationOf(backendKey) !== undefined;
}

/** Would a user key be rejected as reserved (last segment `reference.bin` or ending in `.delta`)? */
export function isReservedKey(key: string): boolean {
  const name = fileNameOf(key);
  return name === REFERENCE_NAME || name.endsWith(DELTA_SUFFIX);
}

/**
 * User key shown for a backend key, or undefined when it is hidden: a reference, or any
 * name no user key can be stored under (the variants of reserved keys, such as compact
 * baselines, and names written by other tools that we could never serve).
 */
export function userKeyOf(backendKey: string): string | undefined {
  if (isReferenceKey(backendKey)) return undefined;
  const key = withoutDeltaSuffix(backendKey);
  return isReservedKey(key) ? undefined : key;
}

/**
 * Is `refKey` (read from a delta's `dg-ref-key`) a baseline the delta of `userKey` may
 * use: reference-shaped and in the same deltaspace? Hostile metadata must not make a
 * read fetch an arbitrary object.
 */
export function isValidReferenceFor(userKey: string, refKey: string): boolean {
  return isReferenceKey(refKey) && deltaspaceOf(refKey) === deltaspaceOf(userKey) && !refKey.startsWith('/');
}

/** Decides delta eligibility from the key. */
export type EligibilityPredicate = (key: string) => boolean;

/** Eligibility by extension list (case-insensitive). */
export function eligibleByExtension(extensions: readonly string[] = DEFAULT_ELIGIBLE_EXTENSIONS): EligibilityPredicate {
  const exts = extensions.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase());
  return (key) => {
    const name = fileNameOf(key).toLowerCase();
    return exts.some((e) => name.endsWith(e) && name.length > e.length);
  };
}

/** S3 key order: by UTF-8 bytes (not UTF-16 code units, which differ above U+FFFF). */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  // Fast path: plain ASCII compares the same both ways.
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Bucket names a request may address. New buckets follow isValidBucketName; buckets
 * made under S3's older rules (upper case, underscores, up to 255 characters) still
 * exist, so they are addressed by this looser rule. Anything else (NUL, `/`, a name of
 * dots only) never reaches a backend: s3rver answered `%00abc` with a 500 and resolved
 * `..` as a directory (found by the fuzz run).
 */
export function isAddressableBucketName(name: string): boolean {
  return /^[A-Za-z0-9._-]{1,255}$/.test(name) && !/^\.+$/.test(name);
}

/** S3 bucket naming rules (the subset every backend agrees on). */
export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name) && !name.includes('.-') && !name.includes('-.');
}
