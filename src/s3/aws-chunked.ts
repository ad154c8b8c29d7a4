/**
 * Decoder for `Content-Encoding: aws-chunked` request bodies (SigV4 streaming uploads):
 * signed chunks (`size;chunk-signature=sig`), unsigned chunks, and the trailer section
 * carrying flexible checksums (optionally signed with x-amz-trailer-signature).
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { IncompleteBodyError } from '../core/errors.js';
import { S3Error } from './error-table.js';
import { EMPTY_SHA256 } from './sigv4/payload-hash.js';
import { hmacHex, sha256Hex, signaturesEqual } from './sigv4/signing.js';
import type { SigV4Context } from './sigv4/types.js';

/** What is needed to check chunk signatures: the output of a verified seed request. */
export interface ChunkSigningContext {
  signingKey: Uint8Array;
  /** ISO 8601 basic timestamp of the seed request. */
  amzDate: string;
  /** Credential scope of the seed request. */
  scope: string;
  /** Signature of the seed request (the first chunk's "previous signature"). */
  seedSignature: string;
}

/** Decoder options; build them from a SigV4Context with `awsChunkedOptionsFor`. */
export interface AwsChunkedOptions {
  /** Present for STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER): every chunk must be signed. */
  signing?: ChunkSigningContext;
  /** The trailer section must carry a valid x-amz-trailer-signature (needs `signing`). */
  signedTrailer?: boolean;
  /**
   * Trailer names announced in x-amz-trailer. When given, only these may appear and all
   * must appear. When omitted, no trailers are allowed in signed mode and any in unsigned.
   */
  trailerNames?: string[];
  /** x-amz-decoded-content-length: the decoded body must be exactly this long. */
  decodedContentLength?: number;
  /** Largest chunk accepted (signed chunks are held in memory until verified). Default 16 MiB. */
  maxChunkSize?: number;
}

/** Default cap on one chunk's size; SDKs use 8 KiB-1 MiB chunks. */
export const DEFAULT_MAX_CHUNK_SIZE = 16 * 1024 * 1024;

const MAX_CHUNK_HEADER = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const CHUNK_ALGORITHM = 'AWS4-HMAC-SHA256-PAYLOAD';
const TRAILER_ALGORITHM = 'AWS4-HMAC-SHA256-TRAILER';
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';

/** Decoder options matching the payload mode of a verified request. */
export function awsChunkedOptionsFor(ctx: SigV4Context, extra: Pick<AwsChunkedOptions, 'maxChunkSize'> = {}): AwsChunkedOptions {
  const opts: AwsChunkedOptions = { ...extra };
  if (ctx.payloadMode === 'streaming-signed' || ctx.payloadMode === 'streaming-signed-trailer') {
    opts.signing = { signingKey: ctx.signingKey, amzDate: ctx.amzDate, scope: ctx.scope, seedSignature: ctx.seedSignature };
  }
  if (ctx.payloadMode === 'streaming-signed-trailer') opts.signedTrailer = true;
  if (ctx.trailerNames) opts.trailerNames = ctx.trailerNames;
  if (ctx.decodedContentLength !== undefined) opts.decodedContentLength = ctx.decodedContentLength;
  return opts;
}

const enum State {
  ChunkHeader,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  Done,
}

function framingError(message: string): S3Error {
  return new S3Error('InvalidRequest', `Malformed aws-chunked body: ${message}`);
}

/**
 * Transform from an aws-chunked body to the decoded object bytes. Signed chunks are
 * released only after their signature checks out, so at most one chunk is buffered;
 * unsigned chunks stream straight through. After 'end', `trailers` holds the trailing
 * headers (lower-case names) such as x-amz-checksum-crc32.
 */
export class AwsChunkedDecoder extends Transform {
  /** Trailing headers received after the final chunk (the trailer signature excluded). */
  readonly trailers: Record<string, string> = {};
  /** Decoded bytes emitted so far. */
  decodedLength = 0;

