/**
 * GET and HEAD: resolve the key's variant, apply the conditions, and serve verified
 * original bytes. A reader racing an overwrite gets the old or the new object, whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { Readable, Transform, pipeline as streamPipeline } from 'node:stream';
import { DeltaGliderError, IntegrityError } from '../errors.js';
import { parseMetadata } from '../format/metadata.js';
import type { ByteRange } from '../store/object-store.js';
import { evaluateConditions } from './conditions.js';
import type { EngineContext } from './context.js';
import { InconsistentObjectError, InterruptedReadError, ReferenceMissingError, vanished, VariantChangedError, VariantVanishedError } from './race-errors.js';
import { assertNotRanged, assertPartNumber, selectPart, type PartSelection } from './part-number.js';
import { resolveRange } from './range.js';
import { reconstruct } from './reconstruct.js';
import { assertReadableKey, assertReadableProfile, describeStored, needsDecoding, resolveOrThrow, sameObject, type Resolved } from './resolve.js';
import type { GetObjectInput, GetObjectResult, ObjectInfo } from './types.js';

/**
 * Extra attempts a GET makes when the object it resolved changed before it was read (an
 * overwrite landed between the HEAD and the GET, or a backend that rewrites objects in
 * place, like s3rver, was caught mid-write). Each attempt resolves the key afresh.
 */
const GET_RETRIES = 4;
/** Pause before looking again at an object caught mid-write (ms, times the attempt number). */
const UNSETTLED_PAUSE_MS = 20;
/** Read size of bodies served from local files. */
const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * Passthrough objects up to this size are read whole and verified before the first byte
 * is sent, so a mismatch becomes a retry or a clean S3 error; larger ones are verified
 * while streaming (a mismatch then cuts the response before its last chunk).
 */
export const VERIFY_BEFORE_SENDING_BYTES = 1024 * 1024;

/** HEAD: the original's description, conditions applied. */
export async function headObject(ctx: EngineContext, input: { bucket: string; key: string; conditions?: GetObjectInput['conditions'] }): Promise<ObjectInfo> {
  assertReadableKey(input.key);
  const r = await resolveOrThrow(ctx.store, input.bucket, input.key);
  evaluateConditions(input.conditions, r.info.etag, r.info.lastModified, true);
  return r.info;
}

/** HEAD `?partNumber=N`: the object's description and where part N lies in it. */
export async function headObjectPart(ctx: EngineContext, input: { bucket: string; key: string; partNumber: number; conditions?: GetObjectInput['conditions'] }): Promise<{ info: ObjectInfo } & PartSelection> {
  assertReadableKey(input.key);
  assertPartNumber(input.partNumber);
  const r = await resolveOrThrow(ctx.store, input.bucket, input.key);
  evaluateConditions(input.conditions, r.info.etag, r.info.lastModified, true);
  return { info: r.info, ...(await selectPart(ctx, input.bucket, r, input.partNumber, r.info.size)) };
}

/** MD5 of zero bytes: the only single-PUT ETag an empty object can have. */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/**
 * GET: original bytes, verified before the first byte leaves (passthrough objects over
 * VERIFY_BEFORE_SENDING_BYTES: while streaming). Whatever changed between resolving and
 * reading is resolved again.
 */
export async function getObject(ctx: EngineContext, input: GetObjectInput): Promise<GetObjectResult> {
  assertReadableKey(input.key);
  assertNotRanged(input.partNumber, input.range);
  if (input.partNumber !== undefined) assertPartNumber(input.partNumber);
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= GET_RETRIES;
    try {
      return await getResolved(ctx, input, last);
    } catch (err) {
      // The variant we resolved was deleted or replaced by a concurrent overwrite before
      // we read it, or caught mid-write: resolve again. A missing reference is an
      // IntegrityError, not NoSuchKey, and is not retried.
      if (last) throw err;
      if (err instanceof VariantVanishedError) continue;
      // A replaced object is usually readable at once; one caught mid-write needs a moment.
      if (err instanceof VariantChangedError || err instanceof InconsistentObjectError || err instanceof InterruptedReadError) {
        await pause(UNSETTLED_PAUSE_MS * (err instanceof VariantChangedError ? attempt : attempt + 1));
        continue;
      }
      throw err;
    }
  }
}

