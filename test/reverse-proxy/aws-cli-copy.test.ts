/**
 * `aws s3 cp s3://... s3://...` of an object over the CLI's 8 MB multipart threshold: the
 * CLI copies it part by part with UploadPartCopy (x-amz-copy-source-range), which the proxy
 * answers by reading the source through the engine (a delta-stored source is reconstructed).
 * On the embedded filesystem store, in front of s3rver (which has no UploadPartCopy: the
 * proxy never hands the request to the backend) and in front of Ceph RGW.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';
import { versions } from '../helpers/data.js';
import { startS3rver } from '../helpers/s3rver.js';
import { rgwUnavailable, sharedRgw } from '../helpers/rgw.js';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
const MIB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-example', AWS_DEFAULT_REGION: 'us-east-1', BOTO_DISABLE_CRT: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };

/** A pino logger whose request lines the test reads back. */
function recordingLogger(): { logger: Logger; ops: () => string[] } {
  const lines: { msg?: string; op?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as { msg?: string; op?: string });
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink), ops: () => lines.filter((l) => l.msg === 'request').map((l) => String(l.op)) };
}

const surfaces = [
  { name: 'the embedded filesystem store', backend: async () => ({ config: { dataDir: mkdtempSync(join(tmpdir(), 'dg-cp-')) }, close: async () => undefined }) },
  {
    name: 's3rver',
    backend: async () => {
      const s3 = await startS3rver();
      return { config: { s3Endpoint: s3.endpoint, beAccessKeyId: 'S3RVER', beSecretAccessKey: 'S3RVER' }, close: () => s3.close() };
    },
  },
  {
    name: 'Ceph RGW',
    unavailable: rgwUnavailable(),
    backend: async () => {
      const rgw = await sharedRgw();
      return { config: { s3Endpoint: rgw.endpoint, s3Region: rgw.region, beAccessKeyId: rgw.accessKeyId, beSecretAccessKey: rgw.secretAccessKey }, close: async () => undefined };
    },
  },
];

for (const surface of surfaces) {
  const skip = !existsSync(AWS) ? `${AWS} missing (apt-get install awscli)` : 'unavailable' in surface && surface.unavailable ? surface.unavailable : false;
  t.test(`aws s3 cp s3->s3 of a 17 MiB object through the proxy on ${surface.name}`, { skip }, async (t) => {
    const backend = await surface.backend();
    t.teardown(backend.close);
    const rec = recordingLogger();
    const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', encode: 'inline', ...backend.config }, logger: rec.logger });
    const { url } = await proxy.listen();
    t.teardown(() => proxy.close());
    const aws = (args: string[]) => run(AWS, ['--endpoint-url', url, ...args], { env, maxBuffer: 16 * MIB });
    const work = mkdtempSync(join(tmpdir(), 'dg-cp-work-'));
    const [v1, v2] = versions(17 * MIB, 2, 31);
    writeFileSync(join(work, 'v1.zip'), v1!);
    writeFileSync(join(work, 'v2.zip'), v2!);
    // A bucket of its own: a shared RGW outlives this test (and keeps its data in RAM, so it is removed after).
    const bucket = `copies-${randomBytes(4).toString('hex')}`;
    await aws(['s3', 'mb', `s3://${bucket}`]);
    t.teardown(async () => void (await aws(['s3', 'rb', '--force', `s3://${bucket}`]).catch(() => undefined)));
    await aws(['s3', 'cp', '--no-progress', join(work, 'v1.zip'), `s3://${bucket}/rel/v1.zip`]);
    await aws(['s3', 'cp', '--no-progress', join(work, 'v2.zip'), `s3://${bucket}/rel/v2.zip`]);
    t.equal((await proxy.engine.headObject({ bucket, key: 'rel/v2.zip' })).storageType, 'delta', 'the source is stored as a delta');

    await aws(['s3', 'cp', '--no-progress', `s3://${bucket}/rel/v2.zip`, `s3://${bucket}/copy/v2.zip`]);
    t.ok(rec.ops().filter((op) => op === 'UploadPart').length >= 3, 'the CLI copied part by part (UploadPartCopy)');
    await aws(['s3', 'cp', '--no-progress', `s3://${bucket}/copy/v2.zip`, join(work, 'v2.out')]);
    t.equal(sha(readFileSync(join(work, 'v2.out'))), sha(v2!), 'the copy reads back byte-exact');

    await aws(['s3', 'mv', '--no-progress', `s3://${bucket}/rel/v1.zip`, `s3://${bucket}/moved/v1.zip`]);
    await aws(['s3', 'cp', '--no-progress', `s3://${bucket}/moved/v1.zip`, join(work, 'v1.out')]);
    t.equal(sha(readFileSync(join(work, 'v1.out'))), sha(v1!), 'mv between prefixes: the moved object reads back byte-exact');
    const ls = await aws(['s3', 'ls', `s3://${bucket}/rel/`]);
    t.notMatch(ls.stdout, /v1\.zip/, 'mv removed the source');
    t.match(ls.stdout, /v2\.zip/);
  });
}