  readonly #opts: AwsChunkedOptions;
  readonly #maxChunk: number;
  #state = State.ChunkHeader;
  #line: Buffer[] = [];
  #lineLength = 0;
  #remaining = 0;
  #pending: Buffer[] = [];
  #chunkHash: ReturnType<typeof createHash> | undefined;
  #chunkSignature: string | undefined;
  #previousSignature: string | undefined;
  #crlfSeen = 0;
  #trailerBytes = 0;
  #trailerLines: [string, string][] = [];
  #trailerSignature: string | undefined;

  constructor(options: AwsChunkedOptions = {}) {
    super();
    this.#opts = options;
    this.#maxChunk = options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
    this.#previousSignature = options.signing?.seedSignature.toLowerCase();
    if (options.signedTrailer && !options.signing) throw new TypeError('signedTrailer requires signing');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#consume(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.#finish();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  #consume(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      switch (this.#state) {
        case State.ChunkHeader:
        case State.Trailer: {
          const lf = buf.indexOf(0x0a, i);
          const end = lf < 0 ? buf.length : lf + 1;
          this.#appendLine(buf.subarray(i, end));
          i = end;
          if (lf >= 0) {
            const line = this.#takeLine();
            if (this.#state === State.ChunkHeader) this.#onChunkHeader(line);
            else this.#onTrailerLine(line);
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.#remaining, buf.length - i);
          const slice = buf.subarray(i, i + n);
          i += n;
          this.#remaining -= n;
          this.#onData(slice);
          if (this.#remaining === 0) {
            this.#state = State.ChunkDataEnd;
            this.#crlfSeen = 0;
          }
          break;
        }
        case State.ChunkDataEnd: {
          const expected = this.#crlfSeen === 0 ? 0x0d : 0x0a;
          if (buf[i] !== expected) throw framingError('chunk data not followed by CRLF');
          i++;
          if (++this.#crlfSeen === 2) this.#onChunkEnd();
          break;
        }
        case State.Done: {
          // Tolerate stray CR/LF after the terminating blank line; anything else is garbage.
          if (buf[i] !== 0x0d && buf[i] !== 0x0a) throw framingError('data after the final chunk');
          i++;
          break;
        }
      }
    }
  }

  #appendLine(part: Buffer): void {
    this.#lineLength += part.length;
    const limit = this.#state === State.Trailer ? MAX_TRAILER_BYTES : MAX_CHUNK_HEADER;
    if (this.#state === State.Trailer) {
      this.#trailerBytes += part.length;
      if (this.#trailerBytes > MAX_TRAILER_BYTES) throw framingError('trailer section too large');
    } else if (this.#lineLength > limit) {
      throw framingError('chunk header too long');
    }
    // Copy: the caller may reuse its buffer, and lines are tiny.
    this.#line.push(Buffer.from(part));
  }

  #takeLine(): string {
    const raw = Buffer.concat(this.#line, this.#lineLength);
    this.#line = [];
    this.#lineLength = 0;
    if (raw.length < 2 || raw[raw.length - 2] !== 0x0d) throw framingError('line not terminated by CRLF');
    return raw.subarray(0, raw.length - 2).toString('latin1');
  }

  #onChunkHeader(line: string): void {
    const [sizeField, ...extensions] = line.split(';');
    if (!sizeField || !/^[0-9a-fA-F]{1,16}$/.test(sizeField)) throw framingError('invalid chunk size');
    const size = parseInt(sizeField, 16);
    if (!Number.isSafeInteger(size) || size > this.#maxChunk) {
      throw new S3Error('InvalidRequest', `aws-chunked chunk of ${sizeField} (hex) bytes exceeds the maximum chunk size of ${this.#maxChunk} bytes.`);
    }
    let signature: string | undefined;
    for (const ext of extensions) {
      const eq = ext.indexOf('=');
      const name = (eq < 0 ? ext : ext.slice(0, eq)).trim();
      if (name === 'chunk-signature') signature = eq < 0 ? '' : ext.slice(eq + 1).trim();
    }
    if (this.#opts.signing) {
      if (signature === undefined || !/^[0-9a-fA-F]{64}$/.test(signature)) throw framingError('missing or malformed chunk-signature');
      this.#chunkSignature = signature.toLowerCase();
      this.#chunkHash = createHash('sha256');
    }
    const limit = this.#opts.decodedContentLength;
    if (limit !== undefined && this.decodedLength + size > limit) {
      throw new IncompleteBodyError(limit, this.decodedLength + size);
    }
    this.#remaining = size;
    if (size === 0) {
      this.#verifyChunk();
      this.#state = State.Trailer;
    } else {
      this.#state = State.ChunkData;
    }
  }

