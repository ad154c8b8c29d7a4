/**
 * Bucket lifecycle through the proxy over the embedded store (issue 24): rules are kept by
 * deltaglider and applied through the engine, so an expiry never strands a delta; what
 * cannot be applied safely (transitions, noncurrent versions, tag filters, versioning,
 * object lock, replication) is refused with the reason.
 */
import t, { type Test } from 'tap';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReverseProxy, type ReverseProxy } from '../../src/reverse-proxy/index.js';
import { LIFECYCLE_CONFIGURATION_KEY } from '../../src/core/lifecycle/lifecycle-configuration-store.js';
import { backendKeys, expiryScenario, read, RELEASES, releasesRule } from '../helpers/lifecycle.js';

async function embeddedProxy(t: Test, dataDir = mkdtempSync(join(tmpdir(), 'dg-lifecycle-'))): Promise<{ proxy: ReverseProxy; client: S3Client; url: string; dataDir: string }> {
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', dataDir, logLevel: 'silent', lifecycleSweepSeconds: 0, encode: 'inline' } }); // the scenario reads backend keys right after each PUT
  const { url } = await proxy.listen();
  t.teardown(() => proxy.close());
  const client = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  t.teardown(() => client.destroy());
  return { proxy, client, url, dataDir };
}

t.test('an expired reference upload leaves every younger delta readable; the reference goes with the last delta', async (t) => {
  const { proxy, client } = await embeddedProxy(t);
  await client.send(new CreateBucketCommand({ Bucket: 'builds' }));
  await expiryScenario(t, { client, engine: proxy.engine, bucket: 'builds', dayMs: 1000 });
});

t.test('GetBucketLifecycleConfiguration returns what the user set, across restarts and instances', async (t) => {
  const { client, url, dataDir } = await embeddedProxy(t);
  await client.send(new CreateBucketCommand({ Bucket: 'kept' }));
  await t.rejects(client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'kept' })), { name: 'NoSuchLifecycleConfiguration' }, 'no configuration yet');
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<Rule><ID>old</ID><Filter><Prefix>releases/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>90</Days></Expiration></Rule>' +
    '<Rule><ID>off</ID><Filter><And><Prefix>tmp/</Prefix><ObjectSizeGreaterThan>1024</ObjectSizeGreaterThan></And></Filter><Status>Disabled</Status>' +
    '<Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>' +
    '</LifecycleConfiguration>';
  const put = await fetch(`${url}/kept?lifecycle`, { method: 'PUT', body: xml });
  t.equal(put.status, 200, 'a raw PUT of the configuration is accepted');
  const got = await fetch(`${url}/kept?lifecycle`);
  t.equal(await got.text(), xml, 'GET returns the XML exactly as it was set');

  // A second instance over the same data directory (a restart, or a second proxy).
  const other = await embeddedProxy(t, dataDir);
  const viaSdk = await other.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'kept' }));
  t.same(
    viaSdk.Rules?.map((r) => [r.ID, r.Status, r.Filter?.Prefix ?? r.Filter?.And?.Prefix, r.Expiration?.Days ?? r.Expiration?.Date?.toISOString()]),
    [['old', 'Enabled', 'releases/', 90], ['off', 'Disabled', 'tmp/', '2030-01-01T00:00:00.000Z']],
    'another instance reads the same rules through the SDK',
  );
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'kept', Delimiter: '/' }));
  t.same([listed.Contents ?? [], listed.CommonPrefixes ?? []], [[], []], 'the stored configuration is invisible in listings');
  await t.rejects(client.send(new PutObjectCommand({ Bucket: 'kept', Key: LIFECYCLE_CONFIGURATION_KEY, Body: 'x' })), { name: 'InvalidArgument' }, 'no user key can overwrite it');

  await client.send(new DeleteBucketLifecycleCommand({ Bucket: 'kept' }));
  await t.rejects(client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'kept' })), { name: 'NoSuchLifecycleConfiguration' }, 'deleted');
  await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'kept', LifecycleConfiguration: releasesRule(30) }));
  await client.send(new DeleteBucketCommand({ Bucket: 'kept' }));
  t.pass('a bucket holding only its lifecycle configuration can be deleted');
  await t.rejects(client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'missing' })), { name: 'NoSuchBucket' });
});

