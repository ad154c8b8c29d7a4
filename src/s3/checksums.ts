/**
 * Body integrity headers: Content-MD5 and the flexible checksums
 * (x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}), all base64 of the raw digest.
 * Digests are computed incrementally; nothing here holds the body.
 */
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Crc32, Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { BadDigestError } from '../core/errors.js';
import { S3Error } from './error-table.js';

/** Flexible checksum algorithms S3 supports, by their header suffix. */
export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'crc64nvme' | 'sha1' | 'sha256';

/** All supported algorithms. */
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { crc32: 4, crc32c: 4, crc64nvme: 8, sha1: 20, sha256: 32 };

/** Names used by S3 in messages and in x-amz-sdk-checksum-algorithm. */
const DISPLAY: Record<ChecksumAlgorithm, string> = {
  crc32: 'CRC32',
  crc32c: 'CRC32C',
  crc64nvme: 'CRC64NVME',
  sha1: 'SHA1',
  sha256: 'SHA256',
};

/** Digests a client asked us to check, as received (base64). */
export interface ExpectedDigests {
  contentMd5?: string;
  checksums?: Partial<Record<ChecksumAlgorithm, string>>;
}

/** Digests actually computed over the body (base64). */
export interface ComputedDigests {
  md5?: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

// --- Digests -----------------------------------------------------------------------------

/** An incremental digest; the AWS SDK's CRC classes and node:crypto hashes both fit. */
interface Hasher {
  update(data: Uint8Array): void;
  digest(): Promise<Uint8Array>;
}

/** A node:crypto hash (MD5, SHA-1, SHA-256) behind the SDK's Checksum shape. */
class NodeHasher implements Hasher {
  readonly #hash;
  constructor(algorithm: string) {
    this.#hash = createHash(algorithm);
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

/** The CRCs are the AWS SDK's own (what clients compute them with); the hashes are node:crypto's. */
function hasherFor(alg: ChecksumAlgorithm): Hasher {
  switch (alg) {
    case 'crc32': return new Crc32();
    case 'crc32c': return new Crc32c();
    case 'crc64nvme': return new Crc64Nvme();
    case 'sha1': return new NodeHasher('sha1');
    case 'sha256': return new NodeHasher('sha256');
  }
}

// --- Header parsing -----------------------------------------------------------------------

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodedBase64Length(value: string): number | undefined {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64').length;
}

/** Maps an algorithm name in any S3 spelling (CRC32C, crc32c) to ours; undefined if unknown. */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  const lower = name.trim().toLowerCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(lower) ? (lower as ChecksumAlgorithm) : undefined;
}

/** Checks that a base64 checksum value has the right digest length for its algorithm. */
export function isValidChecksumValue(alg: ChecksumAlgorithm, value: string): boolean {
  return decodedBase64Length(value) === DIGEST_BYTES[alg];
}

/** A Content-MD5 value (header or SDK `ContentMD5`), trimmed; InvalidDigest unless it is base64 of 16 bytes. */
export function parseContentMd5(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (decodedBase64Length(trimmed) !== 16) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified is not valid.');
  return trimmed;
}

// Headers that start with x-amz-checksum- but carry configuration, not a digest.
const NON_DIGEST_HEADERS = new Set(['x-amz-checksum-type', 'x-amz-checksum-algorithm', 'x-amz-checksum-mode']);

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Reads Content-MD5 and x-amz-checksum-* from request headers (lower-case keys).
 * A malformed Content-MD5 is InvalidDigest; an unknown algorithm, a malformed checksum
 * value or more than one checksum header is InvalidRequest, as S3 answers.
 */
export function expectedDigestsFromHeaders(headers: Record<string, string | string[] | undefined>): ExpectedDigests {
  const expected: ExpectedDigests = {};
  const md5 = parseContentMd5(single(headers['content-md5']));
  if (md5 !== undefined) expected.contentMd5 = md5;
  const sdkAlg = single(headers['x-amz-sdk-checksum-algorithm']);
  if (sdkAlg !== undefined && !parseChecksumAlgorithm(sdkAlg)) {
    throw new S3Error('InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid: unsupported checksum algorithm ${sdkAlg}.`);
  }
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  let count = 0;
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-checksum-') || NON_DIGEST_HEADERS.has(name) || raw === undefined) continue;
    const alg = parseChecksumAlgorithm(name.slice('x-amz-checksum-'.length));
    if (!alg) throw new S3Error('InvalidRequest', `Unsupported checksum header ${name}; supported: ${CHECKSUM_ALGORITHMS.map((a) => `x-amz-checksum-${a}`).join(', ')}.`);
    const value = single(raw)!.trim();
    if (!isValidChecksumValue(alg, value)) throw new S3Error('InvalidRequest', `Value for ${name} header is invalid.`);
    checksums[alg] = value;
    count++;
  }
  if (count > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  if (count > 0) expected.checksums = checksums;
  return expected;
}

/**
 * Algorithms announced in x-amz-trailer (e.g. "x-amz-checksum-crc32"), whose values
 * arrive in the aws-chunked trailer. Unknown trailers are InvalidRequest.
 */
export function checksumAlgorithmsFromTrailer(trailerHeader: string | undefined): ChecksumAlgorithm[] {
  if (!trailerHeader) return [];
  const algs: ChecksumAlgorithm[] = [];
  for (const raw of trailerHeader.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    const alg = name.startsWith('x-amz-checksum-') ? parseChecksumAlgorithm(name.slice('x-amz-checksum-'.length)) : undefined;
    if (!alg) throw new S3Error('InvalidRequest', `The value specified in the x-amz-trailer header is not supported: ${name}`);
    if (!algs.includes(alg)) algs.push(alg);
  }
  if (algs.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  return algs;
}

/**
 * Turns aws-chunked trailers (lower-case names) into expected digests, validating
 * the values like headers.
 */
export function expectedDigestsFromTrailers(trailers: Record<string, string>): ExpectedDigests {
  const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const [name, value] of Object.entries(trailers)) {
    if (!name.startsWith('x-amz-checksum-')) continue;
    const alg = parseChecksumAlgorithm(name.slice('x-amz-checksum-'.length));
    if (!alg) continue;
    if (!isValidChecksumValue(alg, value)) throw new S3Error('InvalidRequest', `Value for ${name} trailing header is invalid.`);
    checksums[alg] = value;
  }
  return Object.keys(checksums).length > 0 ? { checksums } : {};
}

function mergeExpected(a: ExpectedDigests, b: ExpectedDigests): ExpectedDigests {
  const out: ExpectedDigests = {};
  const md5 = a.contentMd5 ?? b.contentMd5;
  if (md5 !== undefined) out.contentMd5 = md5;
  if (a.checksums || b.checksums) out.checksums = { ...a.checksums, ...b.checksums };
  return out;
}

/** Merges expected digests from several sources (headers, trailers); later ones win. */
export function combineExpectedDigests(...sources: ExpectedDigests[]): ExpectedDigests {
  return sources.reduce(mergeExpected, {});
}

// --- Digesting ----------------------------------------------------------------------------

/** What to compute over the body. */
export interface BodyDigesterOptions {
  md5?: boolean;
  algorithms?: ChecksumAlgorithm[];
}

/** Algorithms needed to check `expected` (plus anything the caller wants computed anyway). */
export function digesterOptionsFor(expected: ExpectedDigests, also: ChecksumAlgorithm[] = []): BodyDigesterOptions {
  const algorithms = new Set<ChecksumAlgorithm>(also);
  for (const alg of Object.keys(expected.checksums ?? {}) as ChecksumAlgorithm[]) algorithms.add(alg);
  return { md5: expected.contentMd5 !== undefined, algorithms: [...algorithms] };
}

function sameBase64(expected: string, actual: Buffer): boolean {
  const e = Buffer.from(expected, 'base64');
  return e.length === actual.length && timingSafeEqual(e, actual);
}

/** Incremental digests of a body; feed with update(), then digest() or verify() once. */
export class BodyDigester {
  readonly #md5: Hasher | undefined;
  readonly #hashers = new Map<ChecksumAlgorithm, Hasher>();
  #result: Promise<{ md5?: Buffer; checksums: Map<ChecksumAlgorithm, Buffer> }> | undefined;

  constructor(options: BodyDigesterOptions) {
    if (options.md5) this.#md5 = new NodeHasher('md5');
    for (const alg of options.algorithms ?? []) this.#hashers.set(alg, hasherFor(alg));
  }

  /** Feeds body bytes. */
  update(data: Uint8Array): void {
    if (this.#result) throw new Error('BodyDigester already finalised');
    this.#md5?.update(data);
    for (const h of this.#hashers.values()) h.update(data);
  }

  #final(): Promise<{ md5?: Buffer; checksums: Map<ChecksumAlgorithm, Buffer> }> {
    this.#result ??= (async () => {
      const checksums = new Map<ChecksumAlgorithm, Buffer>();
      for (const [alg, h] of this.#hashers) checksums.set(alg, Buffer.from(await h.digest()));
      return this.#md5 ? { checksums, md5: Buffer.from(await this.#md5.digest()) } : { checksums };
    })();
    return this.#result;
  }

  /** The computed digests, base64 (finalises the digester). */
  async digest(): Promise<ComputedDigests> {
    const r = await this.#final();
    const out: ComputedDigests = { checksums: {} };
    if (r.md5) out.md5 = r.md5.toString('base64');
    for (const [alg, d] of r.checksums) out.checksums[alg] = d.toString('base64');
    return out;
  }

  /** Rejects with BadDigestError if any expected digest differs from the computed one. */
  async verify(expected: ExpectedDigests): Promise<void> {
    const r = await this.#final();
    if (expected.contentMd5 !== undefined) {
      if (!r.md5) throw new S3Error('InvalidRequest', 'Content-MD5 arrived after the body; it must be sent as a header.');
      if (!sameBase64(expected.contentMd5, r.md5)) throw new BadDigestError('The Content-MD5 you specified did not match what we received.');
    }
    for (const [alg, value] of Object.entries(expected.checksums ?? {}) as [ChecksumAlgorithm, string][]) {
      const actual = r.checksums.get(alg);
      // Only reachable when a checksum shows up that was not announced up front (e.g. an
      // unannounced trailer): refuse it rather than silently skip the check.
      if (!actual) throw new S3Error('InvalidRequest', `The x-amz-checksum-${alg} value was not announced before the body.`);
      if (!sameBase64(value, actual)) {
        throw new BadDigestError(`The ${DISPLAY[alg]} you specified did not match the calculated checksum.`);
      }
    }
  }
}

/**
 * Pass-through stream that digests the body and verifies it when the body ends
 * (BadDigestError). `expected` may be a function so digests that arrive in an
 * aws-chunked trailer (known only once the decoder upstream has finished) work too.
 */
export class DigestVerifyStream extends Transform {
  readonly digester: BodyDigester;
  readonly #expected: ExpectedDigests | (() => ExpectedDigests);

  constructor(expected: ExpectedDigests | (() => ExpectedDigests), options: BodyDigesterOptions) {
    super();
    this.#expected = expected;
    this.digester = new BodyDigester(options);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.digester.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    let expected: ExpectedDigests;
    try {
      expected = typeof this.#expected === 'function' ? this.#expected() : this.#expected;
    } catch (err) {
      return cb(err as Error);
    }
    this.digester.verify(expected).then(() => cb(), cb);
  }
}
