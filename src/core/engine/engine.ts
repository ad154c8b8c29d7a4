/**
 * The delta engine: the one place where DeltaGlider's PUT/GET/DELETE/LIST rules live.
 * Every way in (SDK plugin, middleware, reverse proxy) is a thin adapter over this.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, rename, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Readable, Transform, pipeline as streamPipeline } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { mapLimit, Semaphore } from '../concurrency.js';
import { ReferenceCache, type CachedReference } from '../cache/reference-cache.js';
import {
  BackendError,
  DeltaGliderError,
  DeltaTooLargeError,
  EntityTooLargeError,
  IntegrityError,
  InvalidBucketNameError,
  UnsupportedFormatError,
  NoSuchBucketError,
  NoSuchKeyError,
  PreconditionFailedError,
  ReservedKeyError,
} from '../errors.js';
import {
  assertUserKey,
  compactReferenceKeyOf,
  deltaKeyOf,
  deltaspaceOf,
  fileNameOf,
  isValidBucketName,
  generationOf,
  isReferenceKey,
  isValidReferenceFor,
  referenceKeyOf,
  REFERENCE_NAME,
  userKeyOf,
} from '../format/keys.js';
import {
  compressedMetadata,
  deltaMetadata,
  parseMetadata,
  passthroughMetadata,
  referenceMetadata,
  type CompactFields,
  type ParsedMetadata,
} from '../format/metadata.js';
import { COMPACT_FORMAT_VERSION, COMPACT_PROFILE_TAG, parseProfileTag } from '../format/profile.js';
import { compressFile, decodedBody, estimateCompressedSize } from '../compress/storage-compression.js';
import { formatGzipRecipe, parseGzipRecipe, probeGzip, rebuildGzip, type GzipInner } from '../compress/gzip-recipe.js';
import { KeyedRwLock } from '../rw-lock.js';
import { removeQuietly, spoolToFile, TempDir, type Spool } from '../spool.js';
import type { StoredHeaders, StoredObjectInfo } from '../store/object-store.js';
import { evaluateConditions } from './conditions.js';
import { listUserObjects } from './listing.js';
import { MultipartUploads } from './multipart.js';
import { DEFAULT_LIST_HEAD_CONCURRENCY, resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js';
import { resolveRange } from './range.js';
import type {
  CopyObjectInput,
  CopyObjectResult,
  DeleteObjectsResult,
  GetObjectInput,
  GetObjectResult,
  ListObjectsInput,
  ListObjectsResult,
  ObjectInfo,
  PutObjectInput,
  PutObjectResult,
  StorageType,
} from './types.js';

/** Extra looks a read takes before it answers 404 (an overwrite may be switching variant). */
const RESOLVE_RECHECKS = 2;
/**
 * Extra attempts a GET makes when the object it resolved changed before it was read (an
 * overwrite landed between the HEAD and the GET, or a backend that rewrites objects in
 * place, like s3rver, was caught mid-write). Each attempt resolves the key afresh.
 */
const GET_RETRIES = 4;
/** Pause before looking again at an object caught mid-write (ms, times the attempt number). */
const UNSETTLED_PAUSE_MS = 20;
/**
 * Passthrough objects up to this size are read whole and verified before the first byte
 * is sent, so a mismatch becomes a retry or a clean S3 error; larger ones are verified
 * while streaming (a mismatch then cuts the response before its last chunk).
 */
export const VERIFY_BEFORE_SENDING_BYTES = 1024 * 1024;
/** A delta this many times the smallest seen against its baseline counts as drift (rotation's first condition). */
const DRIFT_FACTOR = 2;
/** What #storeCompact answers when the upload should become the next baseline. */
const ROTATE = Symbol('rotate baseline');
/**
 * A source whose sampled compressed size is this many times its delta is not compressed
 * in full: the samples err high on data with long-range redundancy, never by this much on
 * the bench families (ts-tar: estimate 1.8x the real size; bcd-json 1.5x; esbuild-bin, ts-zip 1.0x).
 */
const COMPRESSION_SKIP_FACTOR = 3;
/** Deltas smaller than this are not worth a compression attempt (the frame costs more than it saves). */
const MIN_COMPRESSIBLE_DELTA_BYTES = 4096;

/** Bytes on local disk with their digests (a spool, or the inner stream of a gzip upload). */
interface SourceFile {
  path: string;
  size: number;
  sha256: string;
  md5: string;
}

/** The compact fields every compact write carries. */
function compactFields(compression: string, gz?: GzipInner): CompactFields {
  return { profile: COMPACT_PROFILE_TAG, compression, gzip: gz ? formatGzipRecipe(gz.recipe) : undefined };
}

/** How a user key is held on the backend right now. */
interface Resolved {
  info: ObjectInfo;
  stored: StoredObjectInfo;
  meta: ParsedMetadata;
}

/** What an internal put needs besides the spooled bytes. */
interface PutFields {
  bucket: string;
  key: string;
  contentType?: string;
  userMetadata?: Record<string, string>;
  headers?: StoredHeaders;
  conditions?: PutObjectInput['conditions'];
  signal?: AbortSignal;
}

/**
 * The DeltaGlider engine over an ObjectStore.
 *
 * @example
 * const engine = new DeltaGliderEngine({ store: new FileSystemStore('./data'), codec: await createCodec() });
 * await engine.createBucket('builds');
 * await engine.putObject({ bucket: 'builds', key: 'releases/v1.zip', body: createReadStream('v1.zip') });
 */
export class DeltaGliderEngine {
  readonly options: ResolvedEngineOptions;
  readonly temp: TempDir;
  readonly references: ReferenceCache;
  /** Verified reconstructions of delta objects, reused by warm GETs. */
  readonly reconstructions: ReferenceCache;
  readonly codecSlots: Semaphore;
  readonly multipart: MultipartUploads;
  readonly #locks = new KeyedRwLock();
  /**
   * Smallest delta/original ratio seen per baseline (bucket + key), for rotation's drift
   * check. Per process and forgotten on restart: rotation is an optimisation, and a
   * forgotten history only delays it.
   */
  readonly #bestRatios = new LRUCache<string, number>({ max: 10_000 });

  constructor(options: EngineOptions) {
    this.options = resolveEngineOptions(options);
    this.temp = new TempDir(this.options.tempDir);
    this.references = new ReferenceCache(this.options.referenceCacheBytes);
    this.reconstructions = new ReferenceCache(this.options.reconstructionCacheBytes);
    this.codecSlots = new Semaphore(this.options.codecConcurrency);
    this.multipart = new MultipartUploads(this);
  }

  get store() {
    return this.options.store;
  }

