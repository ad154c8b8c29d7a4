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
  const keys = ['/../../x', '//../x', '../x', 'a/../../b', 'deep/a/b/c/d.txt'];
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
