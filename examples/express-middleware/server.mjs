/**
 * deltaglider Express middleware example.
 *
 * One Express app with its own routes (GET /hello) and an S3 endpoint mounted at
 * /s3. The endpoint stores through deltaglider into s3rver, a local S3 started in
 * this process (swap in MinIO or AWS by changing the S3Store endpoint).
 *
 *   npm start                 serve until Ctrl-C (PORT, default 3000)
 *   npm start -- --self-test  upload and download two versions through /s3, then exit
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import S3rver from 's3rver';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Store } from 'deltaglider';
import { deltaGliderMiddleware } from 'deltaglider/middleware';

const selfTest = process.argv.includes('--self-test');
const port = selfTest ? 0 : Number(process.env.PORT ?? 3000);

// The real storage behind the endpoint: s3rver here, any S3 in production.
const dir = await mkdtemp(join(tmpdir(), 'dg-example-express-'));
const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
const { port: s3rverPort } = await s3rver.run();
const backendEndpoint = `http://127.0.0.1:${s3rverPort}`;
const backendCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const app = express();
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world', s3: '/s3' });
});
// Everything under /s3 is an S3 endpoint. Pass `credentials: [{ accessKeyId, secretAccessKey }]`
// to require SigV4 signatures; without it the endpoint is open.
const s3 = deltaGliderMiddleware({
  backend: new S3Store({ endpoint: backendEndpoint, credentials: backendCredentials, forcePathStyle: true }),
});
app.use('/s3', s3);

const server = await new Promise((resolve, reject) => {
  const s = app.listen(port, '127.0.0.1', () => resolve(s)).once('error', reject);
});
const url = `http://127.0.0.1:${server.address().port}`;
console.log(`app listening on ${url} (routes: ${url}/hello, S3 endpoint: ${url}/s3, backend s3rver ${backendEndpoint})`);

async function shutdown(code) {
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(() => resolve()));
  await s3.engine.close();
  await s3rver.close();
  await rm(dir, { recursive: true, force: true });
  process.exit(code);
}

if (!selfTest) {
  console.log(`try: aws s3 --endpoint-url ${url}/s3 mb s3://demo   (any access key works: the endpoint is open)`);
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
} else {
  let code = 0;
  try {
    code = (await runSelfTest()) ? 0 : 1;
  } catch (err) {
    console.error(err);
    code = 1;
  }
  await shutdown(code);
}

/** put/get of two versions through the SDK against /s3; checks what the backend holds. */
async function runSelfTest() {
  const hello = await (await fetch(`${url}/hello`)).json();
  console.log(`GET /hello -> ${JSON.stringify(hello)}`);

  const client = new S3Client({
    endpoint: `${url}/s3`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
  });
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  const v1 = randomBytes(512 * 1024);
  const v2 = Buffer.from(v1);
  v2.write('version 2 changed these bytes', 1000);
  let ok = true;
  try {
    await client.send(new CreateBucketCommand({ Bucket: 'builds' }));
    for (const [key, body] of [['web/site-1.zip', v1], ['web/site-2.zip', v2]]) {
      await client.send(new PutObjectCommand({ Bucket: 'builds', Key: key, Body: body }));
      const res = await client.send(new GetObjectCommand({ Bucket: 'builds', Key: key }));
      const back = Buffer.from(await res.Body.transformToByteArray());
      const same = sha(back) === sha(body);
      ok &&= same;
      console.log(`PUT+GET ${key}: ${body.length} bytes, ${same ? 'sha256 matches' : 'SHA256 MISMATCH'}`);
    }
  } finally {
    client.destroy();
  }
  // Look at the backend directly: the reference and the deltas deltaglider wrote.
  const raw = new S3Client({ endpoint: backendEndpoint, region: 'us-east-1', forcePathStyle: true, credentials: backendCredentials });
  try {
    const listing = await raw.send(new ListObjectsV2Command({ Bucket: 'builds' }));
    for (const o of listing.Contents ?? []) console.log(`  backend holds ${o.Key} (${o.Size} bytes)`);
  } finally {
    raw.destroy();
  }
  console.log(ok ? 'self-test passed' : 'self-test FAILED');
  return ok;
}
