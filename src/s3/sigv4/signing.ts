/** The SigV4 crypto primitives: signing-key derivation, SHA-256/HMAC hex, constant-time compare. */
import { Buffer } from 'node:buffer';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SERVICE, TERMINATOR } from './constants.js';

/** The HMAC-SHA256 key chain `AWS4<secret>` -> date -> region -> service -> aws4_request. */
export function deriveSigningKey(secretAccessKey: string, shortDate: string, region: string, service = SERVICE): Buffer {
  let key: Buffer = createHmac('sha256', `AWS4${secretAccessKey}`).update(shortDate).digest();
  key = createHmac('sha256', key).update(region).digest();
  key = createHmac('sha256', key).update(service).digest();
  return createHmac('sha256', key).update(TERMINATOR).digest();
}

/** Lower-case hex SHA-256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Lower-case hex HMAC-SHA256 of `data` under `key`. */
export function hmacHex(key: Uint8Array, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Constant-time comparison of two hex signatures (false on any length or format mismatch). */
export function signaturesEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided.toLowerCase(), 'utf8');
  if (a.length !== b.length) {
    // Still spend the comparison so timing does not reveal the length check.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}