  /** Frees temp files and cache entries (shutdown). */
  async close(): Promise<void> {
    await this.references.clear();
    await this.reconstructions.clear();
    this.multipart.clear();
    this.temp.dispose();
  }

  // ---------------------------------------------------------------- PUT

  /** Stores an object under the DeltaGlider rules (FORMAT.md "Decision on PUT"). */
  async putObject(input: PutObjectInput): Promise<PutObjectResult> {
    assertUserKey(input.key);
    // A declared size over the limit is refused before a byte is read, as S3 does (a
    // client announcing 100 TB would otherwise hold the connection until it gives up).
    if (input.contentLength !== undefined && input.contentLength > this.options.maxObjectSize) {
      throw new EntityTooLargeError(input.contentLength, this.options.maxObjectSize);
    }
    const spool = await spoolToFile(input.body, this.temp, {
      expectedSize: input.contentLength,
      maxSize: this.options.maxObjectSize,
      contentMd5: input.contentMd5,
      signal: input.signal,
    });
    try {
      return await this.putSpool(spool, input);
    } finally {
      await removeQuietly(spool.path);
    }
  }

  /** Stores an already spooled body (multipart completion, copy). The caller owns the spool file. */
  async putSpool(spool: Spool, fields: PutFields): Promise<PutObjectResult> {
    assertUserKey(fields.key);
    const { bucket, key } = fields;
    if (fields.conditions && (fields.conditions.ifMatch !== undefined || fields.conditions.ifNoneMatch !== undefined)) {
      const current = await this.#resolve(bucket, key);
      if (!current) {
        if (fields.conditions.ifMatch !== undefined) throw new NoSuchKeyError(key);
      } else {
        evaluateConditions(fields.conditions, current.info.etag, current.info.lastModified, false);
      }
    }
    const eligible = this.options.eligible(key) && spool.size <= this.options.maxDeltaObjectSize;
    let result: PutObjectResult;
    if (!eligible) result = await this.#putPassthrough(spool, fields);
    else if (this.options.profile(bucket, key) === 'compact') result = await this.#putCompact(spool, fields);
    else result = await this.#putEligible(spool, fields);
    this.options.observer.onPut?.({ storageType: result.storageType, size: result.size, storedSize: result.storedSize, ratio: result.deltaRatio, encodeMs: result.encodeMs });
    this.options.logger.debug({ bucket, key, storageType: result.storageType, size: result.size, stored: result.storedSize, ratio: result.deltaRatio }, 'put');
    return result;
  }

