import t from 'tap';
import { createServer, connect, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver, TEST_CREDENTIALS } from '../helpers/s3rver.js';
import { versions } from '../helpers/data.js';
import { deltaGlider } from '../../src/sdk-plugin/index.js';

/** A TCP proxy in front of s3rver that counts the bytes clients send upstream. */
async function countingProxy(port: number): Promise<{ endpoint: string; sent: () => number; reset: () => void; close: () => Promise<void> }> {
  let sent = 0;
  const server: Server = createServer((down) => {
    const up = connect(port, '127.0.0.1');
    down.on('data', (c: Buffer) => {
      sent += c.length;
    });
    down.pipe(up).pipe(down);
    const end = () => {
      down.destroy();
      up.destroy();
    };
    down.on('error', end);
    up.on('error', end);
    down.on('close', end);
    up.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyPort = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    sent: () => sent,
    reset: () => {
      sent = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function makeClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

t.test('bytes sent over the socket', async (t) => {
  const s3 = await startS3rver();
  const proxy = await countingProxy(s3.port);
  const plugin = deltaGlider();
  const withPlugin = makeClient(proxy.endpoint);
  withPlugin.middlewareStack.use(plugin);
  const without = makeClient(proxy.endpoint);
  t.teardown(async () => {
    await plugin.close();
    withPlugin.destroy();
    without.destroy();
    await proxy.close();
    await s3.close();
  });
  await s3.client.send(new CreateBucketCommand({ Bucket: 'with' }));
  await s3.client.send(new CreateBucketCommand({ Bucket: 'without' }));

  t.test('the second of two similar versions sends less than 10% of its size with the plugin', async (t) => {
    const vs = versions(4 * 1024 * 1024, 2, 77);
    const measure = async (client: S3Client, bucket: string, key: string, body: Buffer) => {
      proxy.reset();
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return proxy.sent();
    };
    const p0 = await measure(withPlugin, 'with', 'rel/v0.zip', vs[0]!);
    const p1 = await measure(withPlugin, 'with', 'rel/v1.zip', vs[1]!);
    const n0 = await measure(without, 'without', 'rel/v0.zip', vs[0]!);
    const n1 = await measure(without, 'without', 'rel/v1.zip', vs[1]!);
    t.comment(`v0 (${vs[0]!.length} B): plugin sent ${p0} B, plain client sent ${n0} B`);
    t.comment(`v1 (${vs[1]!.length} B): plugin sent ${p1} B, plain client sent ${n1} B`);
    t.ok(p1 < vs[1]!.length * 0.1, `the plugin sent ${p1} bytes for a ${vs[1]!.length}-byte version`);
    t.ok(n1 >= vs[1]!.length, 'without the plugin the whole file goes over the wire');
    const back = await withPlugin.send(new GetObjectCommand({ Bucket: 'with', Key: 'rel/v1.zip' }));
    t.ok(Buffer.from(await back.Body!.transformToByteArray()).equals(vs[1]!), 'and it reads back byte-exact');
  });

  const family = '/tmp/dg-data/families/esbuild-bin';
  t.test('uploading the esbuild binary family sends far fewer bytes with the plugin', { skip: existsSync(family) ? false : `${family} not present` }, async (t) => {
    const files = readdirSync(family).sort();
    let withBytes = 0;
    let withoutBytes = 0;
    let total = 0;
    for (const f of files) {
      const data = readFileSync(join(family, f));
      total += data.length;
      proxy.reset();
      await withPlugin.send(new PutObjectCommand({ Bucket: 'with', Key: `esbuild/${f}.tar`, Body: data }));
      withBytes += proxy.sent();
      proxy.reset();
      await without.send(new PutObjectCommand({ Bucket: 'without', Key: `esbuild/${f}.tar`, Body: data }));
      withoutBytes += proxy.sent();
    }
    t.comment(`esbuild-bin, ${files.length} versions, ${total} B: plugin sent ${withBytes} B, plain client sent ${withoutBytes} B (${((100 * withBytes) / withoutBytes).toFixed(1)}%)`);
    t.ok(withBytes < withoutBytes, 'the plugin sends less');
  });
});
