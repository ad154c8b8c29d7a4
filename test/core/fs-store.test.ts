/**
 * FileSystemStore under concurrent writers and deleters of keys whose parent
 * directories are pruned while others write into them.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { fsEngine, body, readAll } from '../helpers/engines.js';

t.test('concurrent PUT and DELETE of keys sharing pruned directories never fail', async (t) => {
  const fx = await fsEngine();
  t.teardown(() => fx.close());
  await fx.engine.createBucket('race');
  const keys = ['/up/up/x', '//up/x', 'up/x', 'a/up/up/b', 'deep/a/b/c/d.txt'];
  const errors: string[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 120; i++) {
        const key = keys[(i + w) % keys.length] as string;
        try {
          if ((i + w) % 3 === 0) await fx.engine.deleteObject({ bucket: 'race', key });
          else await fx.engine.putObject({ bucket: 'race', key, body: body(`${key}:${i}`) });
        } catch (err) {
          errors.push(`${(err as Error).name}: ${(err as Error).message}`);
        }
      }
    }),
  );
  t.same([...new Set(errors)], [], 'no request failed');
  for (const key of keys) {
    await fx.engine.putObject({ bucket: 'race', key, body: body(`final ${key}`) });
    t.equal((await readAll((await fx.engine.getObject({ bucket: 'race', key })).body)).toString(), `final ${key}`, `${key} reads back`);
  }
  const staging = readdirSync((fx.store as unknown as { description: string }).description.replace(/^filesystem /, '') + '/.tmp');
  t.same(staging, [], 'no staged file left behind');
});

t.test('keys with . and .. segments cannot address a path outside the data directory', async (t) => {
  const fx = await fsEngine();
  t.teardown(() => fx.close());
  const store = fx.store;
  const root = store.description.replace(/^filesystem /, '');
  await store.createBucket('esc');
  const { mkdtempSync, writeFileSync, readdirSync: ls, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, dirname, relative } = await import('node:path');
  const src = join(mkdtempSync(join(tmpdir(), 'dg-esc-')), 'body');
  writeFileSync(src, 'x');
  // The engine refuses these keys; the store must be safe even when given them.
  const keys = ['../../escaped-1', 'a/../../../escaped-2', '..', '.', './x', '../reference.bin'];
  for (const key of keys) {
    await store.putObject('esc', key, { path: src, size: 1 }, { metadata: {} });
    t.ok(await store.headObject('esc', key), `${key} stored and found again`);
  }
  const walk = (dir: string): string[] => ls(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const files = walk(root).map((f) => relative(root, f));
  t.same(files.filter((f) => f.split('/').some((s) => s === '..' || s === '.')), [], 'no . or .. on disk');
  t.notOk(existsSync(join(dirname(root), 'escaped-1')) || existsSync(join(root, '..', '..', 'escaped-1')), 'nothing written above the data directory');
  for (const key of keys) {
    await t.rejects(fx.engine.putObject({ bucket: 'esc', key, body: body('y') }), { code: 'InvalidKey' }, `the engine refuses ${key}`);
  }
  await t.rejects(fx.engine.getObject({ bucket: 'esc', key: '../../escaped-1' }), { code: 'NoSuchKey' }, 'reading such a key is a 404');
});