  async #putPassthrough(spool: Spool, fields: PutFields, deltaRatio?: number, compact = false): Promise<PutObjectResult> {
    const { bucket, key } = fields;
    const metadata = passthroughMetadata({
      fileSha256: spool.sha256,
      fileSize: spool.size,
      md5: spool.md5,
      createdAt: new Date(),
      fileName: fileNameOf(key),
      contentType: fields.contentType,
      userMetadata: fields.userMetadata,
      compact: compact ? compactFields('none') : undefined,
    });
    // New variant first, then the old one goes: the key is never missing.
    await this.#locks.exclusive(this.#keyLock(bucket, key), async () => {
      await this.store.putObject(bucket, key, spool, { metadata, contentType: fields.contentType, headers: fields.headers, md5: spool.md5 });
      await this.store.deleteObject(bucket, deltaKeyOf(key));
    });
    return { etag: spool.md5, storageType: 'passthrough', size: spool.size, storedSize: spool.size, sha256: spool.sha256, deltaRatio, createdReference: false };
  }

  async #putEligible(spool: Spool, fields: PutFields): Promise<PutObjectResult> {
    const { bucket, key } = fields;
    const space = deltaspaceOf(key);
    const refKey = referenceKeyOf(space);
    const lockName = `${bucket}\0${space}`;

    for (let attempt = 0; ; attempt++) {
      // Create the reference if the deltaspace has none (exclusive: one creator). The
      // self-delta is written under the same lock, so a concurrent DELETE's reference
      // collection cannot see the new reference alone and remove it.
      if (!(await this.store.headObject(bucket, refKey))) {
        const done = await this.#locks.exclusive(lockName, async () => {
          if (await this.store.headObject(bucket, refKey)) return undefined;
          try {
            await this.store.putObject(bucket, refKey, spool, {
              metadata: referenceMetadata({ fileSha256: spool.sha256, fileSize: spool.size, md5: spool.md5, createdAt: new Date(), sourceKey: key }),
              contentType: 'application/octet-stream',
              ifNoneMatch: true,
              md5: spool.md5,
            });
          } catch (err) {
            // Another writer (another process) won the race: use theirs.
            if (err instanceof PreconditionFailedError) return undefined;
            throw err;
          }
          await this.#seedReferenceCache(bucket, refKey, spool);
          const self = { path: spool.path, size: spool.size, sha256: spool.sha256, release: () => undefined };
          return this.#storeEncoded(spool, fields, refKey, self, true);
        });
        if (done) return done;
      }
      try {
        return await this.#locks.shared(lockName, async () => {
          const reference = await this.#acquireReference(bucket, refKey);
          return this.#storeEncoded(spool, fields, refKey, reference, false);
        });
      } catch (err) {
        // The deltaspace's last object was deleted (and its reference collected) between
        // our HEAD and taking the lock: start over, creating a fresh reference.
        if (err instanceof ReferenceMissingError && attempt < 3) continue;
        throw err;
      }
    }
  }

  /** Encodes against a held reference and writes the delta (or a passthrough when it does not pay). */
  async #storeEncoded(spool: Spool, fields: PutFields, refKey: string, reference: { path: string; sha256: string; release: () => void }, created: boolean): Promise<PutObjectResult> {
    const { bucket, key } = fields;
    const deltaPath = this.temp.file('delta');
    try {
      const limit = created ? undefined : Math.floor(this.options.maxDeltaRatio * spool.size);
      let encoded;
      const t0 = performance.now();
      try {
        encoded = await this.#withCodec(() =>
          this.options.codec.encode(reference.path, spool.path, deltaPath, { maxOutputBytes: limit, signal: fields.signal, level: this.options.codecLevel }),
        );
      } catch (err) {
        if (err instanceof DeltaTooLargeError) return this.#putPassthrough(spool, fields, undefined);
        throw err;
      }
      const encodeMs = performance.now() - t0;
      const ratio = spool.size === 0 ? 0 : encoded.size / spool.size;
      if (!created && !(ratio < this.options.maxDeltaRatio)) return this.#putPassthrough(spool, fields, ratio);
      const metadata = deltaMetadata({
        fileSha256: spool.sha256,
        fileSize: spool.size,
        md5: spool.md5,
        createdAt: new Date(),
        fileName: fileNameOf(key),
        refKey,
        refSha256: reference.sha256,
        deltaSize: encoded.size,
        deltaCmd: encoded.command,
        contentType: fields.contentType,
        userMetadata: fields.userMetadata,
      });
      await this.#locks.exclusive(this.#keyLock(bucket, key), async () => {
        await this.store.putObject(bucket, deltaKeyOf(key), { path: deltaPath, size: encoded.size }, { metadata, contentType: fields.contentType, headers: fields.headers });
        await this.store.deleteObject(bucket, key);
      });
      return {
        etag: spool.md5,
        storageType: (created ? 'reference' : 'delta') as StorageType,
        size: spool.size,
        // A PUT that created the reference wrote its full copy too: count it.
        storedSize: encoded.size + (created ? spool.size : 0),
        sha256: spool.sha256,
        deltaRatio: ratio,
        createdReference: created,
        encodeMs,
      };
    } finally {
      reference.release();
      await removeQuietly(deltaPath);
    }
  }

  // ---------------------------------------------------------------- PUT (compact profile)

  /**
   * Compact profile (docs/STORAGE_FORMAT.md addendum): the source (the upload, or the
   * inner stream of a reproducible gzip upload) is delta-encoded against the deltaspace's
   * newest baseline, and the object is stored as the smallest of that delta (compressed
   * when that pays), the source compressed on its own, or the upload as is.
   */
  async #putCompact(spool: Spool, fields: PutFields): Promise<PutObjectResult> {
    const { bucket, key } = fields;
    const space = deltaspaceOf(key);
    const lockName = `${bucket}\0${space}`;
    const gz = this.options.gzipAware ? await probeGzip(spool, this.temp, { maxInnerBytes: this.options.maxDeltaObjectSize, signal: fields.signal }) : undefined;
    const source: SourceFile = gz ?? spool;
    try {
      for (let attempt = 0; ; attempt++) {
        const base = await this.#currentBaseline(bucket, space);
        if (base) {
          try {
            const outcome = await this.#locks.shared(lockName, async () => {
              const reference = await this.#acquireReference(bucket, base.key);
              return this.#storeCompact(spool, gz, fields, base.key, reference, false, base.storedSize);
            });
            if (outcome !== ROTATE) return outcome;
          } catch (err) {
            if (!(err instanceof ReferenceMissingError)) throw err;
          }
        }
        // No baseline yet, or the deltas against it have grown past the rotation point:
        // this upload becomes the next generation (exclusive: one creator; old deltas keep theirs).
        const refKey = compactReferenceKeyOf(space, (base?.generation ?? 0) + 1);
        const done = await this.#locks.exclusive(lockName, async () => {
          if ((await this.#currentBaseline(bucket, space))?.key !== base?.key) return undefined; // someone else got there first
          const stored = await this.#storeBaseline(bucket, refKey, source, key);
          if (stored === undefined) return undefined; // another process created it first
          const self = { path: source.path, size: source.size, sha256: source.sha256, release: () => undefined };
          const result = (await this.#storeCompact(spool, gz, fields, refKey, self, true)) as PutObjectResult;
          if (base) this.options.logger.info({ bucket, deltaspace: space, from: base.key, to: refKey, key }, 'new baseline: deltas against the old one had grown past the rotation point');
          return { ...result, storedSize: result.storedSize + stored };
        });
        if (done) return done;
        if (attempt >= 3) throw new IntegrityError(`could not find or create a baseline for ${bucket}/${space === '' ? '(root)' : space} after ${attempt + 1} attempts`);
      }
    } finally {
      if (gz) await removeQuietly(gz.path);
    }
  }

  /**
   * The baseline new deltas of a deltaspace use: its newest compact baseline, else its
   * compatible `reference.bin` (generation 0), else none. One LIST of `P/reference.` finds both.
   */
  async #currentBaseline(bucket: string, space: string): Promise<{ key: string; generation: number; storedSize: number } | undefined> {
    const baselines = await this.#listBaselines(bucket, space);
    return baselines[baselines.length - 1];
  }

  /** A deltaspace's baselines, oldest generation first (`reference.bin` is generation 0). */
  async #listBaselines(bucket: string, space: string): Promise<{ key: string; generation: number; storedSize: number }[]> {
    const prefix = `${space === '' ? '' : `${space}/`}reference.`;
    const found: { key: string; generation: number; storedSize: number }[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listObjects(bucket, { prefix, delimiter: '/', startAfter: after, maxKeys: 1000 });
      for (const o of page.objects) {
        const generation = fileNameOf(o.key) === REFERENCE_NAME ? 0 : generationOf(o.key);
        if (generation !== undefined) found.push({ key: o.key, generation, storedSize: o.size });
      }
      if (!page.isTruncated) break;
      after = page.nextStartAfter;
    }
    return found.sort((a, b) => a.generation - b.generation);
  }

  /** Writes a compact baseline (compressed when that is smaller); its stored size, or undefined when another writer created it first. */
  async #storeBaseline(bucket: string, refKey: string, source: SourceFile, sourceKey: string): Promise<number | undefined> {
    const packed = this.temp.file('ref-br');
    try {
      const compressed = await compressFile(source.path, packed, { level: this.options.compressionLevel, size: source.size, maxOutputBytes: source.size });
      const body = compressed !== undefined ? { path: packed, size: compressed } : { path: source.path, size: source.size };
      try {
        await this.store.putObject(bucket, refKey, body, {
          metadata: referenceMetadata({ fileSha256: source.sha256, fileSize: source.size, md5: source.md5, createdAt: new Date(), sourceKey, compact: compactFields(compressed !== undefined ? 'br' : 'none') }),
          contentType: 'application/octet-stream',
          ifNoneMatch: true,
          md5: compressed !== undefined ? undefined : source.md5,
        });
      } catch (err) {
        if (err instanceof PreconditionFailedError) return undefined;
        throw err;
      }
      await this.#seedReferenceCache(bucket, refKey, source);
      return body.size;
    } finally {
      await removeQuietly(packed);
    }
  }

  /**
   * Stores the smallest of delta, compressed and raw for a compact write against a held
   * baseline, or answers ROTATE (storing nothing) when the delta has grown past the
   * rotation point and this upload should become the next baseline instead.
   * `baselineStored` (bytes the baseline occupies on the backend) enables that check.
   */
  async #storeCompact(spool: Spool, gz: GzipInner | undefined, fields: PutFields, refKey: string, reference: { path: string; size?: number; sha256: string; release: () => void }, created: boolean, baselineStored?: number): Promise<PutObjectResult | typeof ROTATE> {
    const { bucket, key } = fields;
    const source: SourceFile = gz ?? spool;
    const deltaPath = this.temp.file('delta');
    const packedDelta = this.temp.file('delta-br');
    const packedSource = this.temp.file('obj-br');
    try {
      const level = this.options.compressionLevel;
      let delta: { path: string; size: number; compression: string; command: string } | undefined;
      const t0 = performance.now();
      try {
        // A delta no smaller than the upload itself can never be chosen: stop the encoder there.
        const encoded = await this.#withCodec(() =>
          this.options.codec.encode(reference.path, source.path, deltaPath, { maxOutputBytes: created ? undefined : Math.max(0, spool.size - 1), signal: fields.signal, level: this.options.codecLevel }),
        );
        delta = { path: deltaPath, size: encoded.size, compression: 'none', command: encoded.command };
      } catch (err) {
        if (!(err instanceof DeltaTooLargeError)) throw err;
      }
      const encodeMs = performance.now() - t0;
      const deltaRatio = delta && spool.size > 0 ? delta.size / spool.size : undefined;
      // Rotation, when both hold: (1) drift: this delta is DRIFT_FACTOR x the smallest delta
      // ratio this process has seen against the same baseline (deltas that were large from
      // the start, as between zips, gain nothing from a new baseline); (2) cost: the delta is
      // at least baselineRotationRatio of what the new baseline will cost (the source
      // compressed as well as the current baseline compresses). A delta no smaller than the
      // source means an unrelated or incompressible upload, not a drifting release.
      const rotation = this.options.baselineRotationRatio;
      if (!created && delta && deltaRatio !== undefined && delta.size < source.size) {
        const id = `${bucket}\0${refKey}`;
        const best = this.#bestRatios.get(id);
        if (best === undefined || deltaRatio < best) this.#bestRatios.set(id, deltaRatio);
        if (rotation > 0 && best !== undefined && deltaRatio >= DRIFT_FACTOR * best && baselineStored !== undefined && reference.size) {
          const estimate = source.size * Math.min(1, baselineStored / reference.size);
          if (delta.size >= rotation * estimate) return ROTATE;
        }
      }
      // Deltas without secondary compression (the TypeScript codec's) shrink further; the
      // xdelta3 codec's LZMA-compressed ones do not, which a sample tells cheaply.
      if (delta && delta.size >= MIN_COMPRESSIBLE_DELTA_BYTES && (await estimateCompressedSize(delta.path, delta.size, level)) < delta.size * 0.95) {
        const packed = await compressFile(deltaPath, packedDelta, { level, size: delta.size, maxOutputBytes: delta.size, signal: fields.signal });
        if (packed !== undefined) delta = { ...delta, path: packedDelta, size: packed, compression: 'br' };
      }
      // The source compressed on its own, kept only if smaller than the delta and the upload
      // (the seed needs none: the baseline holds its bytes). Skipped when samples say it
      // would come out at several times the delta: brotli cannot be stopped early.
      let packed: number | undefined;
      if (!created && !(delta && (await estimateCompressedSize(source.path, source.size, level)) >= COMPRESSION_SKIP_FACTOR * delta.size)) {
        packed = await compressFile(source.path, packedSource, { level, size: source.size, maxOutputBytes: Math.min(delta?.size ?? Number.POSITIVE_INFINITY, spool.size), signal: fields.signal });
      }
      const common = { fileSha256: spool.sha256, fileSize: spool.size, md5: spool.md5, createdAt: new Date(), fileName: fileNameOf(key), contentType: fields.contentType, userMetadata: fields.userMetadata };
      let body: { path: string; size: number };
      let metadata: Record<string, string>;
      let storageType: StorageType;
      if (packed !== undefined) {
        body = { path: packedSource, size: packed };
        metadata = compressedMetadata({ ...common, compact: compactFields('br', gz) });
        storageType = 'compressed';
      } else if (delta && (created || delta.size < spool.size)) {
        body = delta;
        metadata = deltaMetadata({ ...common, refKey, refSha256: reference.sha256, deltaSize: delta.size, deltaCmd: delta.command, compact: compactFields(delta.compression, gz) });
        storageType = created ? 'reference' : 'delta';
      } else {
        return await this.#putPassthrough(spool, fields, deltaRatio, true);
      }
      await this.#locks.exclusive(this.#keyLock(bucket, key), async () => {
        await this.store.putObject(bucket, deltaKeyOf(key), body, { metadata, contentType: fields.contentType, headers: fields.headers });
        await this.store.deleteObject(bucket, key);
      });
      return { etag: spool.md5, storageType, size: spool.size, storedSize: body.size, sha256: spool.sha256, deltaRatio, createdReference: created, encodeMs };
    } finally {
      reference.release();
      await Promise.all([removeQuietly(deltaPath), removeQuietly(packedDelta), removeQuietly(packedSource)]);
    }
  }

  /**
   * Lock name for switching a key's variant: "write the new variant, delete the other"
   * must not interleave with another writer of the same key, or two overwrites (one
   * delta, one passthrough) could each delete the other's variant and lose the key.
   */
  #keyLock(bucket: string, key: string): string {
    return `key\0${bucket}\0${key}`;
  }

  async #withCodec<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.codecSlots.acquire();
    this.options.observer.onCodecQueue?.(this.codecSlots.waiting);
    try {
      return await fn();
    } finally {
      release();
      this.options.observer.onCodecQueue?.(this.codecSlots.waiting);
    }
  }

  /** Caches a just-created reference from its spool, so the next PUT or GET does not download it. */
  async #seedReferenceCache(bucket: string, refKey: string, spool: SourceFile): Promise<void> {
    const id = `${bucket}\0${refKey}`;
    this.references.invalidate(id);
    const held = await this.references.acquire(id, async () => {
      const path = this.temp.file('ref');
      await copyFile(spool.path, path);
      return { path, size: spool.size, sha256: spool.sha256, etag: spool.md5 };
    });
    held.release();
  }

  /** A verified local copy of a reference, held until release(). */
  async #acquireReference(bucket: string, refKey: string, expectedSha?: string): Promise<CachedReference & { release: () => void }> {
    const id = `${bucket}\0${refKey}`;
    const load = async (): Promise<CachedReference> => {
      const got = await this.store.getObject(bucket, refKey).catch((err) => {
        if (err instanceof NoSuchKeyError) throw new ReferenceMissingError(`the reference ${refKey} is missing from bucket ${bucket}: deltas in this deltaspace cannot be reconstructed`, { cause: err });
        throw err;
      });
      const meta = parseMetadata(got.info.metadata);
      assertReadableProfile(meta, `the reference ${refKey} in bucket ${bucket}`);
      const compressed = meta.compression !== undefined && meta.compression !== 'none';
      if (compressed && !meta.fileSha256) {
        got.body.destroy();
        throw new IntegrityError(`the compressed reference ${refKey} in bucket ${bucket} has no dg-file-sha256: it cannot be verified`);
      }
      const spool = await spoolToFile(decodedBody(got.body, meta.compression, `the reference ${refKey} in bucket ${bucket}`), this.temp);
      if (meta.fileSha256 && meta.fileSha256 !== spool.sha256) {
        await removeQuietly(spool.path);
        throw new IntegrityError(`the reference ${refKey} in bucket ${bucket} is corrupt: its SHA-256 is ${spool.sha256}, its metadata says ${meta.fileSha256}`);
      }
      // Cache files carry their own label, so a temp-dir audit can tell them from spools.
      const path = this.temp.file('ref');
      await rename(spool.path, path);
      return { path, size: spool.size, sha256: spool.sha256, etag: got.info.etag };
    };
    let held = await this.references.acquire(id, load);
    if (expectedSha && held.reference.sha256 !== expectedSha) {
      // A stale cache entry (the reference was replaced behind our back): reload once.
      held.release();
      this.references.invalidate(id);
      held = await this.references.acquire(id, load);
      if (held.reference.sha256 !== expectedSha) {
        held.release();
        throw new IntegrityError(`the reference ${refKey} in bucket ${bucket} has SHA-256 ${held.reference.sha256}, but the delta was made against ${expectedSha}`);
      }
    }
    return { ...held.reference, release: held.release };
  }

  // ---------------------------------------------------------------- GET / HEAD

  /** Finds the stored variant of a user key; undefined when neither exists. */
  async #resolve(bucket: string, key: string): Promise<Resolved | undefined> {
    // An overwrite that switches variant writes the new one, then deletes the old one.
    // The two HEADs below are not atomic: one may run before the new variant appears and
    // the other after the old one is gone, so "neither" is re-checked before it is final.
    for (let attempt = 0; ; attempt++) {
      const [delta, plain] = await Promise.all([
        this.store.headObject(bucket, deltaKeyOf(key)),
        this.store.headObject(bucket, key),
      ]);
      const stored = delta && plain ? newerComplete(delta, plain) : (delta ?? plain);
      if (stored) return this.#describe(key, stored, stored === delta);
      if (attempt >= RESOLVE_RECHECKS) return undefined;
    }
  }

  #describe(key: string, stored: StoredObjectInfo, isDeltaKey: boolean): Resolved {
    const meta = parseMetadata(stored.metadata);
    const isDelta = isDeltaKey;
    let storageType: StorageType = 'passthrough';
    if (isDelta) {
      if (meta.note === 'compressed' && meta.refKey === undefined && meta.refPath === undefined) storageType = 'compressed';
      else storageType = meta.refSha256 && (meta.fileSha256 === meta.refSha256 || innerSha256Of(meta) === meta.refSha256) ? 'reference' : 'delta';
    }
    const size = isDelta ? (meta.fileSize ?? 0) : stored.size;
    const info: ObjectInfo = {
      key,
      size,
      etag: meta.md5 ?? stored.etag,
      lastModified: stored.lastModified,
      contentType: meta.plain ? stored.contentType : (meta.contentType ?? stored.contentType),
      userMetadata: meta.userMetadata,
      headers: stored.headers ?? {},
      storageType,
      storedSize: stored.size,
      sha256: meta.fileSha256,
      rawMetadata: stored.metadata,
      backendKey: stored.key,
      referenceKey: storageType === 'delta' || storageType === 'reference' ? referenceKeyFor(key, meta) : undefined,
      profile: parseProfileTag(meta.profile)?.profile ?? 'compatible',
    };
    return { info, stored, meta };
  }

  async #resolveOrThrow(bucket: string, key: string): Promise<Resolved> {
    const r = await this.#resolve(bucket, key);
    if (r) return r;
    if (!(await this.store.headBucket(bucket))) throw new NoSuchBucketError(bucket);
    throw new NoSuchKeyError(key);
  }

  /** HEAD: the original's description, conditions applied. */
  async headObject(input: { bucket: string; key: string; conditions?: GetObjectInput['conditions'] }): Promise<ObjectInfo> {
    this.#assertReadableKey(input.key);
    const r = await this.#resolveOrThrow(input.bucket, input.key);
    evaluateConditions(input.conditions, r.info.etag, r.info.lastModified, true);
    return r.info;
  }

  #assertReadableKey(key: string): void {
    try {
      assertUserKey(key);
    } catch (err) {
      // Reading a reserved name is a 404 on S3's terms would hide a misuse; say why.
      if (err instanceof ReservedKeyError) throw err;
      throw new NoSuchKeyError(key);
    }
  }

  /**
   * GET: original bytes, verified before the first byte leaves (passthrough objects over
   * VERIFY_BEFORE_SENDING_BYTES: while streaming). A reader racing an overwrite gets the
   * old or the new object, whole: whatever changed between resolving and reading is
   * resolved again.
   */
  async getObject(input: GetObjectInput): Promise<GetObjectResult> {
    this.#assertReadableKey(input.key);
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= GET_RETRIES;
      try {
        return await this.#getResolved(input, last);
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

  async #getResolved(input: GetObjectInput, last: boolean): Promise<GetObjectResult> {
    const r = await this.#resolveOrThrow(input.bucket, input.key);
    evaluateConditions(input.conditions, r.info.etag, r.info.lastModified, true);
    const where = `${input.bucket}/${r.stored.key}`;
    assertReadableProfile(r.meta, where);
    // Stored bytes that are not the original (compressed, or a gzip's inner stream) are
    // never streamed as they are, whatever key they sit under: they are rebuilt and verified.
    if (r.info.storageType === 'passthrough' && !needsDecoding(r.meta)) return this.#getPassthrough(input, r);
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
    const held = await this.reconstructions.acquire(`${input.bucket}\0${r.stored.key}\0${r.stored.etag}\0${sha256}`, async () => {
      const out = await this.#reconstruct(input.bucket, r, input.signal).catch((err: unknown) =>
        err instanceof IntegrityError && !(err instanceof ReferenceMissingError) ? this.#settleOrThrow(input.bucket, r, err) : Promise.reject(err),
      );
      const path = this.temp.file('cached');
      await rename(out.path, path);
      return { path, size: out.size, sha256, etag: r.stored.etag };
    });
    const out = held.reference;
    // A delta without dg-file-size (lenient reading): its size is known once rebuilt.
    const info = r.meta.fileSize === undefined ? { ...r.info, size: out.size } : r.info;
    let range;
    try {
      range = resolveRange(input.range, info.size);
    } catch (err) {
      held.release();
      throw err;
    }
    const contentLength = range ? range.end - range.start + 1 : info.size;
    if (out.size === 0 || contentLength === 0) {
      held.release();
      return { info, body: Readable.from([]), range, contentLength };
    }
    const body = createReadStream(out.path, { highWaterMark: 1024 * 1024, ...(range ? { start: range.start, end: range.end } : {}) });
    body.once('close', held.release);
    return { info, body, range, contentLength };
  }

  async #getPassthrough(input: GetObjectInput, resolved: Resolved): Promise<GetObjectResult> {
    const where = `${input.bucket}/${resolved.stored.key}`;
    if (resolved.meta.fileSize !== undefined && resolved.meta.fileSize !== resolved.stored.size) {
      // The backend reports a size other than the one we recorded: the object is being
      // rewritten in place (s3rver and other non-atomic backends) or was damaged.
      throw new InconsistentObjectError(`${where} has ${resolved.stored.size} bytes on the backend, its metadata says ${resolved.meta.fileSize}`);
    }
    const range = resolveRange(input.range, resolved.info.size);
    if (resolved.info.size === 0) return { info: resolved.info, body: Readable.from([]), range, contentLength: 0 };
    const got = await this.store.getObject(input.bucket, resolved.stored.key, range).catch(vanished(input.key));
    let r = resolved;
    if (!sameObject(got.info, resolved.stored)) {
      // Overwritten between the HEAD and the GET: the GET's own description is the one
      // that matches the bytes it carries (a range resolved against the old size is retried).
      r = this.#describe(input.key, got.info, false);
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
    const sha256 = r.meta.fileSha256;
    if (range || !sha256 || r.meta.fileSize !== r.info.size) return { info: r.info, body: got.body, range, contentLength };
    if (r.info.size > VERIFY_BEFORE_SENDING_BYTES) {
      // A large object is checked against its recorded SHA-256 as it streams: bit rot
      // ends the response in an error instead of completing it with wrong bytes.
      return { info: r.info, body: verifyStream(got.body, sha256, r.info.size, where), range, contentLength };
    }
    const bytes = await readWhole(got.body, r.info.size, where);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== r.info.size || sha !== sha256) {
      await this.#settleOrThrow(input.bucket, r, new IntegrityError(`${where} failed verification: ${bytes.length} bytes with SHA-256 ${sha}, expected ${r.info.size} bytes with ${sha256}`));
    }
    return { info: r.info, body: Readable.from([bytes]), range, contentLength };
  }

  /**
   * A verification failed. If the stored object changed meanwhile (a backend that writes
   * in place published the bytes before the metadata), the read was torn: throw
   * VariantChangedError so the GET starts over. Otherwise the stored data is damaged.
   */
  async #settleOrThrow(bucket: string, r: Resolved, failure: Error): Promise<never> {
    await pause(UNSETTLED_PAUSE_MS);
    const now = await this.store.headObject(bucket, r.stored.key);
    if (!now || !sameObject(now, r.stored) || parseMetadata(now.metadata).fileSha256 !== r.meta.fileSha256) throw new VariantChangedError(`${bucket}/${r.stored.key} changed while it was being read`);
    throw failure;
  }

  /**
   * Rebuilds an object that is not stored as its original bytes (a delta, or a compact
   * compressed or gzip-aware object) into a temp file and verifies it. The caller
   * removes the file. Stages: stored bytes -> decompress -> VCDIFF decode against the
   * baseline -> gzip rebuild -> SHA-256 and size check.
   */
  async #reconstruct(bucket: string, r: Resolved, signal?: AbortSignal): Promise<{ path: string; size: number }> {
    const what = `${bucket}/${r.stored.key}`;
    const isDelta = r.info.storageType === 'delta' || r.info.storageType === 'reference';
    const recipe = r.meta.gzip !== undefined ? parseGzipRecipe(r.meta.gzip, what) : undefined;
    const refKey = isDelta ? referenceKeyFor(r.info.key, r.meta) : undefined;
    if (isDelta && refKey === undefined) {
      throw new IntegrityError(`the delta ${what} names the reference "${r.meta.refKey}", which is not a baseline of its deltaspace: refusing to read it`);
    }
    const storedGot = await this.store.getObject(bucket, r.stored.key).catch(vanished(r.info.key));
    if (!sameObject(storedGot.info, r.stored)) {
      storedGot.body.destroy();
      throw new VariantChangedError(`${what} changed between its HEAD and its GET`);
    }
    const storedPath = this.temp.file('delta-in');
    const innerPath = this.temp.file('inner');
    const outPath = this.temp.file('out');
    try {
      await pipeline(decodedBody(storedGot.body, r.meta.compression, `the stored bytes of ${what}`), createWriteStream(storedPath), { signal });
      const t0 = performance.now();
      let decodedPath = storedPath;
      let decodedSha: string | undefined;
      if (isDelta) {
        const reference = await this.#acquireReference(bucket, refKey as string, r.meta.refSha256);
        try {
          const decoded = await this.#withCodec(() =>
            this.options.codec.decode(reference.path, storedPath, innerPath, {
              signal,
              maxOutputBytes: recipe ? recipe.innerSize : r.meta.fileSize,
            }),
          ).catch((err) => {
            throw new IntegrityError(`the delta ${r.stored.key} in bucket ${bucket} could not be decoded: ${(err as Error).message}`, { cause: err });
          });
          decodedPath = innerPath;
          decodedSha = decoded.sha256;
        } finally {
          reference.release();
        }
      }
      let size: number;
      let sha: string;
      if (recipe) {
        const innerSize = (await stat(decodedPath)).size;
        if (innerSize !== recipe.innerSize) throw new IntegrityError(`the inner stream of ${what} has ${innerSize} bytes, its gzip recipe says ${recipe.innerSize}`);
        if (decodedSha !== undefined && decodedSha !== recipe.innerSha256) throw new IntegrityError(`the inner stream of ${what} has SHA-256 ${decodedSha}, its gzip recipe says ${recipe.innerSha256}`);
        ({ size, sha256: sha } = await rebuildGzip(decodedPath, recipe, outPath, signal));
      } else {
        await rename(decodedPath, outPath);
        size = (await stat(outPath)).size;
        sha = decodedSha ?? (await sha256File(outPath));
      }
      const expected = r.meta.fileSha256;
      if (expected && sha !== expected) {
        const zlibNote = recipe && recipe.zlibVersion !== process.versions.zlib ? ` (the gzip recipe was made with zlib ${recipe.zlibVersion}, this runtime has ${process.versions.zlib}: its deflate output differs)` : '';
        throw new IntegrityError(`reconstruction of ${r.info.key} in bucket ${bucket} failed verification: SHA-256 ${sha}, expected ${expected}${zlibNote}`);
      }
      if (r.meta.fileSize !== undefined && size !== r.meta.fileSize) {
        throw new IntegrityError(`reconstruction of ${r.info.key} in bucket ${bucket} has ${size} bytes, expected ${r.meta.fileSize}`);
      }
      this.options.observer.onDecode?.({ size, decodeMs: performance.now() - t0 });
      return { path: outPath, size };
    } catch (err) {
      await removeQuietly(outPath);
      throw err;
    } finally {
      await Promise.all([removeQuietly(storedPath), removeQuietly(innerPath)]);
    }
  }

  // ---------------------------------------------------------------- DELETE

  /** Deletes a user key (both variants) and collects the reference if nothing else uses it. */
  async deleteObject(input: { bucket: string; key: string }): Promise<void> {
    const { bucket, key } = input;
    if (!(await this.store.headBucket(bucket))) throw new NoSuchBucketError(bucket);
    try {
      assertUserKey(key);
    } catch {
      return; // S3 deletes of names that cannot exist succeed.
    }
    await this.store.deleteObject(bucket, deltaKeyOf(key));
    await this.store.deleteObject(bucket, key);
    await this.#collectReference(bucket, deltaspaceOf(key));
  }

  /** DeleteObjects: per-key results, one reference sweep per deltaspace. */
  async deleteObjects(input: { bucket: string; keys: string[] }): Promise<DeleteObjectsResult> {
    const { bucket, keys } = input;
    if (!(await this.store.headBucket(bucket))) throw new NoSuchBucketError(bucket);
    const result: DeleteObjectsResult = { deleted: [], errors: [] };
    const backendKeys: string[] = [];
    const spaces = new Set<string>();
    for (const key of keys) {
      try {
        assertUserKey(key);
      } catch {
        result.deleted.push(key);
        continue;
      }
      backendKeys.push(deltaKeyOf(key), key);
      spaces.add(deltaspaceOf(key));
    }
    const { errors } = await this.store.deleteObjects(bucket, backendKeys);
    const failed = new Map<string, Error>();
    for (const e of errors) failed.set(e.key.endsWith('.delta') ? e.key.slice(0, -6) : e.key, e.error);
    for (const key of keys) {
      if (result.deleted.includes(key)) continue;
      const err = failed.get(key);
      if (err) result.errors.push({ key, code: 'InternalError', message: err.message });
      else result.deleted.push(key);
    }
    for (const space of spaces) await this.#collectReference(bucket, space);
    return result;
  }

  /**
   * Deletes a deltaspace's baselines once nothing needs them (exclusive with writers, so
   * no delta against them is being written in this process): all of them when it holds no
   * user object; otherwise the older compact generations no delta names any more (new
   * deltas only ever use the newest, so an old generation can only lose users). The
   * compatible `reference.bin` follows FORMAT.md: it goes with the last object.
   */
  async #collectReference(bucket: string, space: string): Promise<void> {
    await this.#locks.exclusive(`${bucket}\0${space}`, async () => {
      const prefix = space === '' ? '' : `${space}/`;
      const drop = async (refKey: string): Promise<void> => {
        await this.store.deleteObject(bucket, refKey);
        this.references.invalidate(`${bucket}\0${refKey}`);
      };
      const compact = (await this.#listBaselines(bucket, space)).filter((b) => b.generation > 0);
      if (compact.length < 2) {
        for (const refKey of await this.#referencesIfUnused(bucket, prefix)) await drop(refKey);
        return;
      }
      const users: string[] = [];
      const references: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await this.store.listObjects(bucket, { prefix, delimiter: '/', startAfter: after, maxKeys: 1000 });
        for (const o of page.objects) {
          if (isReferenceKey(o.key)) references.push(o.key);
          else if (userKeyOf(o.key) !== undefined && o.key.endsWith('.delta')) users.push(o.key);
          else if (userKeyOf(o.key) !== undefined) users.push('');
        }
        if (!page.isTruncated) break;
        after = page.nextStartAfter;
      }
      if (users.length === 0) {
        for (const refKey of references) await drop(refKey);
        return;
      }
      const stale = new Set(compact.slice(0, -1).map((b) => b.key));
      await mapLimit(users.filter((k) => k !== ''), DEFAULT_LIST_HEAD_CONCURRENCY, async (deltaKey) => {
        if (stale.size === 0) return;
        const stored = await this.store.headObject(bucket, deltaKey);
        const refKey = stored && parseMetadata(stored.metadata).refKey;
        if (refKey) stale.delete(refKey);
      });
      for (const refKey of stale) await drop(refKey);
    });
  }

  /** The baselines directly under `prefix`, or none when a user object is there too. */
  async #referencesIfUnused(bucket: string, prefix: string): Promise<string[]> {
    const references: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listObjects(bucket, { prefix, delimiter: '/', startAfter: after, maxKeys: 100 });
      for (const o of page.objects) {
        if (isReferenceKey(o.key)) references.push(o.key);
        else if (userKeyOf(o.key) !== undefined) return [];
      }
      if (!page.isTruncated) return references;
      after = page.nextStartAfter;
    }
  }

  // ---------------------------------------------------------------- COPY

  /** CopyObject through the same PUT rules (the destination may be in another deltaspace). */
  async copyObject(input: CopyObjectInput): Promise<CopyObjectResult> {
    assertUserKey(input.key);
    const source = await this.getObject({ bucket: input.sourceBucket, key: input.sourceKey, conditions: input.sourceConditions }).catch((err) => {
      // Conditions on a copy source answer 412, never 304.
      if ((err as { code?: string }).code === 'NotModified') throw new PreconditionFailedError();
      throw err;
    });
    const spool = await spoolToFile(source.body, this.temp);
    try {
      if (spool.sha256 !== source.info.sha256 && source.info.sha256 && source.info.storageType !== 'passthrough') {
        throw new IntegrityError(`copy source ${input.sourceKey} changed while being read`);
      }
      const replace = input.metadataDirective === 'REPLACE';
      const result = await this.putSpool(spool, {
        bucket: input.bucket,
        key: input.key,
        contentType: replace ? input.contentType : source.info.contentType,
        userMetadata: replace ? input.userMetadata : source.info.userMetadata,
        headers: replace ? input.headers : source.info.headers,
      });
      const now = await this.headObject({ bucket: input.bucket, key: input.key });
      return { etag: result.etag, lastModified: now.lastModified, storageType: result.storageType };
    } finally {
      await removeQuietly(spool.path);
    }
  }

  // ---------------------------------------------------------------- LIST

  /** ListObjects(V2) in user-key order with original sizes and ETags. */
  async listObjects(input: ListObjectsInput): Promise<ListObjectsResult> {
    return listUserObjects(this, input);
  }

  /** Describes a listed backend object as a user object (HEAD when the listing alone cannot tell). */
  async describeListed(bucket: string, key: string, backendKey: string): Promise<Resolved | undefined> {
    const stored = await this.store.headObject(bucket, backendKey);
    return stored && this.#describe(key, stored, backendKey !== key);
  }

  // ---------------------------------------------------------------- BUCKETS

  /** Creates a bucket; its name must follow S3's current rules on every backend. */
  async createBucket(bucket: string): Promise<void> {
    if (!isValidBucketName(bucket)) throw new InvalidBucketNameError(bucket);
    return this.store.createBucket(bucket);
  }

  headBucket(bucket: string): Promise<boolean> {
    return this.store.headBucket(bucket);
  }

  /** Deletes an empty bucket (an orphan reference alone does not keep it alive). */
  async deleteBucket(bucket: string): Promise<void> {
    const page = await this.store.listObjects(bucket, { maxKeys: 10 });
    if (page.objects.length > 0 && !page.isTruncated && page.objects.every((o) => isReferenceKey(o.key) && !o.key.includes('/'))) {
      for (const o of page.objects) await this.store.deleteObject(bucket, o.key);
    }
    return this.store.deleteBucket(bucket);
  }

  listBuckets() {
    return this.store.listBuckets();
  }
}

