/** Verification of the Authorization-header form of SigV4. */
import { S3Error } from '../error-table.js';
import { canonicalQueryString, headerValue } from './canonical.js';
import { ALGORITHM, SIGV2_MESSAGE } from './constants.js';
import { checkScope, parseCredential, parseSignedHeaders } from './credential.js';
import { payloadModeOf } from './payload-hash.js';
import { checkSkew, formatLongDate, parseLongDate } from './request-time.js';
import { checkSignature } from './signature.js';
import type { CredentialLookup, SigV4Context, SigV4Credential, SigV4Options, SigV4Request } from './types.js';

/** Verifies an `Authorization: AWS4-HMAC-SHA256 ...` request and returns its signing context. */
export async function verifyHeaderAuth(
  request: SigV4Request,
  path: string,
  pairs: [string, string][],
  credentials: SigV4Credential[] | CredentialLookup,
  options: SigV4Options,
): Promise<SigV4Context> {
  const auth = headerValue(request.headers, 'authorization')!.trim();
  const space = auth.indexOf(' ');
  const algorithm = space < 0 ? auth : auth.slice(0, space);
  if (algorithm !== ALGORITHM) {
    if (algorithm === 'AWS4-ECDSA-P256-SHA256') throw new S3Error('NotImplemented', 'SigV4a (AWS4-ECDSA-P256-SHA256) is not supported.');
    throw new S3Error('InvalidRequest', algorithm === 'AWS' ? SIGV2_MESSAGE : 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  const fields = new Map<string, string>();
  for (const part of auth.slice(space + 1).split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; the authorization component "${trimmed}" is malformed.`);
    fields.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  const credentialField = fields.get('Credential');
  const signedHeadersField = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credentialField === undefined || signedHeadersField === undefined || signature === undefined) {
    throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; it must contain Credential, SignedHeaders and Signature.');
  }
  const cred = parseCredential(credentialField);
  if (!cred) throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  checkScope(cred, options, false);
  const signedHeaders = parseSignedHeaders(signedHeadersField, 'AuthorizationHeaderMalformed');

  const amzDateHeader = headerValue(request.headers, 'x-amz-date');
  const dateHeader = headerValue(request.headers, 'date');
  let date: Date | undefined;
  if (amzDateHeader !== undefined) date = parseLongDate(amzDateHeader.trim());
  else if (dateHeader !== undefined) {
    const parsed = new Date(dateHeader);
    date = Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  if (!date) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const amzDate = formatLongDate(date);
  if (cred.shortDate !== amzDate.slice(0, 8)) {
    throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; Invalid credential date "${cred.shortDate}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`);
  }
  checkSkew(date, options);

  const contentSha = headerValue(request.headers, 'x-amz-content-sha256')?.trim();
  if (contentSha === undefined) throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  const payload = payloadModeOf(contentSha);

  if (options.requireSignedAmzHeaders !== false) {
    const unsigned = Object.keys(request.headers).filter(
      (h) => h.startsWith('x-amz-') && request.headers[h] !== undefined && !signedHeaders.includes(h),
    );
    if (unsigned.length > 0) {
      throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', {
        extra: { HeadersNotSigned: unsigned.join(', ') },
      });
    }
  }

  const ctx = await checkSignature(
    { authType: 'header', request, path, canonicalQuery: canonicalQueryString(pairs), cred, signedHeaders, payloadHash: contentSha, payload, amzDate, provided: signature },
    credentials,
  );
  if (payload.mode.startsWith('streaming')) {
    const decoded = headerValue(request.headers, 'x-amz-decoded-content-length')?.trim();
    if (decoded === undefined || !/^\d{1,15}$/.test(decoded)) {
      throw new S3Error('MissingContentLength', 'You must provide the x-amz-decoded-content-length header for a streaming upload.');
    }
    ctx.decodedContentLength = Number(decoded);
  }
  if (payload.mode.endsWith('trailer')) {
    const trailer = headerValue(request.headers, 'x-amz-trailer');
    ctx.trailerNames = (trailer ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
  }
  return ctx;
}
