/**
 * What a conformance case gets: clients, a raw HTTP requester (SigV4-signed with
 * the target's credentials), a fresh bucket, assertion helpers for S3 answers.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import { compactReferenceKeyOf, referenceKeyOf, type ListedObject } from '../../../src/index.js';
import { Sha256 } from '../../../src/reverse-proxy/sha256.js';
import type { ClientOptions, Credentials, TargetEnv } from './targets.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body parsed as XML (undefined when not XML). */
  xml?: Record<string, unknown>;
  text: string;
}

export interface RawOptions {
  /** Query string without `?`, already encoded (`list-type=2&prefix=a`). */
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Sign the request (default: true when the target enforces auth). */
  sign?: boolean;
  /** Sign with these credentials. */
  credentials?: Credentials;
  /** Send as a presigned URL instead of an Authorization header. */
  presign?: { expiresIn?: number };
  /** Leave the body unsigned (x-amz-content-sha256: UNSIGNED-PAYLOAD). */
  unsignedPayload?: boolean;
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, isArray: (name, jpath) => ['Contents', 'CommonPrefixes', 'Deleted', 'Part', 'Upload', 'Bucket'].includes(name) || jpath === 'DeleteResult.Error' });

/** S3 URI encoding of a key: every byte but unreserved characters and `/`. */
export function encodeKey(key: string): string {
  return key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

/**
 * The reference targets are held to less than our surfaces: bare s3rver sends no
 * RequestId or Resource, bare Ceph RGW 16.2 an empty Message; ours must send all
 * three. Set by the runner.
 */
export const strictness = { requestId: true, message: true };

export const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

export class CaseContext {
  readonly target: TargetEnv;
  /** Client with requestChecksumCalculation WHEN_REQUIRED. */
  readonly s3: S3Client;
  bucket = '';
  #clients = new Map<string, S3Client>();
  #buckets: string[] = [];

  constructor(target: TargetEnv) {
    this.target = target;
    this.s3 = target.client();
  }

  /** Backend key of a deltaspace's first baseline under the target's storage profile. */
  baselineKey(space: string): string {
    return this.target.profile === 'compact' ? compactReferenceKeyOf(space, 1) : referenceKeyOf(space);
  }

  /** A client with other options (cached per option set). */
  client(options: ClientOptions = {}): S3Client {
    const k = JSON.stringify(options);
    let c = this.#clients.get(k);
    if (!c) {
      c = this.target.client(options);
      this.#clients.set(k, c);
    }
    return c;
  }

  /** Creates a bucket with a unique name (`shared`: used by later cases too, so not removed after this one). */
  async newBucket(label = 'b', options: { shared?: boolean } = {}): Promise<string> {
    const name = `${label}-${randomBytes(5).toString('hex')}`.toLowerCase();
    await this.s3.send(new CreateBucketCommand({ Bucket: name }));
    if (!options.shared) this.#buckets.push(name);
    return name;
  }

  /**
   * Empties and deletes the buckets newBucket made, best effort: a backend that keeps its
   * data in RAM (the RGW targets' memstore) would otherwise fill up over a full run.
   */
  async removeBuckets(): Promise<void> {
    for (const Bucket of this.#buckets.splice(0)) {
      try {
        for (let round = 0; round < 20; round++) {
          const page = await this.s3.send(new ListObjectsV2Command({ Bucket }));
          const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
          if (keys.length === 0) break;
          await this.s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }));
        }
        const uploads = await this.s3.send(new ListMultipartUploadsCommand({ Bucket }));
        for (const u of uploads.Uploads ?? []) await this.s3.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key, UploadId: u.UploadId }));
        await this.s3.send(new DeleteBucketCommand({ Bucket }));
      } catch {
        // Cleanup only: what a case left behind is not its result.
      }
    }
  }

  /** GETs an object through the SDK and returns its bytes and output. */
  async get(key: string, bucket = this.bucket, extra: Record<string, unknown> = {}) {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
    const body = Buffer.from(await out.Body!.transformToByteArray());
    return { out, body };
  }

  /** The path (with the endpoint prefix) of a bucket or object. */
  path(bucket?: string, key?: string): string {
    const prefix = this.target.endpoint.pathname.replace(/\/$/, '');
    if (bucket === undefined) return `${prefix}/`;
    return `${prefix}/${encodeURIComponent(bucket)}${key === undefined ? '' : `/${encodeKey(key)}`}`;
  }

  /** A raw HTTP request to the surface under test; `path` from path(). */
  async raw(method: string, path: string, options: RawOptions = {}): Promise<RawResponse> {
    const { endpoint } = this.target;
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
    let headers: Record<string, string> = { ...(options.headers ?? {}) };
    let query = options.query ?? '';
    if (body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
    const sign = options.sign ?? this.target.authEnforced;
    if (sign) {
      const signed = await signRequest({ method, host: endpoint.host, path, query, headers, body, credentials: options.credentials ?? this.target.credentials, presign: options.presign, unsignedPayload: options.unsignedPayload });
      headers = signed.headers;
      query = signed.query;
    }
    return sendRaw(endpoint, method, query ? `${path}?${query}` : path, headers, body);
  }

  /** Backend keys and sizes under a prefix (our surfaces only). */
  async backendObjects(bucket: string, prefix = ''): Promise<ListedObject[]> {
    const store = this.target.backend;
    assert.ok(store, 'target has no backend handle');
    const out: ListedObject[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await store.listObjects(bucket, { prefix, startAfter, maxKeys: 1000 });
      out.push(...page.objects);
      if (!page.isTruncated) return out;
      startAfter = page.nextStartAfter;
    }
  }

  close(): void {
    for (const c of this.#clients.values()) c.destroy();
  }
}

function sendRaw(endpoint: URL, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<RawResponse> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: endpoint.hostname, port: endpoint.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let parsed: Record<string, unknown> | undefined;
        if (/^\s*<(\?xml|[A-Za-z])/.test(text)) {
          try {
            parsed = xml.parse(text) as Record<string, unknown>;
          } catch {
            parsed = undefined;
          }
        }
        ok({ status: res.statusCode ?? 0, headers: res.headers, body: buf, xml: parsed, text });
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function signRequest(input: { method: string; host: string; path: string; query: string; headers: Record<string, string>; body?: Buffer; credentials: Credentials; presign?: { expiresIn?: number }; unsignedPayload?: boolean }): Promise<{ headers: Record<string, string>; query: string }> {
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: input.credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: true });
  const queryObj: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(input.query)) {
    const cur = queryObj[k];
    queryObj[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  const headers: Record<string, string> = { ...input.headers, host: input.host };
  // Presigned URLs sign UNSIGNED-PAYLOAD (as the AWS presigner does); the header itself is not sent.
  headers['x-amz-content-sha256'] = input.presign || input.unsignedPayload ? 'UNSIGNED-PAYLOAD' : sha256(input.body ?? Buffer.alloc(0));
  // The path is sent as given (already URI-encoded); the signer must not re-encode it.
  const req = new HttpRequest({ method: input.method, protocol: 'http:', hostname: input.host, path: input.path, query: queryObj, headers, body: input.body });
  const unsigned = new Set(['x-amz-content-sha256']);
  const signed = input.presign ? await signer.presign(req, { expiresIn: input.presign.expiresIn ?? 300, unsignableHeaders: unsigned, unhoistableHeaders: unsigned }) : await signer.sign(req);
  if (input.presign) delete signed.headers['x-amz-content-sha256'];
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== null && one !== undefined) q.append(k, one);
  }
  // URLSearchParams encodes spaces as '+': S3 signing wants %20.
  return { headers: signed.headers as Record<string, string>, query: q.toString().replace(/\+/g, '%20') };
}

