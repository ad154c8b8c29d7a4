/**
 * The single place where errors become S3 errors (XML code + HTTP status + message).
 * Core errors carry a stable DeltaGliderErrorCode; protocol errors that never reach
 * the core (auth, framing, unsupported features) are S3Error. Every adapter renders
 * whatever `toS3Error` returns, so clients see the same answer from every entry point.
 */
import { Buffer } from 'node:buffer';
import { DeltaGliderError, InvalidKeyError, InvalidRangeError, type DeltaGliderErrorCode } from '../core/errors.js';
import { escapeXml } from './xml-render.js';

/** Codes for protocol-level errors raised by the S3 adapters themselves (not by the core). */
export type S3ErrorCode =
  | 'AccessDenied'
  | 'AuthorizationHeaderMalformed'
  | 'AuthorizationQueryParametersError'
  | 'BadDigest'
  | 'EntityTooLarge'
  | 'IncompleteBody'
  | 'InternalError'
  | 'InvalidAccessKeyId'
  | 'InvalidArgument'
  | 'InvalidDigest'
  | 'InvalidRequest'
  | 'InvalidURI'
  | 'KeyTooLongError'
  | 'MalformedXML'
  | 'MethodNotAllowed'
  | 'MissingContentLength'
  | 'MissingSecurityHeader'
  | 'NotImplemented'
  | 'RequestHeaderSectionTooLarge'
  | 'RequestTimeTooSkewed'
  | 'ServiceUnavailable'
  | 'SignatureDoesNotMatch'
  | 'XAmzContentSHA256Mismatch';

/** What an adapter needs to answer with an S3 error. `extra` becomes additional XML elements. */
export interface S3ErrorInfo {
  code: string;
  status: number;
  message: string;
  /** Extra `<Name>value</Name>` elements S3 adds for some codes (e.g. ActualObjectSize). */
  extra?: Record<string, string>;
}

