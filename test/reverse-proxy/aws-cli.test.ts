/**
 * The real aws CLI (Debian's awscli, /usr/bin/aws) against the reverse proxy:
 * on the embedded filesystem store and in front of s3rver, with and without auth.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';
import { FileSystemStore } from '../../src/index.js';
import { versions } from '../helpers/data.js';
import { startS3rver } from '../helpers/s3rver.js';
import { isListingIndexKey } from '../../src/core/format/listing-index.js';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function awsEnv(key = 'AKIDEXAMPLE', secret = 'secret-example'): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: secret, AWS_DEFAULT_REGION: 'us-east-1', BOTO_DISABLE_CRT: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}

async function aws(endpoint: string, args: string[], env = awsEnv()): Promise<{ stdout: string; stderr: string }> {
  return run(AWS, ['--endpoint-url', endpoint, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
}

t.test('aws CLI is installed', async (t) => {
  t.ok(existsSync(AWS), `${AWS} exists (apt-get install awscli)`);
});

t.test('aws CLI against the proxy on its embedded filesystem store', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-cli-'));
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', dataDir, logLevel: 'silent', encode: 'inline' } });
  const { url } = await proxy.listen();
  t.teardown(() => proxy.close());
  const work = mkdtempSync(join(tmpdir(), 'dg-cli-work-'));
  // 24 MB versions: the CLI uploads these with multipart (8 MB parts).
  const vs = versions(24 * 1024 * 1024, 2, 11);
  writeFileSync(join(work, 'v1.zip'), vs[0]!);
  writeFileSync(join(work, 'v2.zip'), vs[1]!);

  await aws(url, ['s3', 'mb', 's3://builds']);
  await aws(url, ['s3', 'cp', '--no-progress', join(work, 'v1.zip'), 's3://builds/releases/v1.zip']);
  await aws(url, ['s3', 'cp', '--no-progress', join(work, 'v2.zip'), 's3://builds/releases/v2.zip']);

  const store = new FileSystemStore(dataDir);
  const delta = await store.headObject('builds', 'releases/v2.zip.delta');
  t.ok(delta, 'the multipart upload of v2 is stored as a delta');
  t.ok(delta!.size < vs[1]!.length / 20, `delta ${delta!.size} bytes < 5% of ${vs[1]!.length}`);
  t.ok(await store.headObject('builds', 'releases/reference.bin'), 'the deltaspace has its reference');

  const ls = await aws(url, ['s3', 'ls', 's3://builds/releases/']);
  t.match(ls.stdout, new RegExp(`${vs[0]!.length}\\s+v1\\.zip`), 'ls shows v1 with its original size');
  t.match(ls.stdout, new RegExp(`${vs[1]!.length}\\s+v2\\.zip`), 'ls shows v2 with its original size');
  t.notMatch(ls.stdout, /reference\.bin|\.delta/, 'internals are hidden');

  await aws(url, ['s3', 'cp', '--no-progress', 's3://builds/releases/v2.zip', join(work, 'v2.out')]);
  t.equal(sha(readFileSync(join(work, 'v2.out'))), sha(vs[1]!), 'v2 downloads byte-exact');

  // sync: a directory of small files both ways.
  const src = join(work, 'site');
  mkdirSync(src);
  for (let i = 0; i < 5; i++) writeFileSync(join(src, `page${i}.txt`), `page ${i}\n`);
  await aws(url, ['s3', 'sync', src, 's3://builds/site/']);
  const back = join(work, 'site-back');
  await aws(url, ['s3', 'sync', 's3://builds/site/', back]);
  for (let i = 0; i < 5; i++) t.equal(readFileSync(join(back, `page${i}.txt`), 'utf8'), `page ${i}\n`, `page${i} synced back`);

  // presign: a plain HTTP GET of the presigned URL returns the original bytes.
  const { stdout: presigned } = await aws(url, ['s3', 'presign', 's3://builds/releases/v1.zip', '--expires-in', '300']);
  const res = await fetch(presigned.trim());
  t.equal(res.status, 200);
  t.equal(sha(Buffer.from(await res.arrayBuffer())), sha(vs[0]!), 'presigned GET is byte-exact');

  await aws(url, ['s3', 'rm', 's3://builds/releases/v1.zip']);
  await aws(url, ['s3', 'rm', 's3://builds/releases/v2.zip']);
  t.equal(await store.headObject('builds', 'releases/reference.bin'), undefined, 'removing the last object collects the reference');
  await aws(url, ['s3', 'rm', '--recursive', 's3://builds/site/']);
  await aws(url, ['s3', 'rb', 's3://builds']);
  const buckets = await aws(url, ['s3', 'ls']);
  t.equal(buckets.stdout.trim(), '', 'bucket removed');
});

t.test('aws CLI through the proxy in front of s3rver, with auth on', async (t) => {
  const s3 = await startS3rver();
  t.teardown(() => s3.close());
  const proxy = await createReverseProxy({
    config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', s3Endpoint: s3.endpoint, beAccessKeyId: 'S3RVER', beSecretAccessKey: 'S3RVER', accessKeyId: 'AKIDPROXY', secretAccessKey: 'proxy-secret', logLevel: 'silent', encode: 'inline' },
  });
  const { url } = await proxy.listen();
  t.teardown(() => proxy.close());
  const env = awsEnv('AKIDPROXY', 'proxy-secret');
  const work = mkdtempSync(join(tmpdir(), 'dg-cli-auth-'));
  const vs = versions(300_000, 2, 5);
  writeFileSync(join(work, 'a.tar'), vs[0]!);
  writeFileSync(join(work, 'b.tar'), vs[1]!);
  await aws(url, ['s3', 'mb', 's3://auth'], env);
  await aws(url, ['s3', 'cp', '--no-progress', join(work, 'a.tar'), 's3://auth/x/a.tar'], env);
  await aws(url, ['s3', 'cp', '--no-progress', join(work, 'b.tar'), 's3://auth/x/b.tar'], env);
  await aws(url, ['s3', 'cp', '--no-progress', 's3://auth/x/b.tar', join(work, 'b.out')], env);
  t.equal(sha(readFileSync(join(work, 'b.out'))), sha(vs[1]!), 'round trip with SigV4');

  const raw = await s3.client.send(new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({ Bucket: 'auth' }));
  // The listing index (.dg-index.delta.delta) is written just after the objects it describes: not part of the layout checked here.
  t.same((raw.Contents ?? []).map((o) => o.Key as string).filter((k) => !isListingIndexKey(k)).sort(), ['x/a.tar.delta', 'x/b.tar.delta', 'x/reference.bin'], 's3rver holds the DeltaGlider layout');

  const wrong = await aws(url, ['s3', 'ls', 's3://auth/'], awsEnv('AKIDPROXY', 'wrong-secret')).catch((e: { stderr: string }) => e);
  t.match(String((wrong as { stderr: string }).stderr), /SignatureDoesNotMatch/, 'a wrong secret is refused');
  const unknown = await aws(url, ['s3', 'ls', 's3://auth/'], awsEnv('NOPE', 'proxy-secret')).catch((e: { stderr: string }) => e);
  t.match(String((unknown as { stderr: string }).stderr), /InvalidAccessKeyId/, 'an unknown key is refused');
  const anon = await fetch(`${url}/auth/x/a.tar`);
  t.equal(anon.status, 403, 'anonymous GET is refused');
  t.match(await anon.text(), /<Code>AccessDenied<\/Code>/);

  const { stdout: presigned } = await aws(url, ['s3', 'presign', 's3://auth/x/a.tar', '--expires-in', '60'], env);
  t.equal((await fetch(presigned.trim())).status, 200, 'presigned URL works');
  const tampered = presigned.trim().replace('x/a.tar', 'x/b.tar');
  t.equal((await fetch(tampered)).status, 403, 'a presigned URL for another key is refused');
});

t.test('TLS with the self-signed certificate', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-tls-'));
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', dataDir, tlsEnabled: true, logLevel: 'silent', encode: 'inline' } });
  const { url } = await proxy.listen();
  t.teardown(() => proxy.close());
  t.match(url, /^https:/);
  await aws(url, ['--no-verify-ssl', 's3', 'mb', 's3://tls']);
  const work = mkdtempSync(join(tmpdir(), 'dg-tls-work-'));
  writeFileSync(join(work, 'f.txt'), 'over tls');
  await aws(url, ['--no-verify-ssl', 's3', 'cp', '--no-progress', join(work, 'f.txt'), 's3://tls/f.txt']);
  const { stdout } = await aws(url, ['--no-verify-ssl', 's3', 'cp', '--no-progress', 's3://tls/f.txt', '-']);
  t.equal(stdout, 'over tls');
  t.ok(existsSync(join(dataDir, '.tls', 'self-signed.crt')), 'certificate generated in the data directory');
});