/**
 * The baseline a delta's metadata names, if it is one a read may fetch: `dg-ref-key`
 * when it is reference-shaped and in the delta's own deltaspace; for compatible objects
 * written with other spellings, the deltaspace's `reference.bin` (dg-ref-sha256 still
 * checks it). Undefined for a compact object naming anything else (hostile metadata).
 */
function referenceKeyFor(userKey: string, meta: ParsedMetadata): string | undefined {
  if (meta.refKey !== undefined && isValidReferenceFor(userKey, meta.refKey)) return meta.refKey;
  if (meta.profile !== undefined && meta.refKey !== undefined) return undefined;
  return referenceKeyOf(deltaspaceOf(userKey));
}

/** The gzip inner stream's SHA-256 from a recipe, or undefined (no recipe, or one that does not parse: reads will say so). */
function innerSha256Of(meta: ParsedMetadata): string | undefined {
  if (meta.gzip === undefined) return undefined;
  try {
    return parseGzipRecipe(meta.gzip, 'object').innerSha256;
  } catch {
    return undefined;
  }
}

/** Stored bytes that are not the original: compressed, or the inner stream of a gzip. */
function needsDecoding(meta: ParsedMetadata): boolean {
  return (meta.compression !== undefined && meta.compression !== 'none') || meta.gzip !== undefined;
}

