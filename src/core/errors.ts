/**
 * One root error class with a stable `code`, one leaf class per condition.
 * The S3 adapters map `code` to an S3 error (XML code + HTTP status) in one table
 * (src/s3/error-table.ts); nothing else should need to inspect error classes.
 */

/** Stable error codes. Values are part of the public API: never rename one. */
export type DeltaGliderErrorCode =
  | 'NoSuchKey'
  | 'NoSuchBucket'
  | 'NoSuchUpload'
  | 'BucketNotEmpty'
  | 'BucketAlreadyOwnedByYou'
  | 'InvalidBucketName'
  | 'ReservedKey'
  | 'InvalidKey'
  | 'InvalidArgument'
  | 'InvalidRange'
  | 'InvalidPartNumber'
  | 'InvalidRequest'
  | 'PartLayoutUnknown'
  | 'PreconditionFailed'
  | 'NotModified'
  | 'EntityTooLarge'
  | 'EntityTooSmall'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'BadDigest'
  | 'MalformedXML'
  | 'IncompleteBody'
  | 'IntegrityError'
  | 'DeltaTooLarge'
  | 'PendingSuperseded'
  | 'CodecUnavailable'
  | 'CodecFailed'
  | 'UnsupportedFormat'
  | 'BackendError'
  | 'NoSuchLifecycleConfiguration'
  | 'UnsafeConfiguration'
  | 'Internal';

/** Root of every error deltaglider throws on purpose. */
export class DeltaGliderError extends Error {
  override name = 'DeltaGliderError';
  readonly code: DeltaGliderErrorCode;
  constructor(code: DeltaGliderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The key does not exist (for clients: the user key, not the backend key). */
export class NoSuchKeyError extends DeltaGliderError {
  override name = 'NoSuchKeyError';
  constructor(readonly key: string, message = 'The specified key does not exist.') {
    super('NoSuchKey', message);
  }
}

export class NoSuchBucketError extends DeltaGliderError {
  override name = 'NoSuchBucketError';
  constructor(readonly bucket: string, message = 'The specified bucket does not exist.') {
    super('NoSuchBucket', message);
  }
}

export class NoSuchUploadError extends DeltaGliderError {
  override name = 'NoSuchUploadError';
  constructor(readonly uploadId: string, message = 'The specified multipart upload does not exist.') {
    super('NoSuchUpload', message);
  }
}

export class BucketNotEmptyError extends DeltaGliderError {
  override name = 'BucketNotEmptyError';
  constructor(readonly bucket: string, message = 'The bucket you tried to delete is not empty.') {
    super('BucketNotEmpty', message);
  }
}

export class BucketAlreadyOwnedByYouError extends DeltaGliderError {
  override name = 'BucketAlreadyOwnedByYouError';
  constructor(readonly bucket: string, message = 'Your previous request to create the named bucket succeeded and you already own it.') {
    super('BucketAlreadyOwnedByYou', message);
  }
}

export class InvalidBucketNameError extends DeltaGliderError {
  override name = 'InvalidBucketNameError';
  constructor(readonly bucket: string, message = 'The specified bucket is not valid.') {
    super('InvalidBucketName', message);
  }
}

/** A user key that would collide with the storage internals (reference.bin, *.delta). */
export class ReservedKeyError extends DeltaGliderError {
  override name = 'ReservedKeyError';
  constructor(readonly key: string, message: string) {
    super('ReservedKey', message);
  }
}

/** A key that is not a valid object name (empty, too long, NUL, path escape). */
export class InvalidKeyError extends DeltaGliderError {
  override name = 'InvalidKeyError';
  constructor(readonly key: string, message: string) {
    super('InvalidKey', message);
  }
}

export class InvalidArgumentError extends DeltaGliderError {
  override name = 'InvalidArgumentError';
  constructor(message: string) {
    super('InvalidArgument', message);
  }
}

export class InvalidRangeError extends DeltaGliderError {
  override name = 'InvalidRangeError';
  constructor(readonly objectSize: number, message = 'The requested range is not satisfiable') {
    super('InvalidRange', message);
  }
}

/** GET/HEAD `?partNumber=N` past the object's last part (S3: 416 InvalidPartNumber). */
export class InvalidPartNumberError extends DeltaGliderError {
  override name = 'InvalidPartNumberError';
  constructor(readonly partNumber: number, message = 'The requested partnumber is not satisfiable') {
    super('InvalidPartNumber', message);
  }
}

/** A request whose parameters contradict each other (S3: 400 InvalidRequest), e.g. a Range with a partNumber. */
export class InvalidRequestError extends DeltaGliderError {
  override name = 'InvalidRequestError';
  constructor(message: string) {
    super('InvalidRequest', message);
  }
}

/**
 * GET/HEAD `?partNumber=N` of an object uploaded in parts by another tool, whose part
 * boundaries neither its metadata nor the backend can tell: serving a guess could hand a
 * client the wrong bytes for a part, so it is refused (the object is readable whole or by Range).
 */
export class PartLayoutUnknownError extends DeltaGliderError {
  override name = 'PartLayoutUnknownError';
  constructor(readonly key: string, readonly partsCount: number) {
    super('PartLayoutUnknown', `${key} was uploaded in ${partsCount} parts by another tool and its part boundaries are not recorded: read it whole or with a Range header instead of partNumber`);
  }
}

export class PreconditionFailedError extends DeltaGliderError {
  override name = 'PreconditionFailedError';
  constructor(message = 'At least one of the pre-conditions you specified did not hold') {
    super('PreconditionFailed', message);
  }
}

/** Not an error to the client: a 304. Carries the headers the 304 must still send. */
export class NotModifiedError extends DeltaGliderError {
  override name = 'NotModifiedError';
  constructor(readonly etag: string, readonly lastModified: Date) {
    super('NotModified', 'Not Modified');
  }
}

export class EntityTooLargeError extends DeltaGliderError {
  override name = 'EntityTooLargeError';
  constructor(readonly size: number, readonly limit: number) {
    super('EntityTooLarge', `Your proposed upload (${size} bytes) exceeds the maximum allowed object size (${limit} bytes).`);
  }
}

export class EntityTooSmallError extends DeltaGliderError {
  override name = 'EntityTooSmallError';
  constructor(message = 'Your proposed upload is smaller than the minimum allowed object size.') {
    super('EntityTooSmall', message);
  }
}

export class InvalidPartError extends DeltaGliderError {
  override name = 'InvalidPartError';
  constructor(message = 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.') {
    super('InvalidPart', message);
  }
}

export class InvalidPartOrderError extends DeltaGliderError {
  override name = 'InvalidPartOrderError';
  constructor(message = 'The list of parts was not in ascending order. The parts list must be specified in order by part number.') {
    super('InvalidPartOrder', message);
  }
}

export class BadDigestError extends DeltaGliderError {
  override name = 'BadDigestError';
  constructor(message = 'The Content-MD5 or checksum you specified did not match what we received.') {
    super('BadDigest', message);
  }
}

export class MalformedXMLError extends DeltaGliderError {
  override name = 'MalformedXMLError';
  constructor(message = 'The XML you provided was not well-formed or did not validate against our published schema.') {
    super('MalformedXML', message);
  }
}

/**
 * Stored bytes failed verification (reference or reconstruction SHA-256 mismatch,
 * corrupt delta). Never served: the client gets an error, not wrong bytes.
 */
export class IntegrityError extends DeltaGliderError {
  override name = 'IntegrityError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('IntegrityError', message, options);
  }
}

/** The encoder passed the size cap (max delta ratio x original size) and was stopped early. */
export class DeltaTooLargeError extends DeltaGliderError {
  override name = 'DeltaTooLargeError';
  constructor(readonly limit: number) {
    super('DeltaTooLarge', `delta exceeded ${limit} bytes; encoding abandoned`);
  }
}

/**
 * The compactor found the pending object it encoded replaced or deleted before it could
 * switch it to a delta: the newer write stands and this compaction is dropped.
 */
export class PendingSupersededError extends DeltaGliderError {
  override name = 'PendingSupersededError';
  constructor(readonly key: string) {
    super('PendingSuperseded', `the pending object ${key} changed while it was being encoded; the newer write stands`);
  }
}

/** A codec cannot run here (binary missing, unsupported extension). The message names the fix. */
export class CodecUnavailableError extends DeltaGliderError {
  override name = 'CodecUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('CodecUnavailable', message, options);
  }
}

