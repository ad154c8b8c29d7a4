/**
 * SigV4 on the proxy with auth enabled: signed headers, presigned URLs, rejections.
 */
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytesSeeded } from '../../helpers/data.js';
import type { ConformanceCase } from '../lib/case.js';
import { assertS3Error, assertSdkError, hdr, md5 } from '../lib/context.js';

export const AUTH_CASES: ConformanceCase[] = [
  {
    id: 'auth.unsigned-rejected',
    title: 'an unsigned request: 403 AccessDenied',
    needs: ['auth'],
    async run(ctx) {
      assertS3Error(await ctx.raw('GET', ctx.path(ctx.bucket), { sign: false }), 403, 'AccessDenied');
      assertS3Error(await ctx.raw('PUT', ctx.path(ctx.bucket, 'x.bin'), { sign: false, body: 'x' }), 403, 'AccessDenied');
    },
  },
  {
    id: 'auth.wrong-secret',
    title: 'signed with a wrong secret: 403 SignatureDoesNotMatch',
    needs: ['auth'],
    async run(ctx) {
      const r = await ctx.raw('GET', ctx.path(ctx.bucket), { credentials: { accessKeyId: ctx.target.credentials.accessKeyId, secretAccessKey: 'wrong' } });
      assertS3Error(r, 403, 'SignatureDoesNotMatch');
    },
  },
  {
    id: 'auth.unknown-key',
    title: 'signed with an unknown access key: 403 InvalidAccessKeyId',
    needs: ['auth'],
    async run(ctx) {
      const r = await ctx.raw('GET', ctx.path(ctx.bucket), { credentials: { accessKeyId: 'NOPE', secretAccessKey: 'x' } });
      assertS3Error(r, 403, 'InvalidAccessKeyId');
    },
  },
  {
    id: 'auth.sdk-wrong-credentials',
    title: 'an S3Client with wrong credentials gets 403 on PutObject',
    needs: ['auth'],
    async run(ctx) {
      const c = ctx.client({ credentials: { accessKeyId: ctx.target.credentials.accessKeyId, secretAccessKey: 'bad' } });
      await assertSdkError(c.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'x.bin', Body: 'x' })), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    id: 'auth.signed-key-special-chars',
    title: 'signed raw PUT/GET of a key with spaces, unicode and plus',
    needs: ['auth'],
    async run(ctx) {
      const key = 'sp ace/ü+x (1).zip';
      const p = await ctx.raw('PUT', ctx.path(ctx.bucket, key), { body: 'special' });
      assert.equal(p.status, 200, p.text);
      const g = await ctx.raw('GET', ctx.path(ctx.bucket, key));
      assert.equal(g.text, 'special');
    },
  },
  {
    id: 'auth.unsigned-payload',
    title: 'signed PUT with x-amz-content-sha256: UNSIGNED-PAYLOAD',
    needs: ['auth'],
    async run(ctx) {
      const p = await ctx.raw('PUT', ctx.path(ctx.bucket, 'u.bin'), { body: 'payload', unsignedPayload: true });
      assert.equal(p.status, 200, p.text);
      assert.equal((await ctx.raw('GET', ctx.path(ctx.bucket, 'u.bin'))).text, 'payload');
    },
  },
  {
    id: 'auth.payload-hash-mismatch',
    title: 'signed PUT whose body does not match x-amz-content-sha256: 400 XAmzContentSHA256Mismatch',
    needs: ['auth'],
    async run(ctx) {
      const res = await forgeBody(ctx, 'h3.bin');
      assertS3Error(res, 400, 'XAmzContentSHA256Mismatch');
      assert.equal((await ctx.raw('HEAD', ctx.path(ctx.bucket, 'h3.bin'))).status, 404, 'nothing stored');
    },
  },
  {
    id: 'auth.presigned-get',
    title: 'presigned GET URL works without headers',
    needs: ['auth'],
    async run(ctx) {
      const body = randomBytesSeeded(3000, 90);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'pre/v1.zip', Body: body }));
      const r = await ctx.raw('GET', ctx.path(ctx.bucket, 'pre/v1.zip'), { presign: { expiresIn: 300 } });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.equals(body));
      assert.equal(hdr(r, 'etag'), `"${md5(body)}"`);
    },
  },
  {
    id: 'auth.presigned-put',
    title: 'presigned PUT URL stores the body',
    needs: ['auth'],
    async run(ctx) {
      const body = randomBytesSeeded(2000, 91);
      const r = await ctx.raw('PUT', ctx.path(ctx.bucket, 'pre/up.bin'), { presign: {}, body });
      assert.equal(r.status, 200, r.text);
      assert.ok((await ctx.get('pre/up.bin')).body.equals(body));
    },
  },
  {
    id: 'auth.presigned-head-range',
    title: 'presigned GET with a Range header (unsigned header) answers 206',
    needs: ['auth'],
    async run(ctx) {
      const body = randomBytesSeeded(1000, 92);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'pre/r.bin', Body: body }));
      const r = await ctx.raw('GET', ctx.path(ctx.bucket, 'pre/r.bin'), { presign: {}, headers: { range: 'bytes=0-9' } });
      assert.equal(r.status, 206, r.text);
      assert.ok(r.body.equals(body.subarray(0, 10)));
    },
  },
  {
    id: 'auth.presigned-tampered',
    title: 'a presigned URL used for another key: 403 SignatureDoesNotMatch',
    needs: ['auth'],
    async run(ctx) {
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'a.bin', Body: 'a' }));
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'b.bin', Body: 'b' }));
      const url = await presignedQuery(ctx, 'a.bin');
      const r = await ctx.raw('GET', ctx.path(ctx.bucket, 'b.bin'), { sign: false, query: url });
      assertS3Error(r, 403, 'SignatureDoesNotMatch');
    },
  },
  {
    id: 'auth.presigned-expired',
    title: 'an expired presigned URL: 403 AccessDenied',
    needs: ['auth'],
    async run(ctx) {
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'e.bin', Body: 'e' }));
      const r = await ctx.raw('GET', ctx.path(ctx.bucket, 'e.bin'), { presign: { expiresIn: 1 } });
      assert.equal(r.status, 200, 'valid right away');
      await new Promise((ok) => setTimeout(ok, 2100));
      const q = await presignedQuery(ctx, 'e.bin', 1, new Date(Date.now() - 10_000));
      assertS3Error(await ctx.raw('GET', ctx.path(ctx.bucket, 'e.bin'), { sign: false, query: q }), 403, 'AccessDenied');
    },
  },
  {
    id: 'auth.presigned-expires-out-of-range',
    title: 'a presigned URL with X-Amz-Expires outside 1..604800 (0, 604801): 403 AccessDenied',
    needs: ['auth'],
    async run(ctx) {
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'r.bin', Body: 'r' }));
      const q = await presignedQuery(ctx, 'r.bin', 300);
      for (const expires of ['0', '604801']) {
        const r = await ctx.raw('GET', ctx.path(ctx.bucket, 'r.bin'), { sign: false, query: q.replace('X-Amz-Expires=300', `X-Amz-Expires=${expires}`) });
        assertS3Error(r, 403, 'AccessDenied');
      }
    },
  },
];

