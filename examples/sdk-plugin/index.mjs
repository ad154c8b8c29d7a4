/**
 * deltaglider SDK plugin example.
 *
 * Starts s3rver (a local S3) in-process, then uploads three versions of a release
 * zip through an ordinary S3Client with the deltaGlider() plugin. The plugin stores
 * the first version as the deltaspace's reference and the next ones as small VCDIFF
 * deltas. The zips are then downloaded back, checked against their SHA-256, and the
 * bytes sent are compared with the bytes actually stored in the bucket.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deltaGlider } from 'deltaglider/sdk-plugin';
import { makeRelease } from './release.mjs';

const BUCKET = 'releases';
const VERSIONS = ['1.0.0', '1.0.1', '1.1.0'];
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

const dir = await mkdtemp(join(tmpdir(), 'dg-example-sdk-'));
const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
const { port } = await s3rver.run();
const endpoint = `http://127.0.0.1:${port}`;
console.log(`s3rver listening on ${endpoint}`);

const clientConfig = {
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  // s3rver predates the SDK's default CRC checksums; send them only when required.
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
};

// The application's client: an ordinary S3Client plus the plugin.
const client = new S3Client(clientConfig);
client.middlewareStack.use(deltaGlider());
// A plain client, only to look at what really landed in the bucket.
const raw = new S3Client(clientConfig);

let exitCode = 0;
try {
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));

  let sent = 0;
  const digests = new Map();
  for (const version of VERSIONS) {
    const zip = makeRelease(version);
    const key = `app/app-${version}.zip`;
    digests.set(key, sha256(zip));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: zip, ContentType: 'application/zip' }));
    sent += zip.length;
    console.log(`uploaded ${key} (${kib(zip.length)}, sha256 ${sha256(zip).slice(0, 12)}...)`);
  }

  // Download through the plugin: deltas are applied on the client side.
  let verified = 0;
  for (const [key, digest] of digests) {
    const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const body = Buffer.from(await res.Body.transformToByteArray());
    if (sha256(body) === digest) verified++;
    else console.error(`MISMATCH ${key}: got sha256 ${sha256(body)}, expected ${digest}`);
  }
  console.log(`verified ${verified}/${digests.size} downloads (SHA-256)`);

  // What the bucket really holds, seen without the plugin.
  const listing = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  let stored = 0;
  for (const o of listing.Contents ?? []) {
    stored += o.Size ?? 0;
    console.log(`  in bucket: ${o.Key} ${kib(o.Size ?? 0)}`);
  }
  const savings = ((1 - stored / sent) * 100).toFixed(1);
  console.log(`bytes sent: ${sent}, bytes stored: ${stored}, savings: ${savings}%`);
  if (verified !== digests.size) exitCode = 1;
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  client.destroy();
  raw.destroy();
  await s3rver.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(exitCode);
