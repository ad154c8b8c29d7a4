/**
 * The SDK plugin has no background process to apply lifecycle rules with, so it refuses to
 * hand them to the backend (which would expire reference.bin by its own age), and refuses
 * versioning, object lock and replication for the same reasons as the proxy.
 */
import t from 'tap';
import {
  CreateBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startS3rver, TEST_CREDENTIALS } from '../helpers/s3rver.js';
import { deltaGlider } from '../../src/sdk-plugin/index.js';
import { releasesRule } from '../helpers/lifecycle.js';

t.test('bucket configurations that would strand deltas are refused before they reach the backend', async (t) => {
  const s3 = await startS3rver();
  const plugin = deltaGlider({ enabled: (bucket) => bucket === 'managed' });
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: TEST_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
  client.middlewareStack.use(plugin);
  t.teardown(async () => {
    await plugin.close();
    client.destroy();
    await s3.close();
  });
  await s3.client.send(new CreateBucketCommand({ Bucket: 'managed' }));
  await s3.client.send(new CreateBucketCommand({ Bucket: 'plain' }));

  await t.rejects(
    client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'managed', LifecycleConfiguration: releasesRule(90) })),
    { name: 'NotImplemented', message: /expire reference.bin by its own age.*deltaglider-proxy or the middleware/ },
    'a lifecycle rule is refused with the reason and where to set it instead',
  );
  await t.rejects(client.send(new PutBucketVersioningCommand({ Bucket: 'managed', VersioningConfiguration: { Status: 'Enabled' } })), { name: 'NotImplemented', message: /delete marker/ });
  await t.rejects(client.send(new PutObjectLockConfigurationCommand({ Bucket: 'managed', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } })), { name: 'NotImplemented', message: /Object Lock/ });
  await t.rejects(
    client.send(new PutBucketReplicationCommand({ Bucket: 'managed', ReplicationConfiguration: { Role: 'r', Rules: [{ Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::d' } }] } })),
    { name: 'NotImplemented', message: /replication/ },
  );
  // A bucket the plugin is not enabled for is none of its business: the backend answers
  // (s3rver does not implement lifecycle, so its own error comes back, not ours).
  const err = await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'plain', LifecycleConfiguration: releasesRule(90) })).then(() => undefined, (e: Error) => e);
  t.notMatch(err?.message ?? '', /reference.bin/, 'a bucket the plugin is not enabled for goes to the backend untouched');
});
