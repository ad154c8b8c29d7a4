/**
 * AWS Signature Version 4 verification for an S3 server: Authorization-header auth,
 * presigned URLs, and the payload-hash modes that decide how the body is checked.
 * Works on plain request values so it runs the same in the middleware, the reverse
 * proxy and tests.
 */
import { Buffer } from 'node:buffer';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from './error-table.js';

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

/** SHA-256 of the empty string, the payload hash of every body-less request. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** S3's default allowed clock skew. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

/** Longest lifetime of a presigned URL (7 days). */
export const MAX_PRESIGN_EXPIRES_SECONDS = 604800;

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** The answer to any SigV2-signed request (`Authorization: AWS ...` or `?AWSAccessKeyId=&Signature=&Expires=`). */
export const SIGV2_MESSAGE =
  'AWS Signature Version 2 is not supported: deltaglider accepts only Signature Version 4 (AWS4-HMAC-SHA256), in the Authorization header or a presigned URL with X-Amz-Algorithm=AWS4-HMAC-SHA256. Configure the client for SigV4 (s3cmd: without --signature-v2, signature_v2 = False; boto3: signature_version="s3v4").';
const SERVICE = 's3';
const TERMINATOR = 'aws4_request';

const PAYLOAD_MODES: Record<string, PayloadMode> = {
  'UNSIGNED-PAYLOAD': 'unsigned',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': 'streaming-signed',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': 'streaming-signed-trailer',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': 'streaming-unsigned-trailer',
};

const UNRESERVED_BYTE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') UNRESERVED_BYTE[c.charCodeAt(0)] = 1;

/**
 * AWS URI encoding: UTF-8 bytes, RFC 3986 unreserved characters kept, everything else
 * %XX upper-case (space is %20, never '+'). '/' is kept unless `encodeSlash`.
 */
export function uriEncode(value: string, encodeSlash = true): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (UNRESERVED_BYTE[b] || (b === 0x2f && !encodeSlash)) out += String.fromCharCode(b);
    else out += b < 16 ? `%0${b.toString(16).toUpperCase()}` : `%${b.toString(16).toUpperCase()}`;
  }
  return out;
}

function percentDecode(value: string): string {
  // decodeURIComponent leaves '+' alone, which is what SigV4 expects: AWS clients
  // always send a literal space as %20 and a literal plus as %2B.
  return decodeURIComponent(value);
}

/**
 * Splits a raw query string into decoded [name, value] pairs, in order.
 * Malformed percent-encoding is an InvalidURI, as S3 answers.
 */
export function parseRawQuery(raw: string): [string, string][] {
  const pairs: [string, string][] = [];
  if (!raw) return pairs;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      pairs.push([percentDecode(rawName), percentDecode(rawValue)]);
    } catch {
      throw new S3Error('InvalidURI');
    }
  }
  return pairs;
}

/** Canonical query string: AWS-encoded names and values, sorted by name then value. */
export function canonicalQueryString(pairs: [string, string][], exclude?: string): string {
  const encoded = pairs.filter(([name]) => name !== exclude).map(([n, v]) => [uriEncode(n), uriEncode(v)] as const);
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([n, v]) => `${n}=${v}`).join('&');
}

/**
 * The canonical URIs a legitimate S3 client may have signed for this raw path:
 * the path exactly as sent (what every AWS SDK signs for S3: no normalisation, no
 * double encoding), then the segment-wise re-encoding of the decoded path, for
 * clients that put characters like `(`, `'`, `*` or `!` on the wire unencoded or
 * use lower-case hex but sign the canonical %XX form. Both name the same decoded key.
 */