async function getResolved(ctx: EngineContext, input: GetObjectInput, last: boolean): Promise<GetObjectResult> {
  const r = await resolveOrThrow(ctx.store, input.bucket, input.key);
  evaluateConditions(input.conditions, r.info.etag, r.info.lastModified, true);
  const where = `${input.bucket}/${r.stored.key}`;
  assertReadableProfile(r.meta, where);
  // Stored bytes that are not the original (compressed, or a gzip's inner stream) are
  // never streamed as they are, whatever key they sit under: they are rebuilt and verified.
  if (r.info.storageType === 'passthrough' && !needsDecoding(r.meta)) {
    const part = input.partNumber === undefined ? undefined : await selectPart(ctx, input.bucket, r, input.partNumber, r.info.size);
    if (part && !part.range) return { info: r.info, body: Readable.from([]), contentLength: 0, partsCount: part.partsCount };
    return { ...(await getPassthrough(ctx, input, r, part?.range)), partsCount: part?.partsCount };
  }
  if (!r.meta.fileSha256) {
    // Without the original's SHA-256 a reconstruction cannot be verified (and a backend
    // caught rewriting the object's metadata in place shows exactly this): never serve it.
    throw new InconsistentObjectError(`the delta ${where} has no dg-file-sha256: its reconstruction cannot be verified`);
  }
  if (!last && r.meta.deltaSize !== undefined && r.meta.deltaSize !== r.stored.size) {
    // A hint only (other tools may count differently): the reconstruction is verified anyway.
    throw new InconsistentObjectError(`the delta ${where} has ${r.stored.size} bytes on the backend, its metadata says ${r.meta.deltaSize}`);
  }
  // Verified reconstructions are kept (LRU by bytes, on disk) under the delta's backend
  // ETag and the original's SHA-256: a warm GET streams a file that already passed the
  // check, and concurrent GETs of one object decode it once.
  const sha256 = r.meta.fileSha256;
  const held = await ctx.reconstructions.acquire(`${input.bucket}\0${r.stored.key}\0${r.stored.etag}\0${sha256}`, async () => {
    const out = await reconstruct(ctx, input.bucket, r, input.signal).catch((err: unknown) =>
      err instanceof IntegrityError && !(err instanceof ReferenceMissingError) ? settleOrThrow(ctx, input.bucket, r, err) : Promise.reject(err),
    );
    const path = ctx.temp.file('cached');
    await rename(out.path, path);
    return { path, size: out.size, sha256, etag: r.stored.etag };
  });
  const out = held.reference;
  // A delta without dg-file-size (lenient reading): its size is known once rebuilt.
  const info = r.meta.fileSize === undefined ? { ...r.info, size: out.size } : r.info;
  let range;
  let part: PartSelection | undefined;
  try {
    if (input.partNumber !== undefined) part = await selectPart(ctx, input.bucket, r, input.partNumber, info.size);
    range = part ? part.range : resolveRange(input.range, info.size);
  } catch (err) {
    held.release();
    throw err;
  }
  const partsCount = part?.partsCount;
  const contentLength = range ? range.end - range.start + 1 : part ? 0 : info.size;
  if (out.size === 0 || contentLength === 0) {
    held.release();
    return { info, body: Readable.from([]), range, contentLength, partsCount };
  }
  const body = createReadStream(out.path, { highWaterMark: READ_CHUNK_BYTES, ...(range ? { start: range.start, end: range.end } : {}) });
  body.once('close', held.release);
  return { info, body, range, contentLength, partsCount };
}

