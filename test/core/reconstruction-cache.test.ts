/**
 * Warm delta GETs reuse a verified reconstruction instead of decoding again;
 * concurrent GETs of one object decode it once; a new version is never served
 * from the old one's cache entry.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { fsEngine, body, readAll } from '../helpers/engines.js';
import { versions } from '../helpers/data.js';
import { createCodec, type DeltaCodec } from '../../src/index.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The real codec, counting its decodes. */
function counting(): { codec: DeltaCodec; decodes: () => number } {
  const real = createCodec();
  let n = 0;
  return {
    decodes: () => n,
    codec: {
      name: real.name,
      encode: (...a) => real.encode(...a),
      decode: (...a) => {
        n++;
        return real.decode(...a);
      },
    },
  };
}

t.test('warm GETs stream the verified reconstruction without decoding again', async (t) => {
  const { codec, decodes } = counting();
  const fx = await fsEngine({});
  t.teardown(() => fx.close());
  const { DeltaGliderEngine } = await import('../../src/index.js');
  const engine = new DeltaGliderEngine({ store: fx.store, codec });
  t.teardown(() => engine.close());
  await engine.createBucket('rcache');
  const vs = versions(300_000, 3, 8);
  await engine.putObject({ bucket: 'rcache', key: 'r/v0.zip', body: body(vs[0]!) });
  await engine.putObject({ bucket: 'rcache', key: 'r/v1.zip', body: body(vs[1]!) });

  t.equal(sha(await readAll((await engine.getObject({ bucket: 'rcache', key: 'r/v1.zip' })).body)), sha(vs[1]!));
  t.equal(decodes(), 1, 'the first GET decodes');
  t.equal(sha(await readAll((await engine.getObject({ bucket: 'rcache', key: 'r/v1.zip' })).body)), sha(vs[1]!));
  const ranged = await engine.getObject({ bucket: 'rcache', key: 'r/v1.zip', range: 'bytes=100-199' });
  t.same(await readAll(ranged.body), vs[1]!.subarray(100, 200));
  t.equal(decodes(), 1, 'warm GETs (whole and ranged) do not decode again');

  const all = await Promise.all(Array.from({ length: 6 }, () => engine.getObject({ bucket: 'rcache', key: 'r/v0.zip' }).then((g) => readAll(g.body))));
  t.ok(all.every((b) => sha(b) === sha(vs[0]!)), 'six concurrent GETs read the right bytes');
  t.equal(decodes(), 2, 'and decode once between them');

  await engine.putObject({ bucket: 'rcache', key: 'r/v1.zip', body: body(vs[2]!) });
  t.equal(sha(await readAll((await engine.getObject({ bucket: 'rcache', key: 'r/v1.zip' })).body)), sha(vs[2]!), 'an overwritten key is rebuilt, not served from the old entry');
  t.equal(decodes(), 3);
});