/** The query string of a presigned GET for key (optionally signed at a past time). */
async function presignedQuery(ctx: Parameters<ConformanceCase['run']>[0], key: string, expiresIn = 300, signingDate?: Date): Promise<string> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { HttpRequest } = await import('@smithy/protocol-http');
  const { Sha256 } = await import('../../../src/reverse-proxy/sha256.js');
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: ctx.target.credentials, sha256: Sha256, uriEscapePath: false });
  const req = new HttpRequest({ method: 'GET', protocol: 'http:', hostname: ctx.target.endpoint.host, path: ctx.path(ctx.bucket, key), headers: { host: ctx.target.endpoint.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  const unsigned = new Set(['x-amz-content-sha256']);
  const signed = await signer.presign(req, { expiresIn, signingDate, unsignableHeaders: unsigned, unhoistableHeaders: unsigned });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) q.append(k, String(v));
  return q.toString().replace(/\+/g, '%20');
}

/** A PUT signed for one body but sending another of the same length. */
async function forgeBody(ctx: Parameters<ConformanceCase['run']>[0], key: string) {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { HttpRequest } = await import('@smithy/protocol-http');
  const { Sha256 } = await import('../../../src/reverse-proxy/sha256.js');
  const { createHash } = await import('node:crypto');
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: ctx.target.credentials, sha256: Sha256, uriEscapePath: false });
  const host = ctx.target.endpoint.host;
  const claimed = Buffer.from('aaaaaaaa');
  const headers = { host, 'content-length': '8', 'x-amz-content-sha256': createHash('sha256').update(claimed).digest('hex') };
  const signed = await signer.sign(new HttpRequest({ method: 'PUT', protocol: 'http:', hostname: host, path: ctx.path(ctx.bucket, key), headers }));
  return ctx.raw('PUT', ctx.path(ctx.bucket, key), { sign: false, headers: signed.headers as Record<string, string>, body: 'bbbbbbbb' });
}