/** `partRange`: the bounds of the part asked for, which take the place of the Range header. */
async function getPassthrough(ctx: EngineContext, input: GetObjectInput, resolved: Resolved, partRange?: ByteRange): Promise<GetObjectResult> {
  const where = `${input.bucket}/${resolved.stored.key}`;
  if (resolved.meta.fileSize !== undefined && resolved.meta.fileSize !== resolved.stored.size) {
    // The backend reports a size other than the one we recorded: the object is being
    // rewritten in place (s3rver and other non-atomic backends) or was damaged.
    throw new InconsistentObjectError(`${where} has ${resolved.stored.size} bytes on the backend, its metadata says ${resolved.meta.fileSize}`);
  }
  const range = partRange ?? resolveRange(input.range, resolved.info.size);
  if (resolved.info.size === 0) {
    // An empty object's MD5 is known: an empty file under another single-PUT ETag is a
    // backend that writes in place (s3rver) caught before the bytes arrived.
    if (/^[0-9a-f]{32}$/.test(resolved.stored.etag) && resolved.stored.etag !== EMPTY_MD5) {
      throw new InconsistentObjectError(`${where} is empty on the backend under ETag ${resolved.stored.etag}, the MD5 of other bytes`);
    }
    return { info: resolved.info, body: Readable.from([]), range, contentLength: 0 };
  }
  const got = await ctx.store.getObject(input.bucket, resolved.stored.key, range).catch(vanished(input.key));
  let r = resolved;
  if (!sameObject(got.info, resolved.stored)) {
    // Overwritten between the HEAD and the GET: the GET's own description is the one
    // that matches the bytes it carries (a range resolved against the old size is retried).
    r = describeStored(input.key, got.info, false);
    const unusable = range !== undefined || (r.meta.fileSize !== undefined && r.meta.fileSize !== got.info.size);
    try {
      if (unusable) throw new VariantChangedError(`${where} changed between its HEAD and its GET`);
      evaluateConditions(input.conditions, r.info.etag, r.info.lastModified, true);
    } catch (err) {
      got.body.destroy();
      throw err;
    }
  }
  const contentLength = range ? range.end - range.start + 1 : r.info.size;
  // A pending object streamed to S3 has no dg-file-sha256 yet; its backend ETag (one
  // PUT: the MD5 of its bytes) checks it instead, so a torn read is retried all the same.
  const pendingMd5 = r.meta.pending !== undefined && !r.meta.fileSha256 && /^[0-9a-f]{32}$/.test(got.info.etag) ? got.info.etag : undefined;
  const check = r.meta.fileSha256 ? { algorithm: 'sha256', digest: r.meta.fileSha256 } : pendingMd5 ? { algorithm: 'md5', digest: pendingMd5 } : undefined;
  if (range || !check || (r.meta.fileSize !== undefined && r.meta.fileSize !== r.info.size)) return { info: r.info, body: got.body, range, contentLength };
  if (r.info.size > VERIFY_BEFORE_SENDING_BYTES) {
    // A large object is checked against its recorded digest as it streams: bit rot
    // ends the response in an error instead of completing it with wrong bytes.
    return { info: r.info, body: verifyStream(got.body, check, r.info.size, where), range, contentLength };
  }
  const bytes = await readWhole(got.body, r.info.size, where);
  const digest = createHash(check.algorithm).update(bytes).digest('hex');
  if (bytes.length !== r.info.size || digest !== check.digest) {
    await settleOrThrow(ctx, input.bucket, r, new IntegrityError(`${where} failed verification: ${bytes.length} bytes with ${check.algorithm} ${digest}, expected ${r.info.size} bytes with ${check.digest}`));
  }
  return { info: r.info, body: Readable.from([bytes]), range, contentLength };
}

/**
 * A verification failed. If the stored object changed meanwhile (a backend that writes
 * in place published the bytes before the metadata), the read was torn: throw
 * VariantChangedError so the GET starts over. Otherwise the stored data is damaged.
 */
async function settleOrThrow(ctx: EngineContext, bucket: string, r: Resolved, failure: Error): Promise<never> {
  await pause(UNSETTLED_PAUSE_MS);
  const now = await ctx.store.headObject(bucket, r.stored.key);
  if (!now || !sameObject(now, r.stored) || parseMetadata(now.metadata).fileSha256 !== r.meta.fileSha256) throw new VariantChangedError(`${bucket}/${r.stored.key} changed while it was being read`);
  throw failure;
}

function pause(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** Reads a stream of an expected size into memory (at most one chunk more, to notice a longer body). */
async function readWhole(body: Readable, size: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let seen = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      seen += (chunk as Buffer).length;
      if (seen > size) {
        body.destroy();
        break;
      }
    }
  } catch (err) {
    if (err instanceof DeltaGliderError) throw err;
    throw new InterruptedReadError(`reading ${what} from the backend failed: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(chunks);
}

/**
 * Passes `source` through, failing at the end if its digest (SHA-256, or MD5 for a
 * pending object without one) or length is not the expected one. The last chunk is held back until the check passes: a client that
 * was promised Content-Length bytes can never receive a complete body that failed.
 */
function verifyStream(source: Readable, expected: { algorithm: string; digest: string }, size: number, what: string): Readable {
  const hash = createHash(expected.algorithm);
  const sha256 = expected.digest;
  let seen = 0;
  let held: Buffer | undefined;
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      hash.update(chunk);
      const previous = held;
      held = chunk;
      cb(null, previous);
    },
    flush(cb) {
      const got = hash.digest('hex');
      if (seen !== size || got !== sha256) {
        cb(new IntegrityError(`${what} failed verification while streaming: ${seen} bytes with ${expected.algorithm} ${got}, expected ${size} bytes with ${sha256}`));
      } else cb(null, held);
    },
  });
  streamPipeline(source, check, () => undefined);
  return check;
}
