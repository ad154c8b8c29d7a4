/**
 * Objects laid out and tagged the way the existing DeltaGlider tools write them
 * (FORMAT.md): the Python CLI (bare snake_case metadata, `xdelta3 -e -9 -s`, no -D)
 * and the Rust proxy (dg- prefixed fields), read back byte-exact, or refused with
 * an integrity error, never wrong bytes.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENGINE_FIXTURES, readAll } from '../helpers/engines.js';
import { versions, writeTemp } from '../helpers/data.js';
import { findXdelta3Sync } from '../../src/index.js';
import { typescriptCodecCommand } from '../../src/core/codec/vcdiff/index.js';
import { DEFAULT_CODEC_LEVEL } from '../../src/core/codec/codec-level.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const xdelta3 = findXdelta3Sync();

for (const make of ENGINE_FIXTURES) {
  t.test(`interop on ${make.name}`, { skip: xdelta3 ? false : 'needs xdelta3 to make the fixtures the other tools would make' }, async (t) => {
    const fx = await make();
    t.teardown(() => fx.close());
    const { engine, store } = fx;
    await engine.createBucket('interop');
    const [v1, v2] = versions(300_000, 2, 21) as [Buffer, Buffer];
    const { dir, paths } = writeTemp({ ref: v1, target: v2 });
    const put = async (key: string, path: string, metadata: Record<string, string>) =>
      store.putObject('interop', key, { path, size: statSync(path).size }, { metadata });

    t.test('a Python-CLI-style delta (bare snake_case fields, -9, LZMA) reads back byte-exact', async (t) => {
      execFileSync(xdelta3!, ['-e', '-9', '-f', '-s', paths.ref!, paths.target!, join(dir, 'py.delta')]);
      await put('py/reference.bin', paths.ref!, { file_sha256: sha(v1), source_name: 'v1.zip', tool: 'deltaglider/5.0.0', note: 'reference' });
      await put('py/v2.zip.delta', join(dir, 'py.delta'), {
        tool: 'deltaglider/5.0.0',
        original_name: 'v2.zip',
        file_sha256: sha(v2),
        file_size: String(v2.length),
        created_at: '2025-01-01T00:00:00Z',
        ref_key: 'py/reference.bin',
        ref_sha256: sha(v1),
        delta_size: String(statSync(join(dir, 'py.delta')).size),
        delta_cmd: 'xdelta3 -e -9 -s reference.bin v2.zip v2.zip.delta',
        note: 'delta',
      });
      const got = await engine.getObject({ bucket: 'interop', key: 'py/v2.zip' });
      t.equal(sha(await readAll(got.body)), sha(v2));
      t.equal(got.info.size, v2.length);
      t.equal(got.info.etag, (await engine.headObject({ bucket: 'interop', key: 'py/v2.zip' })).etag);
      t.equal(got.info.storageType, 'delta');
      const list = await engine.listObjects({ bucket: 'interop', prefix: 'py/' });
      t.same(list.objects.map((o) => [o.key, o.size]), [['py/v2.zip', v2.length]], 'listed with its original size, reference hidden');
    });

    t.test('a Rust-proxy-style delta (dg- fields, -D) reads back byte-exact, ETag from dg-md5', async (t) => {
      execFileSync(xdelta3!, ['-e', '-D', '-3', '-f', '-s', paths.ref!, paths.target!, join(dir, 'rs.delta')]);
      await put('rs/reference.bin', paths.ref!, { 'dg-file-sha256': sha(v1), 'dg-note': 'reference' });
      await put('rs/v2.zip.delta', join(dir, 'rs.delta'), {
        'dg-original-name': 'v2.zip',
        'dg-file-sha256': sha(v2),
        'dg-file-size': String(v2.length),
        'dg-md5': md5(v2),
        'dg-ref-path': 'reference.bin',
        'dg-ref-sha256': sha(v1),
        'dg-note': 'delta',
        'user-team': 'release',
      });
      const got = await engine.getObject({ bucket: 'interop', key: 'rs/v2.zip' });
      t.equal(sha(await readAll(got.body)), sha(v2));
      t.equal(got.info.etag, md5(v2));
      t.same(got.info.userMetadata, { team: 'release' });
    });

    t.test('a plain object with no DeltaGlider metadata is served as-is, never a 404', async (t) => {
      await put('plain/readme.txt', paths.ref!, {});
      const got = await engine.getObject({ bucket: 'interop', key: 'plain/readme.txt' });
      t.equal(sha(await readAll(got.body)), sha(v1));
      t.equal(got.info.storageType, 'passthrough');
      t.match(got.info.etag, /^[0-9a-f]{32}$/, 'ETag falls back to the backend ETag');
    });

    t.test('a Python-style delta of a .tar.gz pair made without -D is byte-exact or an integrity error', async (t) => {
      const a = gzipSync(v1, { level: 6 });
      const b = gzipSync(v2, { level: 6 });
      const gz = writeTemp({ 'a.tar.gz': a, 'b.tar.gz': b });
      execFileSync(xdelta3!, ['-e', '-9', '-f', '-s', gz.paths['a.tar.gz']!, gz.paths['b.tar.gz']!, join(gz.dir, 'gz.delta')]);
      await put('gz/reference.bin', gz.paths['a.tar.gz']!, { file_sha256: sha(a) });
      await put('gz/b.tar.gz.delta', join(gz.dir, 'gz.delta'), { file_sha256: sha(b), file_size: String(b.length), ref_key: 'gz/reference.bin', ref_sha256: sha(a), note: 'delta' });
      try {
        const got = await engine.getObject({ bucket: 'interop', key: 'gz/b.tar.gz' });
        t.equal(sha(await readAll(got.body)), sha(b), 'when served, the bytes are exactly the original');
      } catch (err) {
        t.equal((err as { code?: string }).code, 'IntegrityError', 'otherwise an integrity error, never wrong bytes');
      }
    });

    t.test('objects we write carry every FORMAT.md field and decode with plain xdelta3 -d', async (t) => {
      const { Readable } = await import('node:stream');
      await engine.putObject({ bucket: 'interop', key: 'ours/v1.zip', body: Readable.from([v1]) });
      await engine.putObject({ bucket: 'interop', key: 'ours/v2.zip', body: Readable.from([v2]), contentType: 'application/zip' });
      const ref = await readAll((await store.getObject('interop', 'ours/reference.bin')).body);
      const delta = await readAll((await store.getObject('interop', 'ours/v2.zip.delta')).body);
      const w = writeTemp({ ref, delta });
      execFileSync(xdelta3!, ['-d', '-f', '-s', w.paths.ref!, w.paths.delta!, join(w.dir, 'out')]);
      t.equal(sha(readFileSync(join(w.dir, 'out'))), sha(v2));
      const meta = (await store.headObject('interop', 'ours/v2.zip.delta'))!.metadata;
      // The default codec (auto = TypeScript) records itself, not a fixed xdelta3 string.
      t.equal(engine.options.codec.name, 'typescript', 'auto is the TypeScript codec');
      t.equal(meta['dg-delta-cmd'], typescriptCodecCommand(DEFAULT_CODEC_LEVEL), 'dg-delta-cmd names what actually ran');
    });
    writeFileSync(join(dir, 'done'), '');
  });
}
