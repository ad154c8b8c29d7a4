/**
 * GET/HEAD `?partNumber=N`: which bytes of an object part N is, as S3 answers it.
 *
 * - Stored by our multipart Complete with `dg-part-sizes`: part N of the sizes recorded
 *   (whatever the backend holds: a delta, a passthrough blob, a pending object), with the
 *   part count. The ETag stays the object's own (the MD5 of the whole object).
 * - A plain object uploaded to the backend in parts by another client (ETag `...-K`): the
 *   backend is asked where part N lies. A backend that does not say (RGW 16.2 ignores the
 *   parameter), or a store without parts, refuses it (PartLayoutUnknownError): a guess could
 *   serve the wrong bytes for a part.
 * - Anything else (one PUT, or a record too long to keep) is one part: part 1 is the whole
 *   object, as S3 answers for an object that was not uploaded in parts.
 */
import { InvalidArgumentError, InvalidPartNumberError, InvalidRequestError, PartLayoutUnknownError } from '../errors.js';
import { MAX_PART_NUMBER } from '../format/part-sizes.js';
import type { ByteRange } from '../store/object-store.js';
import type { EngineContext } from './context.js';
import type { Resolved } from './resolve.js';

/** Where a part lies in the object, and how many parts the object has (undefined: not stored in parts). */
export interface PartSelection {
  /** Inclusive bounds; undefined for an empty part (no byte range can name it). */
  range?: ByteRange;
  partsCount?: number;
}

/** An S3 multipart ETag (`<md5 of md5s>-<part count>`) names its part count. */
const MULTIPART_ETAG = /^[0-9a-f]{32}-(\d+)$/i;

/** Throws S3's InvalidArgument for a part number outside 1..10000 (UploadPart, GET, HEAD). */
export function assertPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new InvalidArgumentError(`Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`);
  }
}

/** A `partNumber` query value as S3 accepts it (digits only), or InvalidArgument. */
export function parsePartNumber(text: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  assertPartNumber(n);
  return n;
}

/** S3 refuses a part and a byte range in one request rather than pick one. */
export function assertNotRanged(partNumber: number | undefined, range: string | undefined): void {
  if (partNumber !== undefined && range !== undefined && range !== '') throw new InvalidRequestError('Cannot specify both Range header and partNumber query parameter');
}

/** Part `partNumber` of the resolved object of `size` original bytes. */
export async function selectPart(ctx: EngineContext, bucket: string, r: Resolved, partNumber: number, size: number): Promise<PartSelection> {
  assertPartNumber(partNumber);
  const sizes = r.info.partSizes;
  if (sizes) {
    if (partNumber > sizes.length) throw new InvalidPartNumberError(partNumber);
    let start = 0;
    for (let i = 0; i < partNumber - 1; i++) start += sizes[i] as number;
    const length = sizes[partNumber - 1] as number;
    return { range: length === 0 ? undefined : { start, end: start + length - 1 }, partsCount: sizes.length };
  }
  const multipart = MULTIPART_ETAG.exec(r.info.etag);
  if (multipart) {
    const count = Number(multipart[1]);
    if (partNumber > count) throw new InvalidPartNumberError(partNumber);
    // Only an object the backend holds as the client uploaded it has the backend's parts.
    if (!ctx.store.partRange || r.info.storageType !== 'passthrough' || r.stored.key !== r.info.key) throw new PartLayoutUnknownError(r.info.key, count);
    const part = await ctx.store.partRange(bucket, r.stored.key, partNumber);
    if (part.partsCount === undefined || part.size !== size) throw new PartLayoutUnknownError(r.info.key, count);
    return { range: part.range, partsCount: part.partsCount };
  }
  if (partNumber > 1) throw new InvalidPartNumberError(partNumber);
  return { range: size === 0 ? undefined : { start: 0, end: size - 1 } };
}
