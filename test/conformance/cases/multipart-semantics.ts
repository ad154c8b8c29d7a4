/**
 * Multipart behaviours clients meet after timeouts and when copying large objects:
 * a repeated Complete, Abort after Complete, UploadPartCopy (the aws CLI copies objects over
 * 8 MB part by part), the source's tags the CLI reads before such a copy.
 * Keys end in `.zip` so that the SDK plugin handles the upload itself (it hands uploads of
 * other keys to the backend).
 */
import assert from 'node:assert/strict';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectTaggingCommand, PutObjectCommand, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import { randomBytesSeeded } from '../../helpers/data.js';
import type { ConformanceCase } from '../lib/case.js';
import { assertSdkError, md5, sha256 } from '../lib/context.js';
import { complete, partsOf, upload } from './ops.js';

const MIB = 1024 * 1024;
const S3RVER_NO_PART_COPY = 's3rver 3.7.1 does not implement UploadPartCopy';

export const MULTIPART_SEMANTICS_CASES: ConformanceCase[] = [
  {
    id: 'multipart.complete-repeated',
    title: 'a repeated CompleteMultipartUpload of a completed upload answers 200 with the same ETag',
    skip: { s3rver: 'expected-fail on s3rver 3.7.1: a second Complete meets parts it already removed (it crashes on Complete with missing parts), so the case is not run there' },
    async run(ctx) {
      const parts = [randomBytesSeeded(5 * MIB, 61), randomBytesSeeded(1000, 62)];
      const { uploadId, etags } = await upload(ctx, 'again/a.zip', parts);
      const first = await complete(ctx, 'again/a.zip', uploadId, partsOf(etags));
      const second = await complete(ctx, 'again/a.zip', uploadId, partsOf(etags));
      assert.equal(second.$metadata.httpStatusCode, 200);
      assert.equal(second.ETag, first.ETag);
      const { body } = await ctx.get('again/a.zip');
      assert.equal(sha256(body), sha256(Buffer.concat(parts)));
    },
  },
  {
    id: 'multipart.abort-after-complete',
    title: 'AbortMultipartUpload of a completed upload: 404 NoSuchUpload, the object stays',
    xfail: { s3rver: 's3rver 3.7.1 does not implement AbortMultipartUpload' },
    async run(ctx) {
      const data = randomBytesSeeded(2000, 63);
      const { uploadId, etags } = await upload(ctx, 'done/b.zip', [data]);
      await complete(ctx, 'done/b.zip', uploadId, partsOf(etags));
      await assertSdkError(ctx.s3.send(new AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: 'done/b.zip', UploadId: uploadId })), 404, 'NoSuchUpload');
      assert.ok((await ctx.get('done/b.zip')).body.equals(data));
    },
  },
  {
    id: 'multipart.upload-part-copy',
    title: 'UploadPartCopy with x-amz-copy-source-range: parts are the ranges, the object is the source',
    xfail: { s3rver: S3RVER_NO_PART_COPY },
    async run(ctx) {
      const source = randomBytesSeeded(6 * MIB + 123, 64);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'src/big.zip', Body: source }));
      const c = await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: ctx.bucket, Key: 'dst/big copy.zip' }));
      const cut = 5 * MIB;
      const copySource = `${ctx.bucket}/src/big.zip`;
      const p1 = await ctx.s3.send(new UploadPartCopyCommand({ Bucket: ctx.bucket, Key: 'dst/big copy.zip', UploadId: c.UploadId, PartNumber: 1, CopySource: copySource, CopySourceRange: `bytes=0-${cut - 1}` }));
      const p2 = await ctx.s3.send(new UploadPartCopyCommand({ Bucket: ctx.bucket, Key: 'dst/big copy.zip', UploadId: c.UploadId, PartNumber: 2, CopySource: copySource, CopySourceRange: `bytes=${cut}-${source.length - 1}` }));
      assert.equal(p1.CopyPartResult?.ETag, `"${md5(source.subarray(0, cut))}"`);
      assert.ok(p2.CopyPartResult?.LastModified instanceof Date);
      await complete(ctx, 'dst/big copy.zip', c.UploadId as string, [
        { PartNumber: 1, ETag: p1.CopyPartResult!.ETag! },
        { PartNumber: 2, ETag: p2.CopyPartResult!.ETag! },
      ]);
      const { body } = await ctx.get('dst/big copy.zip');
      assert.equal(sha256(body), sha256(source));
    },
  },
  {
    id: 'multipart.upload-part-copy-checks',
    title: 'UploadPartCopy: copy-source conditions answer 412, a range past the end 400 InvalidArgument, a missing source 404',
    xfail: { s3rver: S3RVER_NO_PART_COPY },
    async run(ctx) {
      const source = randomBytesSeeded(1000, 65);
      const put = await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'src/small.zip', Body: source }));
      const c = await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: ctx.bucket, Key: 'dst/checks.zip' }));
      const base = { Bucket: ctx.bucket, Key: 'dst/checks.zip', UploadId: c.UploadId, PartNumber: 1, CopySource: `${ctx.bucket}/src/small.zip` };
      await assertSdkError(ctx.s3.send(new UploadPartCopyCommand({ ...base, CopySourceIfMatch: '"00000000000000000000000000000000"' })), 412, 'PreconditionFailed');
      await assertSdkError(ctx.s3.send(new UploadPartCopyCommand({ ...base, CopySourceIfNoneMatch: put.ETag })), 412, 'PreconditionFailed');
      await assertSdkError(ctx.s3.send(new UploadPartCopyCommand({ ...base, CopySourceRange: 'bytes=0-5000' })), 400, 'InvalidArgument');
      await assertSdkError(ctx.s3.send(new UploadPartCopyCommand({ ...base, CopySource: `${ctx.bucket}/src/none.zip` })), 404, 'NoSuchKey');
      const ok = await ctx.s3.send(new UploadPartCopyCommand({ ...base, CopySourceIfMatch: put.ETag }));
      assert.equal(ok.CopyPartResult?.ETag, `"${md5(source)}"`);
      await ctx.s3.send(new AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: 'dst/checks.zip', UploadId: c.UploadId }));
    },
  },
  {
    id: 'multipart.copy-source-tagging',
    title: 'GetObjectTagging of an object stored without tags: 200, empty TagSet (the aws CLI asks before a multipart copy)',
    async run(ctx) {
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'tags/v1.zip', Body: randomBytesSeeded(5000, 66) }));
      const r = await ctx.s3.send(new GetObjectTaggingCommand({ Bucket: ctx.bucket, Key: 'tags/v1.zip' }));
      assert.equal(r.$metadata.httpStatusCode, 200);
      assert.deepEqual(r.TagSet ?? [], []);
    },
  },
];
