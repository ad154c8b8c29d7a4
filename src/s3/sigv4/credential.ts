/** The credential scope and signed-header list of a signature, and the secret behind its key id. */
import { S3Error } from '../error-table.js';
import { SERVICE, TERMINATOR } from './constants.js';
import type { CredentialLookup, SigV4Credential, SigV4Options } from './types.js';

/** The parts of `<akid>/<yyyymmdd>/<region>/<service>/aws4_request`. */
export interface ParsedCredential {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
  terminator: string;
}

/** Splits a Credential value into its scope parts; undefined when malformed. */
export function parseCredential(value: string): ParsedCredential | undefined {
  // The access key id itself never contains '/', so splitting from the right is safe.
  const parts = value.split('/');
  if (parts.length < 5) return undefined;
  const terminator = parts.pop()!;
  const service = parts.pop()!;
  const region = parts.pop()!;
  const shortDate = parts.pop()!;
  const accessKeyId = parts.join('/');
  if (!accessKeyId || !/^\d{8}$/.test(shortDate) || !region) return undefined;
  return { accessKeyId, shortDate, region, service, terminator };
}

/** The secret for an access key id, or InvalidAccessKeyId. */
export async function resolveSecret(
  credentials: SigV4Credential[] | CredentialLookup,
  accessKeyId: string,
): Promise<string> {
  let secret: string | undefined;
  if (typeof credentials === 'function') {
    const found = await credentials(accessKeyId);
    secret = typeof found === 'string' ? found : found?.accessKeyId === accessKeyId ? found.secretAccessKey : undefined;
  } else {
    secret = credentials.find((c) => c.accessKeyId === accessKeyId)?.secretAccessKey;
  }
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { extra: { AWSAccessKeyId: accessKeyId } });
  return secret;
}

/** Refuses a scope naming another service, terminator or (when configured) region. */
export function checkScope(cred: ParsedCredential, options: SigV4Options, presigned: boolean): void {
  const code = presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed';
  if (cred.service !== SERVICE) {
    throw new S3Error(code, `The authorization header is malformed; incorrect service "${cred.service}". This endpoint belongs to "s3".`);
  }
  if (cred.terminator !== TERMINATOR) {
    throw new S3Error(code, `The authorization header is malformed; incorrect terminal "${cred.terminator}". This endpoint uses "aws4_request".`);
  }
  if (options.region !== undefined && cred.region !== options.region) {
    throw new S3Error(code, `The authorization header is malformed; the region '${cred.region}' is wrong; expecting '${options.region}'`, {
      extra: { Region: options.region },
    });
  }
}

/** The SignedHeaders list, which must be lower-case and include host. */
export function parseSignedHeaders(value: string, code: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): string[] {
  const list = value.split(';');
  if (list.some((h) => h === '' || h !== h.toLowerCase())) throw new S3Error(code, 'SignedHeaders must be a ;-separated list of lower-case header names.');
  if (!list.includes('host')) throw new S3Error(code, 'SignedHeaders must include the host header.');
  return list;
}
