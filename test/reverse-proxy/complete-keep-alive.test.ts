/**
 * A CompleteMultipartUpload that takes longer than a moment is answered as S3 answers it:
 * 200 and the XML declaration at once, whitespace while the object is stored, then the
 * result or the error in the body. Real proxy, real HTTP, the real SDK; the backend is the
 * filesystem store made slow (or failing) on purpose.
 */
import t from 'tap';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { FileSystemStore, type ObjectStore } from '../../src/index.js';
import { createReverseProxy } from '../../src/reverse-proxy/index.js';
import { DEFAULT_KEEP_ALIVE_FIRST_MS } from '../../src/s3/keep-alive-response.js';
import { randomBytesSeeded } from '../helpers/data.js';

/** How long the store's next writes take, and whether they fail. */
const slow = { ms: 0, fail: false };

function slowStore(store: ObjectStore): ObjectStore {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'putObject') {
        return async (...args: unknown[]) => {
          if (slow.ms > 0) await new Promise((r) => setTimeout(r, slow.ms));
          if (slow.fail) throw new Error('backend write failed');
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

t.test('CompleteMultipartUpload keeps the connection alive and reports errors in the body', async (t) => {
  const requests: { op?: string; status?: number; ms?: number; error?: string; msg?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) requests.push(JSON.parse(line) as (typeof requests)[number]);
      cb();
    },
  });
  const store = slowStore(new FileSystemStore(mkdtempSync(join(tmpdir(), 'dg-keepalive-'))));
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off' }, store, logger: pino({ level: 'info' }, sink) });
  const { url } = await proxy.listen();
  t.teardown(() => proxy.close());
  const s3 = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  t.teardown(() => s3.destroy());
  await proxy.engine.createBucket('keep');
  const data = randomBytesSeeded(100_000, 9);

  async function uploaded(key: string): Promise<{ uploadId: string; etag: string }> {
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'keep', Key: key }));
    const p = await s3.send(new UploadPartCommand({ Bucket: 'keep', Key: key, UploadId: c.UploadId, PartNumber: 1, Body: data }));
    return { uploadId: c.UploadId as string, etag: p.ETag as string };
  }

  t.test('a slow Complete: 200 and the declaration at once, whitespace, then the result', async (t) => {
    const { uploadId, etag } = await uploaded('slow/a.bin');
    slow.ms = DEFAULT_KEEP_ALIVE_FIRST_MS + 2000;
    t.teardown(() => (slow.ms = 0));
    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
    const started = performance.now();
    const answer = await new Promise<{ status: number; headersAfter: number; chunks: { at: number; text: string }[] }>((resolve, reject) => {
      const req = request(`${url}/keep/slow/a.bin?uploadId=${encodeURIComponent(uploadId)}`, { method: 'POST', headers: { 'content-length': Buffer.byteLength(xml) } }, (res) => {
        const headersAfter = performance.now() - started;
        const chunks: { at: number; text: string }[] = [];
        res.on('data', (c: Buffer) => chunks.push({ at: performance.now() - started, text: c.toString('utf8') }));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headersAfter, chunks }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(xml);
    });
    t.equal(answer.status, 200);
    t.ok(answer.headersAfter < slow.ms, `the status line came before the work finished (${Math.round(answer.headersAfter)} ms < ${slow.ms} ms)`);
    const body = answer.chunks.map((c) => c.text).join('');
    t.match(body, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n\s*<CompleteMultipartUploadResult/, 'declaration, whitespace, result');
    t.match(body, /<ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>|<ETag>"[0-9a-f]{32}"<\/ETag>/);
    t.ok(answer.chunks[0]!.at < slow.ms, 'the first body bytes left before the work finished');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'keep', Key: 'slow/a.bin' }));
    t.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data), 'the object is stored, byte-exact');
    const logged = requests.find((r) => r.msg === 'request' && r.op === 'CompleteMultipartUpload' && r.status === 200);
    t.ok(logged && (logged.ms ?? 0) >= slow.ms, `the request log shows the real duration (${logged?.ms} ms)`);
  });

  t.test('a Complete that fails after the 200 went out: the SDK raises the error from the body', async (t) => {
    const { uploadId, etag } = await uploaded('fail/b.bin');
    slow.ms = DEFAULT_KEEP_ALIVE_FIRST_MS + 1000;
    slow.fail = true;
    t.teardown(() => {
      slow.ms = 0;
      slow.fail = false;
    });
    await t.rejects(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'keep', Key: 'fail/b.bin', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag }] } })),
      { name: 'InternalError' },
    );
    const logged = requests.find((r) => r.msg === 'request failed' && r.op === 'CompleteMultipartUpload' && r.status === 500);
    t.ok(logged, 'the request log records the error status, not the 200 of the status line');
    t.match(logged?.error, /backend write failed/);
    slow.fail = false;
    slow.ms = 0;
    const retried = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'keep', Key: 'fail/b.bin', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag }] } }));
    t.equal(retried.$metadata.httpStatusCode, 200, 'the upload survives a failed Complete: a retry stores it');
    const again = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'keep', Key: 'fail/b.bin', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag }] } }));
    t.equal(again.ETag, retried.ETag, 'a repeated Complete answers the same ETag');
  });
});
