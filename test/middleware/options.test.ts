/** deltaGliderMiddleware options: every engine option reachable, checked by the engine's rules when the middleware is made. */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_OPTION_NAMES } from '../../src/core/engine/options.js';
import { DeltaGliderEngine, FileSystemStore, createCodec } from '../../src/index.js';
import { deltaGliderMiddleware } from '../../src/middleware/index.js';

const backend = () => new FileSystemStore(mkdtempSync(join(tmpdir(), 'dg-mw-options-')));

t.test('an unknown option is refused, naming every engine option but the store among the known ones', async (t) => {
  const err = t.throws(() => deltaGliderMiddleware({ backend: backend(), lifecycle: false, maxDeltaRation: 0.3 } as never)) as Error;
  t.match(err.message, /^deltaGliderMiddleware: unknown option maxDeltaRation \(known: /);
  const known = err.message.slice(err.message.indexOf('(known: ') + 8, -1).split(', ');
  for (const name of ENGINE_OPTION_NAMES.filter((n) => n !== 'store')) t.ok(known.includes(name), `${name} is known`);
  t.notOk(known.includes('store'), 'store is given as backend');
  t.ok(known.includes('backend'));
});

t.test('engine options reach the engine: the limits the plugin and proxy also take', async (t) => {
  const mw = deltaGliderMiddleware({ backend: backend(), lifecycle: false, maxObjectSize: 2_000_000, minPartSize: 1_048_576, codecConcurrency: 3, reconstructionCacheBytes: 4096, baselineRotationRatio: 0.8 });
  t.equal(mw.engine.options.maxObjectSize, 2_000_000);
  t.equal(mw.engine.options.minPartSize, 1_048_576);
  t.equal(mw.engine.options.codecConcurrency, 3);
  t.equal(mw.engine.options.reconstructionCacheBytes, 4096);
  t.equal(mw.engine.options.baselineRotationRatio, 0.8);
});

t.test("a bad engine option fails when the middleware is made, with the engine's message", async (t) => {
  t.throws(() => deltaGliderMiddleware({ backend: backend(), lifecycle: false, maxDeltaRatio: 2 }), { name: 'RangeError', message: 'deltaglider: option maxDeltaRatio must be in (0, 1], got 2' });
  t.throws(() => deltaGliderMiddleware({ backend: backend(), lifecycle: false, minPartSize: -1 }), /option minPartSize must be a non-negative integer/);
});

t.test('with a ready engine, engine options are refused rather than silently ignored', async (t) => {
  const store = backend();
  const engine = new DeltaGliderEngine({ store, codec: createCodec() });
  t.throws(() => deltaGliderMiddleware({ engine, lifecycle: false, maxDeltaRatio: 0.3, backend: store }), {
    message: 'deltaGliderMiddleware: options maxDeltaRatio, backend cannot be given with engine (set them on the engine)',
  });
  const mw = deltaGliderMiddleware({ engine, lifecycle: false, passUnhandled: false });
  t.equal(mw.engine, engine);
});
