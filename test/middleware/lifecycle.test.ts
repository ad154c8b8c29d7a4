/**
 * The middleware keeps lifecycle rules and its own timer applies them: objects expire and
 * stale multipart uploads are aborted without anyone calling sweep().
 */
import t from 'tap';
import { CreateBucketCommand, CreateMultipartUploadCommand, GetBucketLifecycleConfigurationCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutBucketLifecycleConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deltaGliderMiddleware } from '../../src/middleware/index.js';
import { FileSystemStore } from '../../src/core/store/fs-store.js';
import { backendKeys, RELEASES } from '../helpers/lifecycle.js';

/** A short lifecycle day, so the middleware's own timer does the work within the test. */
const DAY_MS = 300;

t.test('the middleware\'s sweep expires objects and aborts stale uploads on its own timer', async (t) => {
  const mw = deltaGliderMiddleware({ backend: new FileSystemStore(mkdtempSync(join(tmpdir(), 'dg-mw-lc-'))), lifecycle: { intervalMs: 100, dayMs: DAY_MS } });
  const server = createServer((req, res) => mw(req, res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const client = new S3Client({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  t.teardown(async () => {
    client.destroy();
    await mw.lifecycle?.stop();
    await mw.engine.close();
    await new Promise((ok) => server.close(ok));
  });
  await client.send(new CreateBucketCommand({ Bucket: 'mw-lifecycle' }));
  await client.send(new PutObjectCommand({ Bucket: 'mw-lifecycle', Key: 'releases/v1.zip', Body: RELEASES[0] }));
  await client.send(new PutObjectCommand({ Bucket: 'mw-lifecycle', Key: 'keep/v1.zip', Body: RELEASES[0] }));
  await client.send(new CreateMultipartUploadCommand({ Bucket: 'mw-lifecycle', Key: 'releases/big.zip' }));
  await client.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: 'mw-lifecycle',
      LifecycleConfiguration: { Rules: [{ ID: 'r', Filter: { Prefix: 'releases/' }, Status: 'Enabled', Expiration: { Days: 2 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
    }),
  );
  t.equal((await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'mw-lifecycle' }))).Rules?.[0]?.ID, 'r', 'the middleware serves the configuration');

  const deadline = Date.now() + 30_000;
  let keys = await backendKeys(mw.engine, 'mw-lifecycle', 'releases/');
  let uploads = (await client.send(new ListMultipartUploadsCommand({ Bucket: 'mw-lifecycle' }))).Uploads ?? [];
  while ((keys.length > 0 || uploads.length > 0) && Date.now() < deadline) {
    await sleep(100);
    keys = await backendKeys(mw.engine, 'mw-lifecycle', 'releases/');
    uploads = (await client.send(new ListMultipartUploadsCommand({ Bucket: 'mw-lifecycle' }))).Uploads ?? [];
  }
  t.same(keys, [], 'the expired object and its reference are gone from the backend');
  t.same(uploads, [], 'the stale multipart upload was aborted');
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'mw-lifecycle' }));
  t.same(listed.Contents?.map((c) => c.Key), ['keep/v1.zip'], 'the object outside the rule stays');
});