  #onData(slice: Buffer): void {
    this.decodedLength += slice.length;
    if (this.#opts.signing) {
      this.#chunkHash!.update(slice);
      // Copy: the slice aliases the writer's buffer, which may be reused before we release it.
      this.#pending.push(Buffer.from(slice));
    } else {
      this.push(slice);
    }
  }

  #onChunkEnd(): void {
    this.#verifyChunk();
    for (const b of this.#pending) this.push(b);
    this.#pending = [];
    this.#state = State.ChunkHeader;
  }

  #verifyChunk(): void {
    const signing = this.#opts.signing;
    if (!signing) return;
    const chunkHash = this.#chunkHash ? this.#chunkHash.digest('hex') : EMPTY_SHA256;
    this.#chunkHash = undefined;
    const stringToSign = `${CHUNK_ALGORITHM}\n${signing.amzDate}\n${signing.scope}\n${this.#previousSignature}\n${EMPTY_SHA256}\n${chunkHash}`;
    const expected = hmacHex(signing.signingKey, stringToSign);
    if (!signaturesEqual(expected, this.#chunkSignature ?? '')) {
      throw new S3Error('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the signature you provided.');
    }
    this.#previousSignature = expected;
  }

  #onTrailerLine(line: string): void {
    if (line === '') {
      this.#completeTrailers();
      this.#state = State.Done;
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw framingError('malformed trailing header');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === TRAILER_SIGNATURE) {
      if (this.#trailerSignature !== undefined) throw framingError('duplicate trailer signature');
      this.#trailerSignature = value;
      return;
    }
    if (this.#trailerSignature !== undefined) throw framingError('trailing header after the trailer signature');
    const allowed = this.#opts.trailerNames;
    if (allowed ? !allowed.includes(name) : this.#opts.signing !== undefined) {
      throw new S3Error('InvalidRequest', `Trailing header ${name} was not announced in x-amz-trailer.`);
    }
    if (Object.prototype.hasOwnProperty.call(this.trailers, name)) throw framingError(`duplicate trailing header ${name}`);
    this.#trailerLines.push([name, value]);
    this.trailers[name] = value;
  }

  #completeTrailers(): void {
    for (const name of this.#opts.trailerNames ?? []) {
      if (!Object.prototype.hasOwnProperty.call(this.trailers, name)) {
        throw new S3Error('InvalidRequest', `The trailing header ${name} announced in x-amz-trailer was not sent.`);
      }
    }
    if (this.#opts.signedTrailer) {
      const signing = this.#opts.signing!;
      if (this.#trailerSignature === undefined || !/^[0-9a-fA-F]{64}$/.test(this.#trailerSignature)) {
        throw new S3Error('SignatureDoesNotMatch', 'The trailer signature is missing or malformed.');
      }
      const canonical = this.#trailerLines.map(([n, v]) => `${n}:${v}\n`).join('');
      const stringToSign = `${TRAILER_ALGORITHM}\n${signing.amzDate}\n${signing.scope}\n${this.#previousSignature}\n${sha256Hex(canonical)}`;
      if (!signaturesEqual(hmacHex(signing.signingKey, stringToSign), this.#trailerSignature)) {
        throw new S3Error('SignatureDoesNotMatch', 'The trailer signature we calculated does not match the signature you provided.');
      }
    }
  }

  #finish(): void {
    if (this.#state === State.Trailer && this.#lineLength === 0) {
      // The AWS SDK ends a trailer-less body right after `0\r\n`, and some clients
      // omit the blank line after complete trailers: both are complete bodies.
      this.#completeTrailers();
      this.#state = State.Done;
    }
    if (this.#state !== State.Done) {
      throw new S3Error('IncompleteBody', 'The aws-chunked body ended before its final chunk.');
    }
    const limit = this.#opts.decodedContentLength;
    if (limit !== undefined && this.decodedLength !== limit) {
      throw new IncompleteBodyError(limit, this.decodedLength);
    }
  }
}
