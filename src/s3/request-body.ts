/**
 * Turns a request into the object bytes it carries: aws-chunked framing removed
 * (chunk signatures checked when auth is on), x-amz-content-sha256 checked,
 * Content-MD5 and x-amz-checksum-* verified. Any failure errors the returned
 * stream, so the engine's spool fails and nothing is stored.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
import { AwsChunkedDecoder, awsChunkedOptionsFor, type AwsChunkedOptions } from './aws-chunked.js';
import { checksumAlgorithmsFromTrailer, combineExpectedDigests, digesterOptionsFor, DigestVerifyStream, expectedDigestsFromHeaders, expectedDigestsFromTrailers } from './checksums.js';
import { S3Error } from './error-table.js';
import { header } from './request-header.js';
import { PayloadHashVerifier } from './sigv4/payload-hash.js';
import type { SigV4Context } from './sigv4/types.js';
import type { KnownDigests } from '../core/spool.js';

export interface DecodedBody {
  stream: Readable;
  /** Byte count of the decoded body when the request declares it. */
  contentLength?: number;
  /** Digests the stream itself verifies before it ends (a signed payload hash, Content-MD5, x-amz-checksum-sha256): the engine takes them as given. */
  verifiedDigests: KnownDigests;
}

const hexOfBase64 = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

/** Builds the decoded body stream of a request. `auth` is the verified signature, if any. */
export function decodeRequestBody(req: IncomingMessage, auth: SigV4Context | undefined): DecodedBody {
  const sha = header(req, 'x-amz-content-sha256') ?? '';
  const encoding = (header(req, 'content-encoding') ?? '').toLowerCase();
  const chunked = sha.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
  const stages: Transform[] = [];
  const verifiedDigests: KnownDigests = {};
  let contentLength: number | undefined;
  let decoder: AwsChunkedDecoder | undefined;
  if (chunked) {
    const decoded = header(req, 'x-amz-decoded-content-length');
    contentLength = decoded !== undefined && /^\d+$/.test(decoded) ? Number(decoded) : undefined;
    let options: AwsChunkedOptions;
    if (auth) {
      options = awsChunkedOptionsFor(auth);
    } else {
      options = { decodedContentLength: contentLength };
      const trailer = header(req, 'x-amz-trailer');
      if (trailer) options.trailerNames = trailer.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    }
    decoder = new AwsChunkedDecoder(options);
    stages.push(decoder);
  } else {
    const cl = header(req, 'content-length');
    if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) throw new S3Error('InvalidArgument', 'Content-Length must be a non-negative integer.');
      contentLength = Number(cl);
    } else if (header(req, 'transfer-encoding') === undefined) {
      contentLength = 0;
    }
    if (/^[0-9a-f]{64}$/i.test(sha)) {
      stages.push(new PayloadHashVerifier(sha));
      verifiedDigests.sha256 = sha.toLowerCase();
    }
  }
  const fromHeaders = expectedDigestsFromHeaders(req.headers);
  const trailerAnnounced = header(req, 'x-amz-trailer');
  if (fromHeaders.contentMd5 !== undefined || Object.keys(fromHeaders.checksums ?? {}).length > 0 || (decoder && trailerAnnounced)) {
    const d = decoder;
    const trailerAlgs = d ? checksumAlgorithmsFromTrailer(trailerAnnounced) : [];
    stages.push(
      new DigestVerifyStream(
        () => combineExpectedDigests(fromHeaders, d ? expectedDigestsFromTrailers(d.trailers) : {}),
        digesterOptionsFor(fromHeaders, trailerAlgs),
      ),
    );
    if (fromHeaders.contentMd5 !== undefined) verifiedDigests.md5 = hexOfBase64(fromHeaders.contentMd5);
    if (fromHeaders.checksums?.sha256 !== undefined) verifiedDigests.sha256 ??= hexOfBase64(fromHeaders.checksums.sha256);
  }
  if (stages.length === 0) return { stream: req, contentLength, verifiedDigests };
  const out = new PassThrough();
  pipeline([req, ...stages, out] as unknown as [Readable, ...Transform[]], (err) => {
    if (err) out.destroy(err);
  });
  return { stream: out, contentLength, verifiedDigests };
}

/** Reads a small request body (XML) into memory, refusing anything over `max` bytes. */
export async function readSmallBody(body: DecodedBody, max: number): Promise<Buffer> {
  if (body.contentLength !== undefined && body.contentLength > max) {
    body.stream.resume();
    throw new S3Error('MalformedXML', `The XML you provided was larger than the ${max} bytes allowed.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body.stream) {
    size += (c as Buffer).length;
    if (size > max) throw new S3Error('MalformedXML', `The XML you provided was larger than the ${max} bytes allowed.`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
