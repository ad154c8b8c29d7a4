/**
 * Delta behaviour (our surfaces only): families round-trip, the backend holds
 * less, storage types are right, objects cross surfaces.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import express from 'express';
import { prng, randomBytesSeeded, versions } from '../../helpers/data.js';
import { TEST_CREDENTIALS } from '../../helpers/s3rver.js';
import { S3Store } from '../../../src/index.js';
import { deltaGliderMiddleware } from '../../../src/middleware/index.js';
import type { ConformanceCase } from '../lib/case.js';
import { hdr, md5, sha256, type CaseContext } from '../lib/context.js';

/** Full-entropy bytes: no codec or compressor shrinks them (the same for every profile). */
function noise(size: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) out.writeUInt32LE(next(), Math.min(i, size - 4));
  return out;
}

async function putFamily(ctx: CaseContext, prefix: string, vs: Buffer[], ext = '.zip'): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < vs.length; i++) {
    const key = `${prefix}app-1.${i}.0${ext}`;
    await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: key, Body: vs[i], ContentType: 'application/zip' }));
    keys.push(key);
  }
  return keys;
}

async function storageType(ctx: CaseContext, key: string): Promise<string | undefined> {
  const r = await ctx.raw('HEAD', ctx.path(ctx.bucket, key));
  assert.equal(r.status, 200);
  return hdr(r, 'x-amz-storage-type');
}

const family = (id: string, seed: number, size: number, count: number, ext: string): ConformanceCase => ({
  id: `delta.family-${id}`,
  title: `${count} versions of a ${Math.round(size / 1000)} KB ${ext} round-trip byte-exact; backend holds < 50% of the originals`,
  needs: ['ours'],
  async run(ctx) {
    const vs = versions(size, count, seed);
    const keys = await putFamily(ctx, 'releases/', vs, ext);
    for (let i = 0; i < vs.length; i++) {
      const { out, body } = await ctx.get(keys[i]!);
      assert.equal(sha256(body), sha256(vs[i]!), `${keys[i]} bytes`);
      assert.equal(out.ETag, `"${md5(vs[i]!)}"`);
      assert.equal(out.ContentLength, vs[i]!.length);
    }
    const original = vs.reduce((n, v) => n + v.length, 0);
    const stored = (await ctx.backendObjects(ctx.bucket, 'releases/')).reduce((n, o) => n + o.size, 0);
    assert.ok(stored < original * 0.5, `backend holds ${stored} bytes for ${original} original bytes`);
    const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: 'releases/' }));
    assert.deepEqual(listed.Contents?.map((c) => [c.Key, c.Size]), keys.map((k, i) => [k, vs[i]!.length]));
  },
});

