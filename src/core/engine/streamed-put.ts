/**
 * Deferred encoding's PUT: the body goes to the backend as it arrives (hashed on the
 * way, never spooled to disk first), stored as a passthrough object marked pending when
 * work remains for the compactor. The last chunk is held back until every check of the
 * body has passed (size, Content-MD5, and whatever the S3 layer verifies upstream), so a
 * failed body never completes an upload: the backend stores nothing.
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import { BadDigestError, IncompleteBodyError } from '../errors.js';
import { deltaKeyOf, fileNameOf } from '../format/keys.js';
import { passthroughMetadata, type CompactFields } from '../format/metadata.js';
import { pendingMetadata } from '../format/pending.js';
import { HashingCounter, type KnownDigests } from '../spool.js';
import type { StoredHeaders } from '../store/object-store.js';
import { keyLock, type EngineContext } from './context.js';
import type { PutObjectResult } from './types.js';

/** One streamed PUT. */
export interface StreamedPutInput {
  bucket: string;
  key: string;
  body: Readable;
  /** Declared size (a streamed PUT needs it up front). */
  size: number;
  contentType?: string;
  userMetadata?: Record<string, string>;
  headers?: StoredHeaders;
  /** Base64 Content-MD5 the body must have. */
  contentMd5?: string;
  /** Digests the body stream verifies itself (KnownDigests). */
  knownDigests?: KnownDigests;
  /** Delta encoding remains to be done (an eligible key): the object stays pending after its digests are known. */
  encodeLater: boolean;
  /** Not a delta candidate: why (`dg-reason`, once the object is complete). */
  reason?: string;
  /** Compact-profile fields, when that profile writes this key. */
  compact?: CompactFields;
  signal?: AbortSignal;
}

/**
 * Holds the newest chunk back until the stream ends and `check` passes, so the
 * consumer receives the declared size only for a body that passed every check.
 */
class HoldLastChunk extends Transform {
  #held: Buffer | undefined;
  constructor(private readonly check: () => Error | undefined) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    const previous = this.#held;
    this.#held = chunk;
    cb(null, previous);
  }
  override _flush(cb: (err?: Error | null, data?: Buffer) => void): void {
    const failure = this.check();
    if (failure) return cb(failure);
    cb(null, this.#held);
  }
}

/**
 * Streams the body to `key` and removes the other variant (`key.delta`), holding the
 * key's lock shared: streamed writers of a key run side by side (the backend keeps the
 * last), while the compactor's switch and inline writers wait for them.
 * The result says `pending` when the object still carries `dg-pending`.
 */
export async function putStreamed(ctx: EngineContext, input: StreamedPutInput): Promise<PutObjectResult> {
  const { bucket, key, size } = input;
  const counter = new HashingCounter(ctx.options.maxObjectSize, input.knownDigests);
  let digests: { sha256: string; md5: string } | undefined;
  let bodyError: Error | undefined;
  const hold = new HoldLastChunk(() => {
    digests = counter.digests();
    if (counter.size !== size) return new IncompleteBodyError(size, counter.size);
    if (input.contentMd5 !== undefined && Buffer.from(digests.md5, 'hex').toString('base64') !== input.contentMd5) return new BadDigestError();
    return undefined;
  });
  pipeline(input.body, counter, hold, (err) => {
    if (err) bodyError ??= err;
  });
  const onAbort = (): void => {
    hold.destroy(new Error('the request was aborted'));
  };
  input.signal?.addEventListener('abort', onAbort, { once: true });
  const fields = { fileSize: size, fileName: fileNameOf(key), createdAt: new Date(), contentType: input.contentType, userMetadata: input.userMetadata, compact: input.compact };
  try {
    const { lateMetadata } = await ctx.locks.shared(keyLock(bucket, key), async () => {
      const written = await ctx.store.putStream!(bucket, key, hold, size, {
        metadata: pendingMetadata(fields),
        contentType: input.contentType,
        headers: input.headers,
        lateMetadata: () => {
          const d = digests as { sha256: string; md5: string };
          if (input.encodeLater) return pendingMetadata({ ...fields, sha256: d.sha256, md5: d.md5 });
          return passthroughMetadata({ ...fields, fileSha256: d.sha256, md5: d.md5, reason: input.reason });
        },
      });
      await ctx.store.deleteObject(bucket, deltaKeyOf(key));
      return written;
    });
    const d = digests as unknown as { sha256: string; md5: string };
    return {
      etag: d.md5,
      storageType: 'passthrough',
      size,
      storedSize: size,
      sha256: d.sha256,
      createdReference: false,
      // Without late metadata (S3) the object lacks its digests: the compactor adds them.
      pending: input.encodeLater || !lateMetadata,
      reason: input.reason,
    };
  } catch (err) {
    // The body's own failure (a digest mismatch) is the one to report, not the aborted upload it caused.
    await new Promise((resolve) => setImmediate(resolve));
    throw bodyError ?? err;
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
  }
}