t.test('rules and settings that could make a delta unreadable are refused with the reason, and nothing is stored', async (t) => {
  const { client, url } = await embeddedProxy(t);
  await client.send(new CreateBucketCommand({ Bucket: 'safe' }));
  await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'safe', LifecycleConfiguration: releasesRule(7) }));
  const refused = async (rule: object, reason: RegExp, what: string): Promise<void> => {
    const err = await client
      .send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'safe', LifecycleConfiguration: { Rules: [{ ID: 'r', Status: 'Enabled', Filter: { Prefix: 'releases/' }, ...rule }] } as never }))
      .then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    t.equal(err?.name, 'NotImplemented', `${what}: refused`);
    t.equal(err?.$metadata?.httpStatusCode, 501, `${what}: 501`);
    t.match(err?.message, reason, `${what}: the message names the reason`);
  };
  await refused({ Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] }, /archive tier makes every delta of its deltaspace unreadable/, 'a Transition');
  await refused({ NoncurrentVersionExpiration: { NoncurrentDays: 5 } }, /does not support bucket versioning/, 'a NoncurrentVersionExpiration');
  await refused({ Filter: { Tag: { Key: 'k', Value: 'v' } }, Expiration: { Days: 1 } }, /does not keep object tags/, 'a tag filter');
  const kept = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'safe' }));
  t.same(kept.Rules?.map((r) => r.Expiration?.Days), [7], 'the configuration set before the refusals is unchanged');

  const bad = await fetch(`${url}/safe?lifecycle`, { method: 'PUT', body: '<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule></LifecycleConfiguration>' });
  t.equal(bad.status, 400, 'Days 0 is invalid, as on S3');
  const noAction = await fetch(`${url}/safe?lifecycle`, { method: 'PUT', body: '<LifecycleConfiguration><Rule><Status>Enabled</Status><Prefix>x/</Prefix></Rule></LifecycleConfiguration>' });
  t.equal(noAction.status, 400, 'a rule without an action is invalid');
  t.match(await noAction.text(), /At least one action/);

  await t.rejects(client.send(new PutBucketVersioningCommand({ Bucket: 'safe', VersioningConfiguration: { Status: 'Enabled' } })), { name: 'NotImplemented', message: /delete marker that hides the baseline/ }, 'versioning Enabled is refused');
  await client.send(new PutBucketVersioningCommand({ Bucket: 'safe', VersioningConfiguration: { Status: 'Suspended' } }));
  const versioning = await client.send(new GetBucketVersioningCommand({ Bucket: 'safe' }));
  t.equal(versioning.Status, undefined, 'the bucket reports itself as never versioned');
  await t.rejects(
    client.send(new PutObjectLockConfigurationCommand({ Bucket: 'safe', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } })),
    { name: 'NotImplemented', message: /Object Lock/ },
    'object lock is refused',
  );
  await t.rejects(
    client.send(new PutBucketReplicationCommand({ Bucket: 'safe', ReplicationConfiguration: { Role: 'arn:aws:iam::1:role/r', Rules: [{ Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::d' } }] } })),
    { name: 'NotImplemented', message: /deltas without the reference.bin/ },
    'replication is refused',
  );
  await t.rejects(
    client.send(new PutObjectCommand({ Bucket: 'safe', Key: 'releases/v1.zip', Body: RELEASES[0], ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) })),
    { name: 'NotImplemented', message: /Object Lock/ },
    'a PUT asking for a lock is refused, not silently stored unlocked',
  );
  t.equal(await read(client, 'safe', 'releases/v1.zip'), 'NoSuchKey', 'and nothing was stored');
  await t.rejects(client.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true })), { name: 'NotImplemented', message: /Object Lock/ }, 'a bucket cannot be created with Object Lock');
  await t.rejects(client.send(new ListObjectsV2Command({ Bucket: 'locked' })), { name: 'NoSuchBucket' }, 'and it was not created');
});

t.test('the sweep never deletes a newer write of a key it judged expired', async (t) => {
  const { proxy, client } = await embeddedProxy(t);
  await client.send(new CreateBucketCommand({ Bucket: 'race' }));
  await client.send(new PutObjectCommand({ Bucket: 'race', Key: 'releases/v1.zip', Body: RELEASES[0] }));
  const [seen] = (await proxy.engine.listObjects({ bucket: 'race', prefix: 'releases/' })).objects;
  await new Promise((r) => setTimeout(r, 1100)); // a new Last-Modified second
  await client.send(new PutObjectCommand({ Bucket: 'race', Key: 'releases/v1.zip', Body: RELEASES[1] }));
  t.equal(await proxy.engine.expireObject({ bucket: 'race', key: seen!.key, etag: seen!.etag, lastModified: seen!.lastModified }), false, 'the listed version is no longer current: not expired');
  t.ok((await read(client, 'race', 'releases/v1.zip') as Buffer).equals(RELEASES[1]!), 'the newer write is intact');
  const [now] = (await proxy.engine.listObjects({ bucket: 'race', prefix: 'releases/' })).objects;
  t.equal(await proxy.engine.expireObject({ bucket: 'race', key: now!.key, etag: now!.etag, lastModified: now!.lastModified }), true, 'the current version expires');
  t.same(await backendKeys(proxy.engine, 'race', 'releases/'), [], 'and its reference is collected with it');
});