const S3_ERROR_DEFAULTS: Record<S3ErrorCode, { status: number; message: string }> = {
  AccessDenied: { status: 403, message: 'Access Denied' },
  AuthorizationHeaderMalformed: { status: 400, message: 'The authorization header is malformed.' },
  AuthorizationQueryParametersError: { status: 400, message: 'Error parsing the X-Amz-Credential parameter.' },
  BadDigest: { status: 400, message: 'The Content-MD5 or checksum you specified did not match what we received.' },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed size.' },
  IncompleteBody: { status: 400, message: 'You did not provide the number of bytes specified by the Content-Length HTTP header.' },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  InvalidAccessKeyId: { status: 403, message: 'The AWS Access Key Id you provided does not exist in our records.' },
  InvalidArgument: { status: 400, message: 'Invalid Argument' },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified is not valid.' },
  InvalidRequest: { status: 400, message: 'Invalid Request' },
  InvalidURI: { status: 400, message: "Couldn't parse the specified URI." },
  KeyTooLongError: { status: 400, message: 'Your key is too long.' },
  MalformedXML: { status: 400, message: 'The XML you provided was not well-formed or did not validate against our published schema.' },
  MethodNotAllowed: { status: 405, message: 'The specified method is not allowed against this resource.' },
  MissingContentLength: { status: 411, message: 'You must provide the Content-Length HTTP header.' },
  MissingSecurityHeader: { status: 400, message: 'Your request is missing a required header.' },
  NotImplemented: { status: 501, message: 'A header you provided implies functionality that is not implemented.' },
  RequestHeaderSectionTooLarge: { status: 400, message: 'Your request header section exceeds the maximum allowed size.' },
  RequestTimeTooSkewed: { status: 403, message: "The difference between the request time and the server's time is too large." },
  ServiceUnavailable: { status: 503, message: 'Service is unable to handle request.' },
  SignatureDoesNotMatch: {
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
  XAmzContentSHA256Mismatch: { status: 400, message: "The provided 'x-amz-content-sha256' header does not match what was computed." },
};

/** HTTP status S3 uses for a protocol error code. */
export function s3ErrorStatus(code: S3ErrorCode): number {
  return S3_ERROR_DEFAULTS[code].status;
}

/**
 * A protocol-level S3 error raised by the adapters (auth, framing, headers).
 * Deliberately not a DeltaGliderError: the core never throws these, and keeping them
 * apart means the core's code list stays about storage, not HTTP.
 */
export class S3Error extends Error {
  override name = 'S3Error';
  readonly s3Code: S3ErrorCode;
  readonly status: number;
  readonly extra?: Record<string, string>;
  constructor(code: S3ErrorCode, message?: string, options?: { cause?: unknown; extra?: Record<string, string> }) {
    super(message ?? S3_ERROR_DEFAULTS[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.s3Code = code;
    this.status = S3_ERROR_DEFAULTS[code].status;
    if (options?.extra) this.extra = options.extra;
  }
}

const INTERNAL_MESSAGE = S3_ERROR_DEFAULTS.InternalError.message;

/** S3 caps keys at 1024 UTF-8 bytes; beyond that the precise S3 code is KeyTooLongError. */
const MAX_KEY_BYTES = 1024;

type CoreMapper = (err: DeltaGliderError) => S3ErrorInfo;

const same = (status: number): CoreMapper => (err) => ({ code: err.code, status, message: err.message });

const CORE_TABLE: Record<DeltaGliderErrorCode, CoreMapper> = {
  NoSuchKey: same(404),
  NoSuchBucket: same(404),
  NoSuchUpload: same(404),
  BucketNotEmpty: same(409),
  BucketAlreadyOwnedByYou: same(409),
  InvalidBucketName: same(400),
  // S3 has no "reserved key" code; InvalidArgument is what clients already handle,
  // and our message explains which storage name the key collides with.
  ReservedKey: (err) => ({ code: 'InvalidArgument', status: 400, message: err.message }),
  InvalidKey: (err) => {
    const key = err instanceof InvalidKeyError ? err.key : undefined;
    if (key !== undefined && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
      return { code: 'KeyTooLongError', status: 400, message: err.message || S3_ERROR_DEFAULTS.KeyTooLongError.message };
    }
    return { code: 'InvalidArgument', status: 400, message: err.message };
  },
  InvalidArgument: same(400),
  InvalidRange: (err) => {
    const info: S3ErrorInfo = { code: 'InvalidRange', status: 416, message: err.message };
    if (err instanceof InvalidRangeError) info.extra = { ActualObjectSize: String(err.objectSize) };
    return info;
  },
  InvalidPartNumber: same(416),
  InvalidRequest: same(400),
  // 501, as for a feature not offered: retrying will not help, the message says what will.
  PartLayoutUnknown: (err) => ({ code: 'NotImplemented', status: 501, message: err.message }),
  PreconditionFailed: same(412),
  NotModified: same(304),
  EntityTooLarge: same(400),
  EntityTooSmall: same(400),
  InvalidPart: same(400),
  InvalidPartOrder: same(400),
  BadDigest: same(400),
  MalformedXML: same(400),
  IncompleteBody: same(400),
  // Never reveal internals of a corrupt object, but say plainly it is not a transient fault.
  IntegrityError: () => ({
    code: 'InternalError',
    status: 500,
    message: 'The stored data for this object failed integrity verification; it was not served.',
  }),
  // The engine is supposed to fall back to a plain copy; reaching a client is a bug.
  DeltaTooLarge: () => ({ code: 'InternalError', status: 500, message: INTERNAL_MESSAGE }),
  // Only the background compactor meets it (the newer write stands); reaching a client is a bug.
  PendingSuperseded: () => ({ code: 'InternalError', status: 500, message: INTERNAL_MESSAGE }),
  // A missing codec is an operator problem that retrying will not fix, so not 503;
  // the message names the fix, which is what the operator reading client logs needs.
  CodecUnavailable: (err) => ({ code: 'InternalError', status: 500, message: err.message }),
  CodecFailed: () => ({ code: 'InternalError', status: 500, message: INTERNAL_MESSAGE }),
  // Like a missing codec: an operator problem (upgrade, runtime), and the message says which.
  UnsupportedFormat: (err) => ({ code: 'InternalError', status: 500, message: err.message }),
  // 503 ServiceUnavailable: every AWS SDK (v2/v3, botocore, Go, Java) treats 503 as
  // transient and retries with backoff; S3 itself never sends 502 with an XML body.
  BackendError: () => ({ code: 'ServiceUnavailable', status: 503, message: 'The storage backend is temporarily unavailable. Please retry.' }),
  NoSuchLifecycleConfiguration: same(404),
  // 501, as S3-compatible servers answer a feature they do not offer: clients do not retry
  // it, and the message says why this one would be unsafe with deltas.
  UnsafeConfiguration: (err) => ({ code: 'NotImplemented', status: 501, message: err.message }),
  Internal: () => ({ code: 'InternalError', status: 500, message: INTERNAL_MESSAGE }),
};

/**
 * Maps anything thrown to the S3 error to send. Unknown errors become a generic
 * 500 InternalError whose message does not leak the original text.
 */
export function toS3Error(err: unknown): S3ErrorInfo {
  if (err instanceof S3Error) {
    const info: S3ErrorInfo = { code: err.s3Code, status: err.status, message: err.message };
    if (err.extra) info.extra = { ...err.extra };
    return info;
  }
  if (err instanceof DeltaGliderError) {
    const mapper = Object.prototype.hasOwnProperty.call(CORE_TABLE, err.code) ? CORE_TABLE[err.code] : undefined;
    if (mapper) return mapper(err);
  }
  return { code: 'InternalError', status: 500, message: INTERNAL_MESSAGE };
}

/** Input of renderErrorXml. `resource` is omitted from the XML when undefined. */
export interface ErrorXmlInput {
  code: string;
  message: string;
  resource?: string;
  requestId: string;
  extra?: Record<string, string>;
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Renders S3's `<Error>` document (extra elements go between Message and Resource, as S3 does). */
export function renderErrorXml(input: ErrorXmlInput): string {
  let xml = '<?xml version="1.0" encoding="UTF-8"?><Error>';
  xml += `<Code>${escapeXml(input.code)}</Code>`;
  xml += `<Message>${escapeXml(input.message)}</Message>`;
  if (input.extra) {
    for (const [name, value] of Object.entries(input.extra)) {
      if (!XML_NAME.test(name)) continue;
      xml += `<${name}>${escapeXml(value)}</${name}>`;
    }
  }
  if (input.resource !== undefined) xml += `<Resource>${escapeXml(input.resource)}</Resource>`;
  xml += `<RequestId>${escapeXml(input.requestId)}</RequestId>`;
  xml += '</Error>';
  return xml;
}
