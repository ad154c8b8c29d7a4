/**
 * The fsync setting: every surface accepts `always` and `never`, defaults to `always`, and
 * refuses anything else when it is built, naming the option and what is allowed.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createCodec, DeltaGliderEngine, FileSystemStore, TempDir, spoolToFile } from '../../src/index.js';
import { loadConfig } from '../../src/reverse-proxy/config.js';
import { resolveDeltaGliderPluginConfig } from '../../src/sdk-plugin/config.js';

const dir = mkdtempSync(join(tmpdir(), 'dg-fsync-opt-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('the store, the engine, the SDK plugin and the proxy default to always', async (t) => {
  const store = new FileSystemStore(dir);
  t.equal(store.fsync, 'always');
  const engine = new DeltaGliderEngine({ store, codec: createCodec(), tempDir: join(dir, 'tmp') });
  t.teardown(() => engine.close());
  t.equal(engine.options.fsync, 'always');
  t.equal(resolveDeltaGliderPluginConfig({}).fsync, 'always');
  t.equal(loadConfig({}).fsync, 'always');
});

t.test('never is accepted everywhere', async (t) => {
  t.equal(new FileSystemStore(dir, { fsync: 'never' }).fsync, 'never');
  t.equal(resolveDeltaGliderPluginConfig({ fsync: 'never' }).fsync, 'never');
  t.equal(loadConfig({ DGP_FSYNC: 'never' }).fsync, 'never');
});

t.test('anything else is refused at construction with the allowed values', async (t) => {
  t.throws(() => new FileSystemStore(dir, { fsync: 'sometimes' as never }), { message: /FileSystemStore: option fsync must be one of always, never, got "sometimes"/ });
  t.throws(() => new DeltaGliderEngine({ store: new FileSystemStore(dir), codec: createCodec(), fsync: true as never }), { message: /option fsync must be one of always, never, got true/ });
  t.throws(() => resolveDeltaGliderPluginConfig({ fsync: 'yes' as never }), { message: /option fsync must be one of always, never, got "yes"/ });
  t.throws(() => loadConfig({ DGP_FSYNC: 'off' }), { message: /invalid DGP_FSYNC="off": expected always or never/ });
});

t.test('a flushed spool holds the same bytes and digests as an unflushed one', async (t) => {
  const temp = new TempDir(join(dir, 'spools'));
  t.teardown(() => temp.dispose());
  const body = Buffer.from('durable bytes '.repeat(10_000));
  const flushed = await spoolToFile(Readable.from([body.subarray(0, 1000), body.subarray(1000)]), temp, { flush: true });
  const plain = await spoolToFile(Readable.from([body]), temp);
  t.same(readFileSync(flushed.path), body, 'the flushed file holds the body');
  t.same({ size: flushed.size, sha256: flushed.sha256, md5: flushed.md5 }, { size: plain.size, sha256: plain.sha256, md5: plain.md5 });
  await t.rejects(spoolToFile(Readable.from([body]), temp, { flush: true, expectedSize: 5 }), { code: 'IncompleteBody' }, 'a short body still fails, flushed or not');
});
