/**
 * SigV2 in every form gets a clear answer over real HTTP: a presigned URL
 * (`?AWSAccessKeyId=&Signature=&Expires=`, as `s3cmd signurl` makes) and an
 * `Authorization: AWS key:signature` header (as `s3cmd --signature-v2` sends) are
 * both 400 InvalidRequest saying that only Signature Version 4 is accepted.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';

const run = promisify(execFile);
const S3CMD = '/usr/bin/s3cmd';
const CREDS = { accessKeyId: 'AKIDSIGV2TEST', secretAccessKey: 'sigv2-secret' };

/** A SigV2 query-string signature (the AWS S3 "Query String Request Authentication" form). */
function presignV2(url: string, path: string, expires: number): string {
  const signature = createHmac('sha1', CREDS.secretAccessKey).update(`GET\n\n\n${expires}\n${path}`).digest('base64');
  return `${url}${path}?AWSAccessKeyId=${CREDS.accessKeyId}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
}

t.test('SigV2 requests are refused with a message that names SigV4', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-sigv2-'));
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', dataDir, logLevel: 'silent', ...CREDS } });
  const { url } = await proxy.listen();
  t.teardown(async () => {
    await proxy.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await proxy.engine.createBucket('sigv2');
  const expires = Math.floor(Date.now() / 1000) + 3600;

  const expectSigV2Error = async (res: Response, what: string): Promise<void> => {
    const body = await res.text();
    t.equal(res.status, 400, `${what}: 400`);
    t.match(body, /<Code>InvalidRequest<\/Code>/, `${what}: InvalidRequest`);
    t.match(body, /Signature Version 2 is not supported: deltaglider accepts only Signature Version 4 \(AWS4-HMAC-SHA256\)/, `${what}: says only SigV4 is accepted`);
    t.notMatch(body, /Anonymous/, `${what}: not mistaken for an anonymous request`);
  };

  await expectSigV2Error(await fetch(presignV2(url, '/sigv2/release.zip', expires)), 'presigned GET');
  await expectSigV2Error(await fetch(presignV2(url, '/_/stats', expires)), 'presigned /_/stats');
  const date = new Date().toUTCString();
  const headerSig = createHmac('sha1', CREDS.secretAccessKey).update(`GET\n\n\n${date}\n/sigv2/`).digest('base64');
  await expectSigV2Error(await fetch(`${url}/sigv2/`, { headers: { Date: date, Authorization: `AWS ${CREDS.accessKeyId}:${headerSig}` } }), 'SigV2 header');

  const anonymous = await fetch(`${url}/sigv2/release.zip`);
  t.equal(anonymous.status, 403, 'a request with no signature at all is still AccessDenied');
  await anonymous.arrayBuffer();

  t.test('s3cmd, a real SigV2 client', { skip: existsSync(S3CMD) ? false : `${S3CMD} not installed (apt-get install s3cmd)` }, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'dg-s3cmd-'));
    t.teardown(() => rmSync(work, { recursive: true, force: true }));
    const config = join(work, 's3cfg');
    const host = url.replace(/^http:\/\//, '');
    writeFileSync(config, `[default]\naccess_key = ${CREDS.accessKeyId}\nsecret_key = ${CREDS.secretAccessKey}\nhost_base = ${host}\nhost_bucket = ${host}\nuse_https = False\nsignature_v2 = True\n`);
    const signed = await run(S3CMD, ['-c', config, 'signurl', 's3://sigv2/release.zip', `${expires}`], { env: { ...process.env, HOME: work } });
    const signedUrl = signed.stdout.trim();
    t.match(signedUrl, /AWSAccessKeyId=.*Signature=/, `s3cmd made a SigV2 URL: ${signedUrl}`);
    await expectSigV2Error(await fetch(signedUrl), 's3cmd signurl');
    const ls = await run(S3CMD, ['-c', config, 'ls', 's3://sigv2/'], { env: { ...process.env, HOME: work } }).then(
      () => ({ stderr: '', failed: false }),
      (err: { stderr: string }) => ({ stderr: err.stderr, failed: true }),
    );
    t.ok(ls.failed, 's3cmd --signature-v2 ls fails');
    t.match(ls.stderr, /InvalidRequest|Signature Version 2 is not supported/, `s3cmd shows the reason: ${ls.stderr.trim().split('\n').pop()}`);
  });
});
