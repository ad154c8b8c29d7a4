/** The shapes SigV4 verification works on: the request as received, credentials, options, result. */
import type { Buffer } from 'node:buffer';

/** The request as received: raw path (not re-encoded), raw query, lower-cased headers. */
export interface SigV4Request {
  method: string;
  /** Raw URI path as sent on the wire (e.g. from `req.originalUrl`), without the query. */
  path: string;
  /** Raw query string without the leading '?'. When omitted, a '?' in `path` is split off. */
  query?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** An access key pair the server accepts. */
export interface SigV4Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Looks up the secret for an access key id; undefined means unknown key. */
export type CredentialLookup = (
  accessKeyId: string,
) => string | SigV4Credential | undefined | Promise<string | SigV4Credential | undefined>;

/** Verification knobs. */
export interface SigV4Options {
  /** Server time (defaults to Date.now()). */
  now?: Date | number;
  /** When set, a credential scope naming another region is refused (as S3 does). */
  region?: string;
  /** Allowed clock difference; S3 uses 15 minutes. */
  maxSkewMs?: number;
  /**
   * Header auth only: refuse x-amz-* request headers that are not signed (S3 does).
   * Default true.
   */
  requireSignedAmzHeaders?: boolean;
}

/** How the body is protected, from x-amz-content-sha256 (or UNSIGNED-PAYLOAD for presigned URLs). */
export type PayloadMode =
  | 'sha256'
  | 'unsigned'
  | 'streaming-signed'
  | 'streaming-signed-trailer'
  | 'streaming-unsigned-trailer';

/** Everything a caller needs after a successful verification, including chunk-signing state. */
export interface SigV4Context {
  authType: 'header' | 'presigned';
  accessKeyId: string;
  region: string;
  /** Credential scope `yyyymmdd/region/s3/aws4_request`. */
  scope: string;
  /** Request timestamp in ISO 8601 basic format (`yyyymmddThhmmssZ`), as in the string to sign. */
  amzDate: string;
  /** Derived signing key; needed to verify aws-chunked chunk signatures. */
  signingKey: Buffer;
  /** The request signature (lower-case hex): the "previous signature" of the first chunk. */
  seedSignature: string;
  signedHeaders: string[];
  payloadMode: PayloadMode;
  /** Lower-case hex SHA-256 the body must hash to when payloadMode is 'sha256'. */
  payloadHash?: string;
  /** x-amz-decoded-content-length for streaming modes. */
  decodedContentLength?: number;
  /** Header names announced by x-amz-trailer (lower-case), for trailer modes. */
  trailerNames?: string[];
}
