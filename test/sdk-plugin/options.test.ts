import t from 'tap';
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { TEST_CREDENTIALS } from '../helpers/s3rver.js';
import { versions } from '../helpers/data.js';
import { deltaGlider, deltaGliderMiddlewareOptions, resolveDeltaGliderPluginConfig } from '../../src/sdk-plugin/index.js';
import { startPluginFixture } from './fixture.js';
import { isListingIndexKey } from '../../src/core/format/listing-index.js';

t.test('options are validated when the plugin is created, with messages that name the option', async (t) => {
  t.throws(() => deltaGlider({ maxDeltaRatio: 0 }), /maxDeltaRatio must be in \(0, 1\]/);
  t.throws(() => deltaGlider({ maxDeltaRatio: 1.5 }), RangeError);
  t.throws(() => deltaGlider({ referenceCacheBytes: -1 }), /referenceCacheBytes must be a non-negative integer/);
  t.throws(() => deltaGlider({ maxDeltaObjectSize: 1.5 }), /maxDeltaObjectSize/);
  t.throws(() => deltaGlider({ codec: 'zstd' as never }), /codec must be one of auto, xdelta3, typescript/);
  t.throws(() => deltaGlider({ enabled: 'yes' as never }), /enabled must be a boolean or a function/);
  t.throws(() => deltaGlider({ eligible: 'zip' as never }), /eligible must be a function/);
  t.throws(() => deltaGlider({ eligibleExtensions: ['.zip', ''] }), /eligibleExtensions/);
  t.throws(() => deltaGlider({ logger: { info() {} } as never }), /logger must have .* missing debug, warn, error/);
  t.throws(() => deltaGlider({ tempDir: '' }), /tempDir/);
  t.throws(() => deltaGlider({ client: {} as never }), /client must be an S3Client/);
  t.throws(() => deltaGlider({ maxDeltaRatoi: 0.3 } as never), /unknown option maxDeltaRatoi/);
});

t.test('every engine option reaches the engine, validated by the engine\'s own rules', async (t) => {
  const given = { maxObjectSize: 1024, codecConcurrency: 2, reconstructionCacheBytes: 0, baselineRotationRatio: 0.25, minPartSize: 1, codecLevel: 'fast' as const };
  t.match(resolveDeltaGliderPluginConfig(given).engineOptions, given);
  t.throws(() => resolveDeltaGliderPluginConfig({ codecConcurrency: 0 }), /codecConcurrency must be at least 1/);
  t.throws(() => resolveDeltaGliderPluginConfig({ maxObjectSize: -1 }), /maxObjectSize must be a non-negative integer/);
  t.throws(() => resolveDeltaGliderPluginConfig({ baselineRotationRatio: Number.NaN }), /baselineRotationRatio/);
  t.throws(() => resolveDeltaGliderPluginConfig({ encode: 'deferred' } as never), /unknown option encode/, 'no background process: deferred encoding is not a plugin option');
});

t.test('defaults are the documented ones', async (t) => {
  const c = resolveDeltaGliderPluginConfig();
  t.equal(c.maxDeltaRatio, 0.5);
  t.equal(c.referenceCacheBytes, 100 * 1024 * 1024);
  t.equal(c.codec, 'auto');
  t.equal(c.maxDeltaObjectSize, 4 * 1024 ** 3);
  t.equal(c.conditionalWrites, true);
  t.equal(c.enabled('b', 'k'), true);
  t.equal(c.eligible('a/b.tar.gz'), true);
  t.equal(c.eligible('a/b.txt'), true, 'by default any key may be a candidate: size and content decide in the engine');
  t.equal(resolveDeltaGliderPluginConfig({ eligibleExclude: ['*.txt'] }).eligible('a/b.txt'), false, 'excluded keys stay native multipart');
  t.equal(resolveDeltaGliderPluginConfig({ eligibleExtensions: ['.zip'] }).eligible('a/b.txt'), false, 'an explicit extension list keeps its old meaning');
  t.throws(() => resolveDeltaGliderPluginConfig({ eligibleInclude: [''] }), /glob must be a non-empty string/);
  t.same(
    { name: deltaGliderMiddlewareOptions.name, step: deltaGliderMiddlewareOptions.step, priority: deltaGliderMiddlewareOptions.priority, override: deltaGliderMiddlewareOptions.override },
    { name: 'deltaGliderMiddleware', step: 'initialize', priority: 'high', override: true },
  );
});

