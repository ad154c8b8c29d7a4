/**
 * `dg-part-sizes`: the part sizes of an object stored by a multipart Complete, so that
 * GET/HEAD `?partNumber=N` can serve part N of an object the backend holds as one blob or
 * as a delta (docs/STORAGE_FORMAT.md, addendum "part sizes").
 *
 * Runs of equal sizes are written once with a count (`8388608x12,1234`: twelve parts of
 * 8 MiB, then one of 1234 bytes), so the usual upload (equal parts, a shorter last one)
 * takes a few dozen characters whatever its part count.
 */

/**
 * Longest `dg-part-sizes` value written. S3 caps all user metadata of an object at 2 KB and
 * the DeltaGlider fields plus the client's own metadata take most of it; an upload whose
 * sizes do not fit is stored without the record (its parts are then not addressable).
 */
export const MAX_PART_SIZES_CHARS = 256;

/** S3's highest part number (also the most parts an object can have). */
export const MAX_PART_NUMBER = 10_000;

const RUN = /^(\d{1,16})(?:x(\d{1,5}))?$/;

/** The record for these part sizes, or undefined when it would exceed MAX_PART_SIZES_CHARS. */
export function formatPartSizes(sizes: readonly number[]): string | undefined {
  const runs: string[] = [];
  for (let i = 0; i < sizes.length; ) {
    let j = i + 1;
    while (j < sizes.length && sizes[j] === sizes[i]) j++;
    runs.push(j - i === 1 ? String(sizes[i]) : `${sizes[i]}x${j - i}`);
    i = j;
  }
  const text = runs.join(',');
  return text.length > 0 && text.length <= MAX_PART_SIZES_CHARS ? text : undefined;
}

/**
 * The part sizes a record describes, or undefined when it does not parse strictly or does
 * not add up to `total` (a record that disagrees with the object is not used).
 */
export function parsePartSizes(text: string | undefined, total: number): number[] | undefined {
  if (text === undefined || text.length > MAX_PART_SIZES_CHARS) return undefined;
  const sizes: number[] = [];
  for (const run of text.split(',')) {
    const m = RUN.exec(run);
    if (!m) return undefined;
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (count < 1 || sizes.length + count > MAX_PART_NUMBER) return undefined;
    for (let i = 0; i < count; i++) sizes.push(Number(m[1]));
  }
  return sizes.reduce((a, b) => a + b, 0) === total ? sizes : undefined;
}
