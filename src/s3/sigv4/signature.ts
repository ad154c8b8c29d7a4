/** Rebuilds the canonical request and string to sign, and compares the signature. */
import { Buffer } from 'node:buffer';
import { S3Error } from '../error-table.js';
import { canonicalHeaderValue, canonicalUriCandidates } from './canonical.js';
import { ALGORITHM, SERVICE, TERMINATOR } from './constants.js';
import { resolveSecret, type ParsedCredential } from './credential.js';
import { deriveSigningKey, hmacHex, sha256Hex, signaturesEqual } from './signing.js';
import type { CredentialLookup, PayloadMode, SigV4Context, SigV4Credential, SigV4Request } from './types.js';

/** What one signature is computed over, and the signature the client provided. */
export interface SignatureCheck {
  method: string;
  path: string;
  canonicalQuery: string;
  headers: SigV4Request['headers'];
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  scope: string;
  signingKey: Buffer;
  provided: string;
  accessKeyId: string;
}

/**
 * Accepts when any canonical form a legitimate client may have signed matches;
 * otherwise SignatureDoesNotMatch with S3's diagnostics.
 */
export function verifySignature(check: SignatureCheck): void {
  const headerBlock = check.signedHeaders.map((h) => `${h}:${canonicalHeaderValue(check.headers[h])}\n`).join('');
  // Node hands header bytes over as latin1 text. Clients sign their header strings as
  // UTF-8 and (the AWS SDKs, boto3) send those UTF-8 bytes, so a non-ASCII value (user
  // metadata) is hashed as the bytes received; the text form stays as a second
  // candidate for clients that put Latin-1 bytes on the wire.
  const headerBlocks: (string | Buffer)[] = /[^\x00-\x7f]/.test(headerBlock) ? [Buffer.from(headerBlock, 'latin1'), headerBlock] : [headerBlock];
  let first: { canonicalRequest: string; stringToSign: string } | undefined;
  for (const block of headerBlocks) {
    for (const uri of canonicalUriCandidates(check.path)) {
      const head = `${check.method}\n${uri}\n${check.canonicalQuery}\n`;
      const tail = `\n${check.signedHeaders.join(';')}\n${check.payloadHash}`;
      const canonicalRequest = typeof block === 'string' ? `${head}${block}${tail}` : Buffer.concat([Buffer.from(head), block, Buffer.from(tail)]);
      const stringToSign = `${ALGORITHM}\n${check.amzDate}\n${check.scope}\n${sha256Hex(canonicalRequest)}`;
      if (signaturesEqual(hmacHex(check.signingKey, stringToSign), check.provided)) return;
      first ??= { canonicalRequest: canonicalRequest.toString(), stringToSign };
    }
  }
  // Same diagnostics S3 returns; they contain nothing secret and save hours of debugging.
  throw new S3Error('SignatureDoesNotMatch', undefined, {
    extra: {
      AWSAccessKeyId: check.accessKeyId,
      StringToSign: first!.stringToSign,
      SignatureProvided: check.provided,
      CanonicalRequest: first!.canonicalRequest,
    },
  });
}

/** A signature as either form (header or presigned URL) presents it, its fields parsed and checked. */
export interface PresentedSignature {
  authType: SigV4Context['authType'];
  request: SigV4Request;
  path: string;
  canonicalQuery: string;
  cred: ParsedCredential;
  signedHeaders: string[];
  /** The payload hash value as signed (x-amz-content-sha256 or its presigned stand-in). */
  payloadHash: string;
  payload: { mode: PayloadMode; hash?: string };
  amzDate: string;
  provided: string;
}

/** Looks up the secret, checks the signature, and returns the signing context it proves. */
export async function checkSignature(
  presented: PresentedSignature,
  credentials: SigV4Credential[] | CredentialLookup,
): Promise<SigV4Context> {
  const { cred, payload } = presented;
  const secret = await resolveSecret(credentials, cred.accessKeyId);
  const signingKey = deriveSigningKey(secret, cred.shortDate, cred.region);
  const scope = `${cred.shortDate}/${cred.region}/${SERVICE}/${TERMINATOR}`;
  verifySignature({
    method: presented.request.method.toUpperCase(),
    path: presented.path,
    canonicalQuery: presented.canonicalQuery,
    headers: presented.request.headers,
    signedHeaders: presented.signedHeaders,
    payloadHash: presented.payloadHash,
    amzDate: presented.amzDate,
    scope,
    signingKey,
    provided: presented.provided,
    accessKeyId: cred.accessKeyId,
  });
  const ctx: SigV4Context = {
    authType: presented.authType,
    accessKeyId: cred.accessKeyId,
    region: cred.region,
    scope,
    amzDate: presented.amzDate,
    signingKey,
    seedSignature: presented.provided.toLowerCase(),
    signedHeaders: presented.signedHeaders,
    payloadMode: payload.mode,
  };
  if (payload.hash) ctx.payloadHash = payload.hash;
  return ctx;
}