t.test('plugin behaviour switches', async (t) => {
  const fx = await startPluginFixture({ enabled: (bucket, key) => bucket === 'bkt' && !key.startsWith('raw/') }, ['bkt', 'other']);
  t.teardown(() => fx.close());
  const { client, plain } = fx;
  const vs = versions(100_000, 2, 3);

  t.test('requests the enabled predicate turns off go to S3 untouched', async (t) => {
    await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'raw/a.zip', Body: vs[0] }));
    await client.send(new PutObjectCommand({ Bucket: 'other', Key: 'b.zip', Body: vs[0] }));
    const a = await plain.send(new HeadObjectCommand({ Bucket: 'bkt', Key: 'raw/a.zip' }));
    t.equal(a.Metadata?.['dg-note'], undefined, 'no DeltaGlider metadata under raw/');
    const b = await plain.send(new HeadObjectCommand({ Bucket: 'other', Key: 'b.zip' }));
    t.equal(b.ContentLength, vs[0]!.length);
    await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'on/a.zip', Body: vs[0] }));
    const keys = (await plain.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'on/' }))).Contents!.map((o) => o.Key as string).filter((k) => !isListingIndexKey(k));
    t.same(keys, ['on/a.zip.delta', 'on/reference.bin']);
  });

  t.test('commands the plugin does not handle pass through', async (t) => {
    const buckets = await client.send(new ListBucketsCommand({}));
    t.same(buckets.Buckets!.map((b) => b.Name).sort(), ['bkt', 'other']);
    const hb = await client.send(new HeadBucketCommand({ Bucket: 'bkt' }));
    t.equal(hb.$metadata.httpStatusCode, 200);
  });

  t.test('eligibleExtensions and maxDeltaRatio change the PUT decision', async (t) => {
    const { client: c2 } = fx.makeClient({ eligibleExtensions: ['.bin'], maxDeltaRatio: 0.0001 });
    await c2.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'ext/a.zip', Body: vs[0] }));
    await c2.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'ext/v0.bin', Body: vs[0] }));
    await c2.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'ext/v1.bin', Body: vs[1] }));
    const keys = (await plain.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'ext/' }))).Contents!.map((o) => o.Key as string).filter((k) => !isListingIndexKey(k));
    t.same(keys, ['ext/a.zip', 'ext/reference.bin', 'ext/v0.bin.delta', 'ext/v1.bin'], '.zip not eligible; the v1 delta is over the ratio');
    const got = await c2.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'ext/v1.bin' }));
    t.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(vs[1]!));
  });

  t.test('an explicit client option skips discovery and works the same', async (t) => {
    const c3 = new S3Client({
      endpoint: fx.s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: TEST_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const plugin = deltaGlider({ client: c3 });
    c3.middlewareStack.use(plugin);
    t.teardown(async () => {
      await plugin.close();
      c3.destroy();
    });
    await c3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'explicit/v0.zip', Body: vs[0] }));
    await c3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'explicit/v1.zip', Body: vs[1] }));
    const keys = (await plain.send(new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'explicit/' }))).Contents!.map((o) => o.Key as string).filter((k) => !isListingIndexKey(k));
    t.same(keys, ['explicit/reference.bin', 'explicit/v0.zip.delta', 'explicit/v1.zip.delta']);
    const got = await c3.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'explicit/v1.zip' }));
    t.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(vs[1]!));
  });

  t.test('internal requests reuse the user client middleware (they are seen by it) and never recurse', async (t) => {
    const { client: c4 } = fx.makeClient({});
    const seen: string[] = [];
    c4.middlewareStack.add((next, context) => async (args) => {
      seen.push(context.commandName ?? '');
      return next(args);
    }, { step: 'build', name: 'spy', priority: 'low' });
    await c4.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'spy/v0.zip', Body: vs[0] }));
    t.ok(seen.includes('HeadObjectCommand'), 'the reference HEAD went through the user stack');
    t.ok(seen.filter((c) => c === 'PutObjectCommand').length >= 2, 'reference and delta PUTs went through the user stack');
  });
});

t.test('usage errors and backend errors reach the caller as they are', async (t) => {
  const fx = await startPluginFixture();
  t.teardown(() => fx.close());
  const bad = await fx.client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'a/b.zip', Body: 42 as never })).catch((e) => e);
  t.type(bad, TypeError);
  t.match(bad.message, /unsupported Body type/);
  const { client: denied } = fx.makeClient({}, { credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } });
  const err = await denied.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'a/b.zip', Body: 'x' })).catch((e) => e);
  t.equal(err.$metadata.httpStatusCode, 403, `the backend's own 403 (${err.name})`);
});

t.test('profile options are validated when the plugin is created', async (t) => {
  t.equal(resolveDeltaGliderPluginConfig({}).profile, 'compatible');
  t.equal(resolveDeltaGliderPluginConfig({ profile: 'compact' }).profile, 'compact');
  t.throws(() => resolveDeltaGliderPluginConfig({ profile: 'zip' as 'compact' }), /option profile must be one of compatible, compact/);
  t.throws(() => resolveDeltaGliderPluginConfig({ compressionLevel: 12 }), /option compressionLevel must be a brotli quality 0..11/);
  t.throws(() => resolveDeltaGliderPluginConfig({ gzipAware: 1 as unknown as boolean }), /option gzipAware must be a boolean/);
});
