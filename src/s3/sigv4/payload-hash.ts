/**
 * The payload hash: which mode x-amz-content-sha256 announces, and the stream that checks
 * a signed body against it.
 */
import type { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../error-table.js';
import { signaturesEqual } from './signing.js';
import type { PayloadMode } from './types.js';

/** SHA-256 of the empty string, the payload hash of every body-less request. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const PAYLOAD_MODES: Record<string, PayloadMode> = {
  'UNSIGNED-PAYLOAD': 'unsigned',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': 'streaming-signed',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': 'streaming-signed-trailer',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': 'streaming-unsigned-trailer',
};

/** The payload mode of an x-amz-content-sha256 value (with the hash in 'sha256' mode). */
export function payloadModeOf(value: string): { mode: PayloadMode; hash?: string } {
  const mode = PAYLOAD_MODES[value];
  if (mode) return { mode };
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { mode: 'sha256', hash: value.toLowerCase() };
  if (value.startsWith('STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD')) {
    throw new S3Error('NotImplemented', 'SigV4a (AWS4-ECDSA-P256-SHA256) streaming payloads are not supported.');
  }
  throw new S3Error(
    'InvalidArgument',
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.',
  );
}

/**
 * Pass-through stream that hashes the body and fails with XAmzContentSHA256Mismatch
 * at the end when it does not match the signed x-amz-content-sha256. Consumers must
 * not commit the object before this stream ends without error.
 */
export class PayloadHashVerifier extends Transform {
  readonly #hash = createHash('sha256');
  readonly #expected: string;
  constructor(expectedHex: string) {
    super();
    this.#expected = expectedHex.toLowerCase();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    if (!signaturesEqual(this.#expected, actual)) {
      cb(new S3Error('XAmzContentSHA256Mismatch', undefined, { extra: { ClientComputedContentSHA256: this.#expected, S3ComputedContentSHA256: actual } }));
      return;
    }
    cb();
  }
}