// ------------------------------------------------------------------ assertions

/** Header value as one string. */
export function hdr(res: RawResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Asserts an S3 error response: status, XML body with Code, Message, Resource, RequestId. */
export function assertS3Error(res: RawResponse, status: number, code: string, opts: { resource?: string; head?: boolean } = {}): void {
  assert.equal(res.status, status, `status ${res.status} (want ${status}); body: ${res.text.slice(0, 300)}`);
  if (opts.head) {
    assert.equal(res.body.length, 0, 'HEAD error has no body');
    return;
  }
  assert.match(hdr(res, 'content-type') ?? '', /xml/, 'error content-type is XML');
  const err = res.xml?.Error as Record<string, unknown> | undefined;
  assert.ok(err, `body is <Error>: ${res.text.slice(0, 300)}`);
  assert.equal(err.Code, code, `error code ${String(err.Code)} (want ${code})`);
  if (strictness.message) assert.ok(typeof err.Message === 'string' && err.Message.length > 0, 'error has a Message');
  if (strictness.requestId) assert.ok(typeof err.RequestId === 'string' && err.RequestId.length > 0, 'error has a RequestId');
  if (strictness.requestId) assert.ok('Resource' in err, 'error has a Resource');
  if (opts.resource !== undefined) assert.equal(err.Resource, opts.resource, 'error Resource');
}

/** Runs an SDK call that must fail; returns the exception. */
export async function sdkError(promise: Promise<unknown>): Promise<S3ServiceException & { Code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as S3ServiceException;
  }
  assert.fail('expected the call to fail');
}

/** Asserts an SDK exception's S3 code and HTTP status. */
export async function assertSdkError(promise: Promise<unknown>, status: number, code?: string): Promise<S3ServiceException> {
  const err = await sdkError(promise);
  assert.equal(err.$metadata?.httpStatusCode, status, `status ${err.$metadata?.httpStatusCode} (want ${status}): ${err.name} ${err.message}`);
  if (code !== undefined) assert.equal((err as { Code?: string }).Code ?? err.name, code, `error code ${err.name}`);
  return err;
}

export function stream(buf: Buffer): Readable {
  return Readable.from([buf]);
}

/**
 * A body the SDK sends aws-chunked with a checksum trailer under WHEN_SUPPORTED. It frames
 * only streams that way: a Buffer gets its checksum in a header and plain bytes, which
 * would leave the aws-chunked decoding untested.
 */
export function chunkedBody(buf: Buffer): { Body: Readable; ContentLength: number } {
  return { Body: stream(buf), ContentLength: buf.length };
}