/** Refuses objects written by a newer compact-profile version than this build reads. */
function assertReadableProfile(meta: ParsedMetadata, what: string): void {
  const tag = parseProfileTag(meta.profile);
  if (tag && tag.profile === 'compact' && !(tag.version <= COMPACT_FORMAT_VERSION)) {
    throw new UnsupportedFormatError(`${what} was written with storage profile "${meta.profile}"; this build reads compact/${COMPACT_FORMAT_VERSION} at most: upgrade deltaglider to read it`);
  }
}

/** The deltaspace's reference is gone (an IntegrityError for readers; writers start over). */
class ReferenceMissingError extends IntegrityError {
  override name = 'ReferenceMissingError';
}

/** A variant resolved by HEAD was gone by the time it was read (a concurrent overwrite or delete). */
class VariantVanishedError extends NoSuchKeyError {
  override name = 'VariantVanishedError';
}

/**
 * A variant resolved by HEAD was replaced by the time it was read (a concurrent overwrite).
 * Retried; an object that keeps changing through every attempt answers 503, "retry".
 */
class VariantChangedError extends BackendError {
  override name = 'VariantChangedError';
}

/**
 * The backend cut a body we were reading before sending a byte on (it failed, or it
 * truncated the object to rewrite it in place): the GET starts over, then answers 503.
 */
