/** Rebuilds the canonical request and string to sign, and compares the signature. */
import { Buffer } from 'node:buffer';
import { S3Error } from '../error-table.js';
import { canonicalHeaderValue, canonicalUriCandidates } from './canonical.js';
import { ALGORITHM } from './constants.js';
import { hmacHex, sha256Hex, signaturesEqual } from './signing.js';
import type { SigV4Request } from './types.js';

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
