import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReferenceViewCache } from '../../../../src/core/codec/vcdiff/reference-view-cache.js';
import { randomBytes, rng, tempDir } from './helpers.js';

t.test('the last reference stays loaded and indexed between encodes', async (t) => {
  const dir = tempDir(t);
  const r = rng(3);
  const path = join(dir, 'ref');
  writeFileSync(path, randomBytes(r, 100_000));
  const cache = new ReferenceViewCache(60_000);
  t.teardown(() => cache.clear());
  const a = await cache.get(path);
  const b = await cache.get(path);
  t.equal(a, b, 'the same file gives the same view');
  t.equal(a.size, 100_000);
  writeFileSync(path, randomBytes(r, 100_001));
  const c = await cache.get(path);
  t.not(c, a, 'a rewritten file gives a new view');
  t.equal(c.size, 100_001, 'of the new content');
  const other = join(dir, 'other');
  writeFileSync(other, randomBytes(r, 5000));
  t.equal((await cache.get(other)).size, 5000, 'another path replaces the entry');
});

t.test('an idle cache lets its view go', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'ref');
  writeFileSync(path, randomBytes(rng(4), 10_000));
  const cache = new ReferenceViewCache(30);
  const a = await cache.get(path);
  cache.idle();
  await sleep(120);
  t.not(await cache.get(path), a, 'after the idle time the view is opened anew');
  await cache.clear();
});
