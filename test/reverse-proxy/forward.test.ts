/**
 * Operations deltaglider does not serve itself are forwarded by the proxy to its S3
 * backend, re-signed with the backend credentials: bucket CORS and object tagging
 * round-trip through the proxy to s3rver, with client auth on.
 */
import t from 'tap';
import {
  CreateBucketCommand,
  GetBucketCorsCommand,
  GetObjectTaggingCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';
import { startS3rver } from '../helpers/s3rver.js';

function client(url: string, accessKeyId: string, secretAccessKey: string): S3Client {
  return new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED' });
}

t.test('bucket CORS and object tagging go through to the backend', async (t) => {
  const s3 = await startS3rver();
  t.teardown(() => s3.close());
  const proxy = await createReverseProxy({
    config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', s3Endpoint: s3.endpoint, beAccessKeyId: 'S3RVER', beSecretAccessKey: 'S3RVER', accessKeyId: 'AKIDFWD', secretAccessKey: 'fwd-secret', logLevel: 'silent' },
  });
  const { url } = await proxy.listen();
  t.teardown(() => proxy.close());
  const c = client(url, 'AKIDFWD', 'fwd-secret');
  t.teardown(() => c.destroy());
  await c.send(new CreateBucketCommand({ Bucket: 'fwd' }));

  const rules = [{ AllowedMethods: ['GET'], AllowedOrigins: ['https://example.com'], MaxAgeSeconds: 300 }];
  await c.send(new PutBucketCorsCommand({ Bucket: 'fwd', CORSConfiguration: { CORSRules: rules } }));
  const viaProxy = await c.send(new GetBucketCorsCommand({ Bucket: 'fwd' }));
  t.same(viaProxy.CORSRules?.map((r) => [r.AllowedMethods, r.AllowedOrigins, r.MaxAgeSeconds]), [[['GET'], ['https://example.com'], 300]], 'CORS round-trips through the proxy');
  const direct = await s3.client.send(new GetBucketCorsCommand({ Bucket: 'fwd' }));
  t.equal(direct.CORSRules?.length, 1, 'the backend holds the CORS configuration');

  await c.send(new PutObjectCommand({ Bucket: 'fwd', Key: 'notes/readme.txt', Body: 'hello' }));
  await c.send(new PutObjectTaggingCommand({ Bucket: 'fwd', Key: 'notes/readme.txt', Tagging: { TagSet: [{ Key: 'team', Value: 'release' }] } }));
  const tags = await c.send(new GetObjectTaggingCommand({ Bucket: 'fwd', Key: 'notes/readme.txt' }));
  t.same(tags.TagSet, [{ Key: 'team', Value: 'release' }], 'object tagging of a passthrough object round-trips');

  const wrong = client(url, 'AKIDFWD', 'not-the-secret');
  t.teardown(() => wrong.destroy());
  await t.rejects(wrong.send(new GetBucketCorsCommand({ Bucket: 'fwd' })), { name: 'SignatureDoesNotMatch' }, 'forwarded operations still need a valid client signature');
});

t.test('on the embedded store, an operation it cannot serve answers 501 NotImplemented', async (t) => {
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', dataDir: mkdtempSync(join(tmpdir(), 'dg-fwd-')), logLevel: 'silent' } });
  const { url } = await proxy.listen();
  t.teardown(() => proxy.close());
  await fetch(`${url}/local`, { method: 'PUT' });
  const res = await fetch(`${url}/local?cors`);
  t.equal(res.status, 501);
  t.match(await res.text(), /<Code>NotImplemented<\/Code>/);
});
