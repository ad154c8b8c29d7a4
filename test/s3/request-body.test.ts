/**
 * A digest the request declares and the S3 layer verifies (a signed x-amz-content-sha256,
 * Content-MD5) is handed to the engine instead of being computed twice. These tests make
 * sure that shortcut never stores a digest the bytes do not have: a matching declaration
 * stores the real digests, a false one stores nothing, on every PUT path (passthrough,
 * deferred pending, inline delta, multipart part).
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';
import { parseMetadata } from '../../src/index.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();

function send(url: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: body ? { ...headers, 'content-length': String(body.length) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A release-like body: `seed` varies a few bytes, so versions delta well against each other. */
function version(seed: number): Buffer {
  const b = Buffer.alloc(256 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + (i >> 9)) & 0xff;
  b.writeUInt32BE(seed, 1000);
  return b;
}

for (const encode of ['inline', 'deferred'] as const) {
  t.test(`declared digests through the proxy (${encode})`, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dg-known-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', dataDir, logLevel: 'silent', encode, compactorConcurrency: 0 } });
    const { url } = await proxy.listen();
    t.teardown(() => proxy.close());
    t.equal((await send(url, 'PUT', '/bkt', {})).status, 200);
    const stored = async (key: string): Promise<{ sha: string | undefined; md5: string | undefined } | undefined> => {
      const o = (await proxy.engine.store.headObject('bkt', key)) ?? (await proxy.engine.store.headObject('bkt', `${key}.delta`));
      if (!o) return undefined;
      const m = parseMetadata(o.metadata);
      return { sha: m.fileSha256, md5: m.md5 };
    };

    // The first version becomes the baseline; the later ones take the delta (or pending) path.
    for (const [i, key] of ['rel/v1.zip', 'rel/v2.zip', 'misc/blob.dat'].entries()) {
      const body = version(i + 1);
      const put = await send(url, 'PUT', `/bkt/${key}`, { 'x-amz-content-sha256': sha256(body), 'content-md5': md5(body).toString('base64') }, body);
      t.equal(put.status, 200, `${key}: a true declaration is accepted`);
      t.equal(put.headers.etag, `"${md5(body).toString('hex')}"`);
      t.same(await stored(key), { sha: sha256(body), md5: md5(body).toString('hex') }, `${key}: the stored digests are the bytes' own`);
      const got = await send(url, 'GET', `/bkt/${key}`, {});
      t.equal(got.status, 200);
    }

    const liar = version(9);
    const other = version(10);
    for (const key of ['rel/v3.zip', 'misc/blob2.dat']) {
      const badSha = await send(url, 'PUT', `/bkt/${key}`, { 'x-amz-content-sha256': sha256(other) }, liar);
      t.equal(badSha.status, 400, `${key}: a false payload hash is refused`);
      t.match(badSha.body, /XAmzContentSHA256Mismatch/);
      const badMd5 = await send(url, 'PUT', `/bkt/${key}`, { 'content-md5': md5(other).toString('base64') }, liar);
      t.equal(badMd5.status, 400, `${key}: a false Content-MD5 is refused`);
      t.match(badMd5.body, /BadDigest/);
      t.equal(await stored(key), undefined, `${key}: nothing stored`);
      t.equal((await send(url, 'HEAD', `/bkt/${key}`, {})).status, 404);
    }

    // A part's ETag is its MD5, whether declared or computed.
    const init = await send(url, 'POST', '/bkt/big.bin?uploads', {});
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body)?.[1] as string;
    const part = version(42);
    const up = await send(url, 'PUT', `/bkt/big.bin?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, { 'content-md5': md5(part).toString('base64'), 'x-amz-content-sha256': sha256(part) }, part);
    t.equal(up.headers.etag, `"${md5(part).toString('hex')}"`);
    const badPart = await send(url, 'PUT', `/bkt/big.bin?partNumber=2&uploadId=${encodeURIComponent(uploadId)}`, { 'content-md5': md5(other).toString('base64') }, part);
    t.equal(badPart.status, 400, 'a part with a false Content-MD5 is refused');
    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${up.headers.etag as string}</ETag></Part></CompleteMultipartUpload>`;
    const done = await send(url, 'POST', `/bkt/big.bin?uploadId=${encodeURIComponent(uploadId)}`, {}, Buffer.from(xml));
    t.equal(done.status, 200);
    t.same((await stored('big.bin'))?.sha, sha256(part), 'the assembled object has its own SHA-256');
  });
}