export function canonicalUriCandidates(rawPath: string): string[] {
  const raw = rawPath === '' ? '/' : rawPath;
  const candidates = [raw];
  try {
    const reencoded = raw
      .split('/')
      .map((segment) => uriEncode(percentDecode(segment)))
      .join('/');
    if (reencoded !== raw) candidates.push(reencoded);
  } catch {
    // Undecodable path: only the raw form can have been signed.
  }
  return candidates;
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : value ?? '';
  // Same trimming as the SDK signers: CR/LF to space, runs of space/tab collapsed, ends trimmed.
  return joined.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

function headerValue(headers: SigV4Request['headers'], name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

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

const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function parseLongDate(value: string): Date | undefined {
  const m = LONG_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  // Reject dates that rolled over (e.g. month 13) instead of silently normalising.
  if (date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '') !== value) return undefined;
  return date;
}

function formatLongDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

interface ParsedCredential {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
  terminator: string;
}

function parseCredential(value: string): ParsedCredential | undefined {
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

/** Which SigV4 mechanism a request uses, without verifying anything. */
export function detectAuthType(request: SigV4Request): 'header' | 'presigned' | 'none' {
  const auth = headerValue(request.headers, 'authorization');
  const { query } = splitPathQuery(request);
  const presigned = /(^|&)X-Amz-Algorithm=/.test(query) || /(^|&)X-Amz-Signature=/.test(query);
  if (auth !== undefined && auth !== '') return 'header';
  return presigned ? 'presigned' : 'none';
}

function splitPathQuery(request: SigV4Request): { path: string; query: string } {
  if (request.query !== undefined) return { path: request.path, query: request.query };
  const q = request.path.indexOf('?');
  return q < 0 ? { path: request.path, query: '' } : { path: request.path.slice(0, q), query: request.path.slice(q + 1) };
}

async function resolveSecret(
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

function checkScope(cred: ParsedCredential, options: SigV4Options, presigned: boolean): void {
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

function payloadModeOf(value: string): { mode: PayloadMode; hash?: string } {
  const mode = PAYLOAD_MODES[value];
  if (mode) return { mode };
  if (/^[0-9a-fA-F]{64}$/.test(value)) return { mode: 'sha256', hash: value.toLowerCase() };
  if (value.startsWith('STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD')) {
    throw new S3Error('NotImplemented', 'SigV4a (AWS4-ECDSA-P256-SHA256) streaming payloads are not supported.');
  }
  throw new S3Error(
    'InvalidArgument',
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.',
  );
}

function nowMs(options: SigV4Options): number {
  const { now } = options;
  return now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime();
}

interface SignatureCheck {
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

function verifySignature(check: SignatureCheck): void {
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

function parseSignedHeaders(value: string, code: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): string[] {
  const list = value.split(';');
  if (list.some((h) => h === '' || h !== h.toLowerCase())) throw new S3Error(code, 'SignedHeaders must be a ;-separated list of lower-case header names.');
  if (!list.includes('host')) throw new S3Error(code, 'SignedHeaders must include the host header.');
  return list;
}

function checkSkew(date: Date, options: SigV4Options): void {
  const now = nowMs(options);
  const max = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(now - date.getTime()) > max) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      extra: {
        RequestTime: formatLongDate(date),
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: String(max),
      },
    });
  }
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

async function verifyHeaderAuth(
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

  const secret = await resolveSecret(credentials, cred.accessKeyId);
  const signingKey = deriveSigningKey(secret, cred.shortDate, cred.region);
  const scope = `${cred.shortDate}/${cred.region}/${SERVICE}/${TERMINATOR}`;
  verifySignature({
    method: request.method.toUpperCase(),
    path,
    canonicalQuery: canonicalQueryString(pairs),
    headers: request.headers,
    signedHeaders,
    payloadHash: contentSha,
    amzDate,
    scope,
    signingKey,
    provided: signature,
    accessKeyId: cred.accessKeyId,
  });

  const ctx: SigV4Context = {
    authType: 'header',
    accessKeyId: cred.accessKeyId,
    region: cred.region,
    scope,
    amzDate,
    signingKey,
    seedSignature: signature.toLowerCase(),
    signedHeaders,
    payloadMode: payload.mode,
  };
  if (payload.hash) ctx.payloadHash = payload.hash;
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

const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

async function verifyPresigned(
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

  const secret = await resolveSecret(credentials, cred.accessKeyId);
  const signingKey = deriveSigningKey(secret, cred.shortDate, cred.region);
  const scope = `${cred.shortDate}/${cred.region}/${SERVICE}/${TERMINATOR}`;
  verifySignature({
    method: request.method.toUpperCase(),
    path,
    canonicalQuery: canonicalQueryString(pairs, 'X-Amz-Signature'),
    headers: request.headers,
    signedHeaders,
    payloadHash: contentSha,
    amzDate,
    scope,
    signingKey,
    provided,
    accessKeyId: cred.accessKeyId,
  });
  const ctx: SigV4Context = {
    authType: 'presigned',
    accessKeyId: cred.accessKeyId,
    region: cred.region,
    scope,
    amzDate,
    signingKey,
    seedSignature: provided.toLowerCase(),
    signedHeaders,
    payloadMode: payload.mode,
  };
  if (payload.hash) ctx.payloadHash = payload.hash;
  return ctx;
}

/**
 * Pass-through stream that hashes the body and fails with XAmzContentSHA256Mismatch
 * at the end when it does not match the signed x-amz-content-sha256. Consumers must
 * not commit the object before this stream ends without error.
 */
export class PayloadHashVerifier extends Transform {
  readonly #hash = createHash('sha256');
  readonly #expected: string;
  constructor(expectedHex: string) {
    super();
    this.#expected = expectedHex.toLowerCase();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    if (!signaturesEqual(this.#expected, actual)) {
      cb(new S3Error('XAmzContentSHA256Mismatch', undefined, { extra: { ClientComputedContentSHA256: this.#expected, S3ComputedContentSHA256: actual } }));
      return;
    }
    cb();
  }
}
