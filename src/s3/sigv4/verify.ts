/** The SigV4 entry point: which mechanism a request uses, and its verification. */
import { S3Error } from '../error-table.js';
import { headerValue, parseRawQuery, splitPathQuery } from './canonical.js';
import { SIGV2_MESSAGE } from './constants.js';
import { verifyHeaderAuth } from './header-auth.js';
import { verifyPresigned } from './presigned.js';
import type { CredentialLookup, SigV4Context, SigV4Credential, SigV4Options, SigV4Request } from './types.js';

/** Which SigV4 mechanism a request uses, without verifying anything. */
export function detectAuthType(request: SigV4Request): 'header' | 'presigned' | 'none' {
  const auth = headerValue(request.headers, 'authorization');
  const { query } = splitPathQuery(request);
  const presigned = /(^|&)X-Amz-Algorithm=/.test(query) || /(^|&)X-Amz-Signature=/.test(query);
  if (auth !== undefined && auth !== '') return 'header';
  return presigned ? 'presigned' : 'none';
}

/**
 * Verifies a SigV4-signed S3 request (Authorization header or presigned URL).
 * Resolves to the signing context (needed for aws-chunked bodies and the payload
 * check) or rejects with an S3Error carrying S3's code. Body verification is the
 * caller's job: see `payloadMode`, PayloadHashVerifier and the aws-chunked decoder.
 */
export async function verifySigV4(
  request: SigV4Request,
  credentials: SigV4Credential[] | CredentialLookup,
  options: SigV4Options = {},
): Promise<SigV4Context> {
  const type = detectAuthType(request);
  const { path, query } = splitPathQuery(request);
  const pairs = parseRawQuery(query);
  if (type === 'none') {
    // A SigV2 presigned URL carries no X-Amz-* parameters: without this check it would
    // read as anonymous, and "access forbidden" sends its user hunting for wrong keys.
    if (pairs.some(([n]) => n === 'Signature') && pairs.some(([n]) => n === 'AWSAccessKeyId')) throw new S3Error('InvalidRequest', SIGV2_MESSAGE);
    throw new S3Error('AccessDenied', 'Anonymous access is forbidden for this operation.');
  }
  if (type === 'header' && pairs.some(([n]) => n === 'X-Amz-Algorithm' || n === 'X-Amz-Signature')) {
    throw new S3Error('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
  }
  return type === 'header'
    ? verifyHeaderAuth(request, path, pairs, credentials, options)
    : verifyPresigned(request, path, pairs, credentials, options);
}