/** The codec ran and failed (bad input, process exit code, malformed delta). */
export class CodecFailedError extends DeltaGliderError {
  override name = 'CodecFailedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('CodecFailed', message, options);
  }
}

/**
 * A stored object uses a format this build cannot read (a newer compact-profile version,
 * an unknown compression, zstd on a runtime without it). Never served as raw bytes.
 */
export class UnsupportedFormatError extends DeltaGliderError {
  override name = 'UnsupportedFormatError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('UnsupportedFormat', message, options);
  }
}

/** The backend store failed in a way that is not a plain "not found". Retryable by the client. */
export class BackendError extends DeltaGliderError {
  override name = 'BackendError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('BackendError', message, options);
  }
}

/** The body was shorter or longer than its declared length. */
export class IncompleteBodyError extends DeltaGliderError {
  override name = 'IncompleteBodyError';
  constructor(readonly expected: number, readonly received: number) {
    super('IncompleteBody', `You did not provide the number of bytes specified by the Content-Length HTTP header (expected ${expected}, received ${received}).`);
  }
}

/** The bucket has no lifecycle configuration (GetBucketLifecycleConfiguration). */
export class NoSuchLifecycleConfigurationError extends DeltaGliderError {
  override name = 'NoSuchLifecycleConfigurationError';
  constructor(readonly bucket: string, message = 'The lifecycle configuration does not exist.') {
    super('NoSuchLifecycleConfiguration', message);
  }
}

/**
 * A bucket configuration (lifecycle rule, versioning, object lock, replication) that would
 * let the backend delete, hide or move an object deltas depend on. Refused, never stored or
 * forwarded; the message names the reason.
 */
export class UnsafeConfigurationError extends DeltaGliderError {
  override name = 'UnsafeConfigurationError';
  constructor(message: string) {
    super('UnsafeConfiguration', message);
  }
}
