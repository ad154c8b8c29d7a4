/**
 * Bucket lifecycle through the proxy over Ceph RGW with its lifecycle clock sped up
 * (`rgw lc debug interval = 10`: a lifecycle day lasts 10 s). The same "expire releases/
 * after a day" rule, set directly on RGW, expires reference.bin by its backend age; set
 * through the proxy, RGW never holds it, deltaglider applies it, and no delta is stranded.
 */
import t from 'tap';
import { CreateBucketCommand, GetBucketLifecycleConfigurationCommand, HeadObjectCommand, PutBucketLifecycleConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';
import { backendKeys, expiryScenario, read, RELEASES, releasesRule } from '../helpers/lifecycle.js';
import { rgwClient, rgwUnavailable, startPrivateRgw } from '../helpers/rgw.js';

/** RGW's lifecycle day in this test, in seconds (its `rgw lc debug interval`). */
const RGW_DAY_SECONDS = 10;
/** How long RGW may take to act on an expired object (its LC thread runs in rounds). */
const RGW_LC_PATIENCE_MS = 180_000;

t.test('a rule set through the proxy cannot make a delta unreadable on RGW', { skip: rgwUnavailable({ ownCluster: true }) }, async (t) => {
  const rgw = await startPrivateRgw([`rgw lc debug interval = ${RGW_DAY_SECONDS}`]);
  t.teardown(() => rgw.stop().catch(() => {}));
  const direct = rgwClient(rgw);
  t.teardown(() => direct.destroy());
  const config = {
    listenAddr: '127.0.0.1:0',
    uiAddr: 'off',
    s3Endpoint: rgw.endpoint,
    s3Region: rgw.region,
    beAccessKeyId: rgw.accessKeyId,
    beSecretAccessKey: rgw.secretAccessKey,
    logLevel: 'silent',
    lifecycleSweepSeconds: 0,
    encode: 'inline' as const, // the scenario reads backend keys right after each PUT
  };
  const proxy = await createReverseProxy({ config });
  const { url } = await proxy.listen();
  t.teardown(() => proxy.close());
  const client = new S3Client({ endpoint: url, region: rgw.region, forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  t.teardown(() => client.destroy());
  // A second instance with nothing cached: the first still holds the control's reference
  // in its local reference cache, which would hide the loss for a while.
  const fresh = await createReverseProxy({ config });
  const freshUrl = (await fresh.listen()).url;
  t.teardown(() => fresh.close());
  const freshClient = new S3Client({ endpoint: freshUrl, region: rgw.region, forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  t.teardown(() => freshClient.destroy());

  // Control: the same rule set on RGW itself, as the proxy used to forward it.
  await client.send(new CreateBucketCommand({ Bucket: 'control' }));
  await client.send(new PutObjectCommand({ Bucket: 'control', Key: 'releases/v1.zip', Body: RELEASES[0] }));
  await direct.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'control', LifecycleConfiguration: releasesRule(1) }));

  await client.send(new CreateBucketCommand({ Bucket: 'builds' }));
  await expiryScenario(t, {
    client,
    engine: proxy.engine,
    bucket: 'builds',
    dayMs: RGW_DAY_SECONDS * 1000,
    betweenVersions: async () => {
      await t.rejects(direct.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'builds' })), { name: 'NoSuchLifecycleConfiguration' }, 'RGW holds no lifecycle rule for the proxied bucket');
      const deadline = Date.now() + RGW_LC_PATIENCE_MS;
      let controlReference = true;
      while (controlReference && Date.now() < deadline) {
        controlReference = await direct.send(new HeadObjectCommand({ Bucket: 'control', Key: 'releases/reference.bin' })).then(() => true, () => false);
        if (controlReference) await sleep(1000);
      }
      t.notOk(controlReference, 'RGW\'s sped-up lifecycle did expire reference.bin where the rule sat on RGW itself (the clock runs)');
      for (const key of await backendKeys(proxy.engine, 'control', 'releases/')) {
        if (key.endsWith('.delta')) t.type(await read(freshClient, 'control', key.slice(0, -'.delta'.length)), 'string', `${key}, left without its reference, cannot be read`);
      }
      t.same(await backendKeys(proxy.engine, 'builds', 'releases/'), ['releases/notes.txt', 'releases/reference.bin', 'releases/v1.zip.delta'], 'meanwhile, RGW deleted nothing in the proxied bucket');
    },
  });
});
