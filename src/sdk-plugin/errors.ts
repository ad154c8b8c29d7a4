/**
 * Engine errors -> the exceptions the SDK itself throws for the same S3 answer.
 *
 * The S3 code and HTTP status come from the shared error table (src/s3/error-table.ts),
 * so the plugin answers exactly what the middleware and the reverse proxy answer.
 * The exception is then built the way the SDK's REST-XML deserializer builds it:
 * - modeled errors use their SDK class (`NoSuchKey`, `NoSuchBucket`, `NoSuchUpload`,
 *   `NotFound`), so `err instanceof NoSuchKey` holds;
 * - other codes are a plain `S3ServiceException` named after the code, with `Code`;
 * - responses without a body (any HEAD error, every 304) carry no code: the SDK names
 *   them `NotFound` for a 404 and `Unknown` otherwise; only `$metadata.httpStatusCode`
 *   says what happened (this is what the SDK throws against S3 for a 304 or a HEAD 412).
 */
import type { ResponseMetadata } from '@smithy/types';
import { NoSuchBucket, NoSuchKey, NoSuchUpload, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { BackendError } from '../core/errors.js';
import { toS3Error } from '../s3/error-table.js';

type ExceptionCtor = new (opts: { message: string; $metadata: ResponseMetadata }) => S3ServiceException;

const MODELED: Record<string, ExceptionCtor> = {
  NoSuchKey: NoSuchKey as unknown as ExceptionCtor,
  NoSuchBucket: NoSuchBucket as unknown as ExceptionCtor,
  NoSuchUpload: NoSuchUpload as unknown as ExceptionCtor,
};

/** `$metadata` as the SDK fills it for a response that came back on the first attempt. */
export function responseMetadata(httpStatusCode: number): ResponseMetadata {
  return { httpStatusCode, requestId: undefined, extendedRequestId: undefined, cfId: undefined, attempts: 1, totalRetryDelay: 0 };
}

/**
 * A misuse of the plugin itself (an unsupported Body, a closed plugin, a client whose
 * configuration cannot be discovered): reaches the caller as it is, never as an S3 error.
 */
export class PluginUsageError extends TypeError {
  override readonly name = 'PluginUsageError';
  constructor(message: string, options?: ErrorOptions) {
    super(`deltaglider sdk-plugin: ${message}`, options);
  }
}

/** An SDK exception with a code (what the SDK builds from an S3 XML error body). */
function sdkError(code: string, status: number, message: string, extra: Record<string, string> = {}): S3ServiceException {
  const $metadata = responseMetadata(status);
  const Ctor = MODELED[code];
  const err = Ctor
    ? new Ctor({ message, $metadata })
    : new S3ServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata, message });
  Object.assign(err, { Code: code }, extra);
  return err;
}

/** An SDK exception for a response without a body (HEAD errors, 304). */
function bodilessSdkError(status: number, message?: string): S3ServiceException {
  const $metadata = responseMetadata(status);
  if (status === 404) return new NotFound({ message: message ?? 'UnknownError', $metadata });
  return new S3ServiceException({ name: 'Unknown', $fault: status >= 500 ? 'server' : 'client', $metadata, message: message ?? 'UnknownError' });
}

/**
 * Converts anything the engine threw into the SDK's exception for that S3 answer.
 * `bodiless` is true for HEAD requests (S3 sends no error body for them).
 */
export function toSdkError(err: unknown, options: { bodiless?: boolean } = {}): Error {
  if (err instanceof S3ServiceException) return err;
  // A backend failure of an internal request: the SDK error S3 itself sent is the honest answer.
  if (err instanceof BackendError && err.cause instanceof S3ServiceException) return err.cause;
  if (err instanceof PluginUsageError) return err;
  const info = toS3Error(err);
  if (options.bodiless || info.status === 304) return bodilessSdkError(info.status, info.status === 304 ? undefined : info.message);
  const out = sdkError(info.code, info.status, info.message, info.extra);
  if (err instanceof Error && out.cause === undefined) Object.defineProperty(out, 'cause', { value: err, enumerable: false, configurable: true, writable: true });
  return out;
}
