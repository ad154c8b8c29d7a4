/** Verification of the presigned-URL (query-string) form of SigV4. */
import { S3Error } from '../error-table.js';
import { canonicalQueryString } from './canonical.js';
import { ALGORITHM, DEFAULT_MAX_SKEW_MS, MAX_PRESIGN_EXPIRES_SECONDS } from './constants.js';
import { checkScope, parseCredential, parseSignedHeaders } from './credential.js';
import { payloadModeOf } from './payload-hash.js';
import { formatLongDate, nowMs, parseLongDate } from './request-time.js';
import { checkSignature } from './signature.js';
import type { CredentialLookup, SigV4Context, SigV4Credential, SigV4Options, SigV4Request } from './types.js';

const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

/** Verifies a presigned URL (X-Amz-* query parameters) and returns its signing context. */
export async function verifyPresigned(
  request: SigV4Request,
  path: string,
  pairs: [string, string][],
  credentials: SigV4Credential[] | CredentialLookup,
  options: SigV4Options,
): Promise<SigV4Context> {
  const params = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (!name.startsWith('X-Amz-')) continue;
    if (params.has(name)) throw new S3Error('AuthorizationQueryParametersError', `Duplicate query parameter ${name}.`);
    params.set(name, value);
  }
  if (PRESIGN_PARAMS.some((p) => !params.has(p))) {
    throw new S3Error(
      'AuthorizationQueryParametersError',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  const algorithm = params.get('X-Amz-Algorithm')!;
  if (algorithm !== ALGORITHM) {
    throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const cred = parseCredential(params.get('X-Amz-Credential')!);
  if (!cred) throw new S3Error('AuthorizationQueryParametersError', 'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  checkScope(cred, options, true);
  const date = parseLongDate(params.get('X-Amz-Date')!);
  if (!date) throw new S3Error('AuthorizationQueryParametersError', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  const amzDate = formatLongDate(date);
  if (cred.shortDate !== amzDate.slice(0, 8)) {
    throw new S3Error('AuthorizationQueryParametersError', `Invalid credential date "${cred.shortDate}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  const expiresRaw = params.get('X-Amz-Expires')!;
  if (!/^-?\d{1,10}$/.test(expiresRaw)) throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires should be a number');
  const expires = Number(expiresRaw);
  // A number outside 1..604800 is a URL that is not valid now, not a malformed one:
  // S3 and Ceph RGW answer 403 AccessDenied, as for an expired URL.
  if (expires < 1 || expires > MAX_PRESIGN_EXPIRES_SECONDS) {
    throw new S3Error('AccessDenied', `X-Amz-Expires must be between 1 and ${MAX_PRESIGN_EXPIRES_SECONDS} seconds`);
  }
  const now = nowMs(options);
  // A URL signed "in the future" by a client with a fast clock is tolerated up to the skew allowance.
  if (date.getTime() - now > (options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    throw new S3Error('AccessDenied', 'Request is not valid yet');
  }
  // Expiry is strict, like S3: the signer chose the lifetime knowing its own clock.
  if (now > date.getTime() + expires * 1000) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      extra: { 'X-Amz-Expires': expiresRaw, Expires: new Date(date.getTime() + expires * 1000).toISOString(), ServerTime: new Date(now).toISOString() },
    });
  }
  const signedHeaders = parseSignedHeaders(params.get('X-Amz-SignedHeaders')!, 'AuthorizationQueryParametersError');
  const contentSha = params.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  const payload = payloadModeOf(contentSha);
  if (payload.mode !== 'unsigned' && payload.mode !== 'sha256') {
    throw new S3Error('InvalidRequest', 'Streaming payloads cannot be used with presigned URLs.');
  }
  const provided = params.get('X-Amz-Signature')!;

  return checkSignature(
    { authType: 'presigned', request, path, canonicalQuery: canonicalQueryString(pairs, 'X-Amz-Signature'), cred, signedHeaders, payloadHash: contentSha, payload, amzDate, provided },
    credentials,
  );
}
