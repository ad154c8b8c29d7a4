/**
 * AWS Signature Version 4 verification for an S3 server: Authorization-header auth,
 * presigned URLs, and the payload-hash modes that decide how the body is checked.
 * Works on plain request values so it runs the same in the middleware, the reverse
 * proxy and tests.
 */
export { canonicalQueryString, canonicalUriCandidates, parseRawQuery, uriEncode } from './canonical.js';
export { DEFAULT_MAX_SKEW_MS, MAX_PRESIGN_EXPIRES_SECONDS, SIGV2_MESSAGE } from './constants.js';
export { EMPTY_SHA256, PayloadHashVerifier } from './payload-hash.js';
export { deriveSigningKey, hmacHex, sha256Hex, signaturesEqual } from './signing.js';
export type { CredentialLookup, PayloadMode, SigV4Context, SigV4Credential, SigV4Options, SigV4Request } from './types.js';
export { detectAuthType, verifySigV4 } from './verify.js';