class InterruptedReadError extends BackendError {
  override name = 'InterruptedReadError';
}

/** Two descriptions of one backend key name the same stored bytes (ETag and size agree). */
function sameObject(a: StoredObjectInfo, b: StoredObjectInfo): boolean {
  return a.etag === b.etag && a.size === b.size;
}

/**
 * Of the two variants of a key (both exist only while an overwrite switches variant), the
 * one to serve: a variant whose metadata is missing or contradicts its size is still being
 * written on a backend that publishes data before metadata (s3rver), so the complete one
 * wins; between two complete ones, the newer.
 */
function newerComplete(delta: StoredObjectInfo, plain: StoredObjectInfo): StoredObjectInfo {
  const deltaComplete = isComplete(delta, true);
  if (deltaComplete !== isComplete(plain, false)) return deltaComplete ? delta : plain;
  return plain.lastModified.getTime() > delta.lastModified.getTime() ? plain : delta;
}

function isComplete(stored: StoredObjectInfo, isDelta: boolean): boolean {
  const meta = parseMetadata(stored.metadata);
  if (!meta.fileSha256) return false;
  const recorded = isDelta ? meta.deltaSize : meta.fileSize;
  return recorded === undefined || recorded === stored.size;
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

function vanished(key: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof NoSuchKeyError) throw new VariantVanishedError(key);
    throw err;
  };
}

/** A stored object whose backend description contradicts its metadata (mid-rewrite or damaged). */
class InconsistentObjectError extends IntegrityError {
  override name = 'InconsistentObjectError';
}

/**
 * Passes `source` through, failing at the end if its SHA-256 or length is not the
 * expected one. The last chunk is held back until the check passes: a client that
 * was promised Content-Length bytes can never receive a complete body that failed.
 */
function verifyStream(source: Readable, sha256: string, size: number, what: string): Readable {
  const hash = createHash('sha256');
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
        cb(new IntegrityError(`${what} failed verification while streaming: ${seen} bytes with SHA-256 ${got}, expected ${size} bytes with ${sha256}`));
      } else cb(null, held);
    },
  });
  streamPipeline(source, check, () => undefined);
  return check;
}

/** Hex SHA-256 of a file. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => hash.update(c));
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), sink);
  return hash.digest('hex');
}