export const DELTA_CASES: ConformanceCase[] = [
  family('zip', 1, 300_000, 5, '.zip'),
  family('tar-gz', 2, 200_000, 4, '.tar.gz'),
  family('sql', 3, 250_000, 4, '.sql'),
  {
    id: 'delta.backend-layout',
    title: 'backend holds P/reference.bin (compact: P/reference.000001.delta.delta) + P/<name>.delta for eligible keys, P/<name> for passthrough',
    needs: ['ours'],
    async run(ctx) {
      const vs = versions(100_000, 3, 5);
      await putFamily(ctx, 'lay/', vs);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'lay/notes.txt', Body: 'release notes' }));
      // The listing index (written shortly after the deltas) is derived data beside them.
      const keys = (await ctx.backendObjects(ctx.bucket, 'lay/')).map((o) => o.key).filter((k) => k !== 'lay/.dg-index.delta.delta').sort();
      assert.deepEqual(keys, ['lay/app-1.0.0.zip.delta', 'lay/app-1.1.0.zip.delta', 'lay/app-1.2.0.zip.delta', 'lay/notes.txt', ctx.baselineKey('lay')].sort());
    },
  },
  {
    id: 'delta.storage-type-header',
    title: 'x-amz-storage-type: reference for the first, delta for later versions, passthrough for .txt (PUT and HEAD)',
    needs: ['ours', 'http'],
    async run(ctx) {
      const vs = versions(100_000, 3, 6);
      const want = ['reference', 'delta', 'delta'];
      for (let i = 0; i < vs.length; i++) {
        const p = await ctx.raw('PUT', ctx.path(ctx.bucket, `st/v${i}.zip`), { body: vs[i] });
        assert.equal(p.status, 200, p.text);
        assert.equal(hdr(p, 'x-amz-storage-type'), want[i], `PUT v${i}`);
      }
      const t = await ctx.raw('PUT', ctx.path(ctx.bucket, 'st/notes.txt'), { body: 'text' });
      assert.equal(hdr(t, 'x-amz-storage-type'), 'passthrough');
      assert.equal(await storageType(ctx, 'st/v0.zip'), 'reference', 'the object that seeded the reference reports reference');
      assert.equal(await storageType(ctx, 'st/v2.zip'), 'delta');
      assert.equal(await storageType(ctx, 'st/notes.txt'), 'passthrough');
    },
  },
  {
    id: 'delta.unrelated-falls-back',
    title: 'an eligible object unrelated to the reference is stored passthrough (ratio rule) and reads back',
    needs: ['ours'],
    async run(ctx) {
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'u/a.zip', Body: noise(50_000, 70) }));
      const other = noise(50_000, 71);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'u/b.zip', Body: other }));
      const keys = (await ctx.backendObjects(ctx.bucket, 'u/')).map((o) => o.key).sort();
      assert.ok(keys.includes('u/b.zip'), `stored passthrough: ${keys.join(', ')}`);
      assert.ok(!keys.includes('u/b.zip.delta'));
      const { body } = await ctx.get('u/b.zip');
      assert.ok(body.equals(other));
    },
  },
  {
    id: 'delta.overwrite-variant-switch',
    title: 'overwriting a delta with a passthrough variant (and back) leaves exactly one backend variant',
    needs: ['ours'],
    async run(ctx) {
      const base = randomBytesSeeded(40_000, 72);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'sw/a.zip', Body: base }));
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'sw/b.zip', Body: Buffer.concat([base, Buffer.from('1')]) }));
      const unrelated = noise(40_000, 73);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'sw/b.zip', Body: unrelated }));
      let keys = (await ctx.backendObjects(ctx.bucket, 'sw/')).map((o) => o.key).filter((k) => k.startsWith('sw/b.zip'));
      assert.deepEqual(keys, ['sw/b.zip']);
      assert.ok((await ctx.get('sw/b.zip')).body.equals(unrelated));
      const again = Buffer.concat([base, Buffer.from('2')]);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'sw/b.zip', Body: again }));
      keys = (await ctx.backendObjects(ctx.bucket, 'sw/')).map((o) => o.key).filter((k) => k.startsWith('sw/b.zip'));
      assert.deepEqual(keys, ['sw/b.zip.delta']);
      assert.ok((await ctx.get('sw/b.zip')).body.equals(again));
    },
  },
  {
    id: 'delta.reference-removed-when-empty',
    title: 'deleting the last object of a deltaspace removes its reference (reference.bin or compact baseline)',
    needs: ['ours'],
    async run(ctx) {
      const vs = versions(50_000, 2, 7);
      const keys = await putFamily(ctx, 'gone/', vs);
      for (const k of keys) await ctx.s3.send(new (await import('@aws-sdk/client-s3')).DeleteObjectCommand({ Bucket: ctx.bucket, Key: k }));
      assert.deepEqual((await ctx.backendObjects(ctx.bucket, 'gone/')).map((o) => o.key), []);
    },
  },
  {
    id: 'delta.deltaspaces-independent',
    title: 'same file name in two deltaspaces: two references, both read back',
    needs: ['ours'],
    async run(ctx) {
      const a = randomBytesSeeded(30_000, 74);
      const b = randomBytesSeeded(30_000, 75);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'one/x.zip', Body: a }));
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'two/x.zip', Body: b }));
      const keys = (await ctx.backendObjects(ctx.bucket)).map((o) => o.key).sort();
      assert.ok(keys.includes(ctx.baselineKey('one')) && keys.includes(ctx.baselineKey('two')), keys.join(', '));
      assert.ok((await ctx.get('one/x.zip')).body.equals(a));
      assert.ok((await ctx.get('two/x.zip')).body.equals(b));
    },
  },
  {
    id: 'delta.root-deltaspace',
    title: 'eligible keys at the bucket root use reference.bin (not /reference.bin)',
    needs: ['ours'],
    async run(ctx) {
      const vs = versions(40_000, 2, 8);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'r1.zip', Body: vs[0] }));
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'r2.zip', Body: vs[1] }));
      const keys = (await ctx.backendObjects(ctx.bucket)).map((o) => o.key).filter((k) => k !== '.dg-index.delta.delta').sort();
      assert.deepEqual(keys, ['r1.zip.delta', 'r2.zip.delta', ctx.baselineKey('')].sort());
      assert.ok((await ctx.get('r2.zip')).body.equals(vs[1]!));
    },
  },
  {
    id: 'delta.plain-backend-object',
    title: 'an object written straight to the backend (no DeltaGlider metadata) is served as-is',
    needs: ['ours'],
    async run(ctx) {
      const store = ctx.target.backend!;
      const body = Buffer.from('written behind our back');
      const { spoolToFile, TempDir } = await import('../../../src/index.js');
      const temp = new TempDir();
      try {
        const spool = await spoolToFile((await import('node:stream')).Readable.from([body]), temp, {});
        await store.putObject(ctx.bucket, 'plain/legacy.zip', spool, { metadata: {}, contentType: 'application/zip' });
      } finally {
        temp.dispose();
      }
      const { out, body: got } = await ctx.get('plain/legacy.zip');
      assert.ok(got.equals(body));
      assert.equal(out.ETag, `"${md5(body)}"`);
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: 'plain/legacy.zip' }));
      assert.equal(h.ContentLength, body.length);
    },
  },
  {
    id: 'delta.cross-surface',
    title: 'written via the proxy, read back through the middleware and the SDK plugin on the same s3rver bucket',
    needs: ['ours'],
    skip: { plugin: 'runs once, on proxy-s3', middleware: 'runs once, on proxy-s3', 'proxy-fs': 'runs once, on proxy-s3', 'proxy-auth': 'runs once, on proxy-s3', 'plugin-rgw': 'runs once, on proxy-s3', 'middleware-rgw': 'runs once, on proxy-s3', 'proxy-rgw': 'runs once, on proxy-s3' },
    async run(ctx) {
      const s3 = ctx.target.s3rver!;
      const vs = versions(150_000, 3, 9);
      const keys = await putFamily(ctx, 'x/', vs);
      await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'x/readme.txt', Body: 'hi' }));
      const all = [...keys, 'x/readme.txt'];
      const bodies = [...vs, Buffer.from('hi')];
      // Middleware on the same backend.
      const backend = new S3Store({ endpoint: s3.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
      const mw = deltaGliderMiddleware({ backend });
      const app = express();
      app.use('/s3', mw);
      const server = createServer(app);
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
      const clients: S3Client[] = [];
      const mk = (endpoint: string) => {
        const c = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: TEST_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
        clients.push(c);
        return c;
      };
      try {
        const readers: [string, S3Client][] = [['middleware', mk(`http://127.0.0.1:${(server.address() as AddressInfo).port}/s3`)]];
        const path = '../../../src/sdk-plugin/index.js';
        const plugin = (await import(path).catch(() => undefined)) as { deltaGlider?: () => never } | undefined;
        if (typeof plugin?.deltaGlider === 'function') {
          const c = mk(s3.endpoint);
          c.middlewareStack.use(plugin.deltaGlider());
          readers.push(['plugin', c]);
        }
        for (const [name, client] of readers) {
          for (let i = 0; i < all.length; i++) {
            const out = await client.send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: ctx.bucket, Key: all[i] }));
            const got = Buffer.from(await out.Body!.transformToByteArray());
            assert.equal(sha256(got), sha256(bodies[i]!), `${name} reads ${all[i]}`);
            assert.equal(out.ETag, `"${md5(bodies[i]!)}"`, `${name} ETag of ${all[i]}`);
          }
          const l = await client.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: 'x/' }));
          assert.deepEqual(l.Contents?.map((c) => c.Key), [...all].sort(), `${name} lists the user keys`);
        }
        // And the reverse: written through the middleware, read through the proxy.
        const w = readers[0]![1];
        const extra = Buffer.concat([vs[2]!, Buffer.from('via middleware')]);
        await w.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: 'x/app-2.0.0.zip', Body: extra }));
        assert.ok((await ctx.get('x/app-2.0.0.zip')).body.equals(extra), 'proxy reads what the middleware wrote');
        if (readers.length < 2) throw new Error('SDK plugin not available yet: middleware half passed, plugin half not run');
      } finally {
        for (const c of clients) c.destroy();
        await new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); });
        await mw.engine.close();
        backend.client.destroy();
      }
    },
  },
];
