/**
 * Eligibility by content: every object above a floor is a delta candidate whatever its
 * name; compressed uploads never seed a deltaspace and skip the encode when a sampled
 * probe says they cannot win; the reason is recorded and answered on request. Real
 * engine, real codec, real zlib output, and the reverse proxy over real HTTP.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { body, fsEngine, readAll } from '../helpers/engines.js';
import { randomBytesSeeded, versions } from '../helpers/data.js';
import { DEFAULT_MIN_DELTA_SIZE, globMatcher, resolveEligibility } from '../../src/core/format/eligibility.js';
import { detectContent, entropyBits, sampledSimilarity } from '../../src/core/engine/content-probe.js';
import { createReverseProxy } from '../../src/reverse-proxy/server.js';
import { writeTemp } from '../helpers/data.js';

/** Text that looks like a config dump: low entropy, no magic. */
function text(size: number, seed: number): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'config', 'value', 'enabled', 'true', 'false', 'path'];
  let x = seed;
  const parts: string[] = [];
  let n = 0;
  while (n < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = `"${words[x % words.length]}_${x % 1000}": ${x % 7},\n`;
    parts.push(w);
    n += w.length;
  }
  return Buffer.from(parts.join('').slice(0, size));
}

/** A minimal zip with one deflated member (the local header is what detection reads). */
function zipOf(content: Buffer): Buffer {
  const data = deflateRawSync(content);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(8, 8); // deflate
  header.writeUInt32LE(data.length, 18);
  header.writeUInt32LE(content.length, 22);
  header.writeUInt16LE(1, 26);
  return Buffer.concat([header, Buffer.from('a'), data]);
}

t.test('the rule from bucket, key and size', async (t) => {
  const rule = resolveEligibility();
  t.same(rule('b', 'bin/esbuild', DEFAULT_MIN_DELTA_SIZE), { eligible: true, forced: false }, 'no extension, at the floor: a candidate');
  t.match(rule('b', 'bin/esbuild', 100), { eligible: false, reason: /100 bytes, under the 65536-byte floor/ });
  t.same(rule('b', 'a/tiny.zip', 10), { eligible: true, forced: false }, 'the format\'s extensions stay candidates at any size');
  const globs = resolveEligibility({ eligibleInclude: ['b/fw/**', '*.img'], eligibleExclude: ['*.log', 'b/tmp/**'] });
  t.match(globs('b', 'x/app.log', 1e6), { eligible: false, reason: 'not eligible: excluded by "*.log"' });
  t.match(globs('b', 'tmp/a/b.tar', 1e6), { eligible: false, reason: /excluded by "b\/tmp\/\*\*"/ });
  t.same(globs('b', 'fw/x/y.bin', 5), { eligible: true, forced: true }, 'an include glob forces the encode whatever the size');
  t.same(globs('other', 'fw/x/y.bin', 5).eligible, false, 'bucket-qualified globs are per bucket');
  t.same(globs('b', 'IMG/DISK.IMG', 5), { eligible: true, forced: true }, 'case-insensitive, on the file name');
  const explicit = resolveEligibility({ eligibleExtensions: ['.bin'] });
  t.equal(explicit('b', 'a/x.bin', 1).eligible, true, 'an explicit extension list keeps its old meaning: any size');
  t.match(explicit('b', 'a/x.tar', 1e9), { eligible: false, reason: /not in the eligible extensions/ });
  t.equal(resolveEligibility({ eligible: (k) => k.startsWith('yes/') })('b', 'yes/a', 1).eligible, true, 'so does a predicate');
  t.ok(globMatcher('a/**/x.bin')('a', 'x.bin'), '**/ also matches no folder');
  t.throws(() => resolveEligibility({ minDeltaSize: -1 }), /minDeltaSize/);
  t.throws(() => resolveEligibility({ eligibleExclude: 'x' as never }), /eligibleExclude must be an array/);
});

t.test('content detection and the similarity probe', async (t) => {
  const random = randomBytes(300_000);
  const plain = text(300_000, 1);
  const { dir, paths } = writeTemp({ random, plain, gz: gzipSync(plain), zip: zipOf(plain), stored: Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 0, 0]), plain]), similar: Buffer.concat([random.subarray(0, 200_000), randomBytes(100_000)]) });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const kind = async (name: string, size: number) => (await detectContent(paths[name]!, size)).compressed;
  t.equal(await kind('gz', gzipSync(plain).length), 'gzip');
  t.equal(await kind('zip', zipOf(plain).length), 'zip');
  t.equal(await kind('stored', plain.length + 10), undefined, 'a zip whose first member is stored deltas well: not compressed');
  t.equal(await kind('random', random.length), 'high-entropy');
  t.equal(await kind('plain', plain.length), undefined);
  t.ok(entropyBits(random) > 7.9 && entropyBits(plain) < 6, 'entropy tells random bytes from text');
  const ref = { path: paths.random!, sha256: 'random' };
  t.equal(await sampledSimilarity(ref, paths.random!, random.length), 1, 'identical content');
  const half = (await sampledSimilarity(ref, paths.similar!, 300_000))!;
  t.ok(half > 0.5 && half < 0.8, `two thirds shared: ${half}`);
  t.ok((await sampledSimilarity(ref, paths.plain!, plain.length))! < 0.01, 'unrelated content');
});

t.test('the engine on defaults', async (t) => {
  const fx = await fsEngine();
  t.teardown(() => fx.close());
  const { engine, store } = fx;
  await engine.createBucket('bkt');
  const put = (key: string, buf: Buffer) => engine.putObject({ bucket: 'bkt', key, body: body(buf) });

  const v = versions(300_000, 2, 9);
  t.equal((await put('tools/esbuild-1', v[0]!)).storageType, 'reference', 'a file without an extension seeds its deltaspace');
  t.equal((await put('tools/esbuild-2', v[1]!)).storageType, 'delta', 'and the next version is a delta');

  const small = await put('tools/notes', Buffer.from('tiny'));
  t.equal(small.storageType, 'passthrough');
  t.match(small.reason, /under the 65536-byte floor/);

  const notes = text(200_000, 5);
  const gz = gzipSync(notes);
  const first = await put('pkgs/app-1.tgz', gz);
  t.equal(first.storageType, 'passthrough', 'a compressed first upload does not seed the deltaspace');
  t.equal(first.reason, 'compressed content (gzip): no baseline');
  t.notOk(await store.headObject('bkt', 'pkgs/reference.bin'), 'no reference was written');
  t.equal((await put('pkgs/app-1.tar', notes)).storageType, 'reference', 'the first plain upload seeds it');
  const unrelated = await put('pkgs/app-2.tgz', gzipSync(text(200_000, 6)));
  t.equal(unrelated.storageType, 'passthrough');
  t.match(unrelated.reason, /^compressed content \(gzip\): \d+% like the baseline$/, 'stored whole without an encode');
  t.equal(unrelated.encodeMs, undefined, 'the codec never ran');
  const head = await engine.headObject({ bucket: 'bkt', key: 'pkgs/app-2.tgz' });
  t.equal(head.reason, unrelated.reason, 'HEAD reads the reason back');
  t.equal((await readAll((await engine.getObject({ bucket: 'bkt', key: 'pkgs/app-1.tgz' })).body)).equals(gz), true);

  const noise = await put('tools/random.bin', randomBytes(300_000));
  t.equal(noise.storageType, 'passthrough');
  t.match(noise.reason, /^compressed content \(high-entropy\): 0% like the baseline$/);
  const same = await put('tools/esbuild-copy', v[0]!);
  t.equal(same.storageType, 'delta', 'high-entropy content like the baseline is still encoded');
  const far = await put('tools/other', randomBytesSeeded(300_000, 1234));
  t.equal(far.storageType, 'passthrough');
  t.match(far.reason, /^delta too large: /, 'plain content is encoded, and the ratio says why it was not kept');
});

t.test('include forces the encode; exclude stores as uploaded', async (t) => {
  const fx = await fsEngine({ eligibleInclude: ['*.tgz'], eligibleExclude: ['*.log'] });
  t.teardown(() => fx.close());
  await fx.engine.createBucket('bkt');
  const gz = gzipSync(text(100_000, 1));
  t.equal((await fx.engine.putObject({ bucket: 'bkt', key: 'p/a.tgz', body: body(gz) })).storageType, 'reference', 'an included compressed upload seeds');
  const log = await fx.engine.putObject({ bucket: 'bkt', key: 'p/x.log', body: body(text(100_000, 2)) });
  t.equal(log.reason, 'not eligible: excluded by "*.log"');
});

t.test('x-deltaglider-reason through the reverse proxy, when asked', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-elig-'));
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', dataDir, logLevel: 'silent', tempDir: join(dataDir, '.t') } });
  t.teardown(async () => {
    await proxy.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const { url } = await proxy.listen();
  t.equal((await fetch(`${url}/bkt`, { method: 'PUT' })).status, 200);
  const put = await fetch(`${url}/bkt/a/small.txt`, { method: 'PUT', body: 'hello', headers: { 'x-deltaglider-explain': '1' } });
  t.equal(put.status, 200);
  t.equal(put.headers.get('x-amz-storage-type'), 'passthrough');
  t.equal(put.headers.get('x-deltaglider-reason'), 'not eligible: 5 bytes, under the 65536-byte floor', 'PUT answers the reason when asked');
  const plainHead = await fetch(`${url}/bkt/a/small.txt`, { method: 'HEAD' });
  t.equal(plainHead.headers.get('x-deltaglider-reason'), null, 'not sent unless asked');
  const head = await fetch(`${url}/bkt/a/small.txt`, { method: 'HEAD', headers: { 'x-deltaglider-explain': '1' } });
  t.equal(head.headers.get('x-deltaglider-reason'), 'not eligible: 5 bytes, under the 65536-byte floor');
});

t.test('compact profile: a compressed first object gives way to the first plain upload', async (t) => {
  const fx = await fsEngine({ profile: 'compact' });
  t.teardown(() => fx.close());
  const { engine, store } = fx;
  await engine.createBucket('bkt');
  const plain = versions(300_000, 3, 21);
  const zip = zipOf(plain[0]!);
  t.equal((await engine.putObject({ bucket: 'bkt', key: 'a/app.zip', body: body(zip) })).storageType, 'reference', 'the zip seeds generation 1 (zips of one release series delta against each other)');
  const next = await engine.putObject({ bucket: 'bkt', key: 'a/app-1.bin', body: body(plain[1]!) });
  t.equal(next.storageType, 'reference', 'the first plain upload becomes generation 2');
  t.ok(await store.headObject('bkt', 'a/reference.000002.delta.delta'));
  t.equal((await engine.putObject({ bucket: 'bkt', key: 'a/app-2.bin', body: body(plain[2]!) })).storageType, 'delta');
  t.equal((await engine.headObject({ bucket: 'bkt', key: 'a/app-2.bin' })).referenceKey, 'a/reference.000002.delta.delta');
  t.ok((await readAll((await engine.getObject({ bucket: 'bkt', key: 'a/app.zip' })).body)).equals(zip), 'the zip still reads against generation 1');
});
