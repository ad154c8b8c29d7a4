/**
 * A GET racing an overwrite serves the old or the new object, whole. The races are made
 * deterministic: the real store (filesystem or s3rver) is wrapped so that an overwrite
 * lands at an exact point of the read (after the engine's HEAD, after its GET), and the
 * torn state a backend that writes in place shows (new bytes under old metadata, data
 * without metadata) is written to the real store exactly as s3rver leaves it mid-write.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeltaGliderEngine,
  FileSystemStore,
  S3Store,
  createCodec,
  type ByteRange,
  type ListOptions,
  type ObjectStore,
  type PutOptions,
  type PutSource,
} from '../../src/index.js';
import { body, readAll } from '../helpers/engines.js';
import { versions } from '../helpers/data.js';
import { startS3rver, TEST_CREDENTIALS } from '../helpers/s3rver.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const BUCKET = 'race';

type Hook = () => Promise<void>;

/** The real store, with a hook that runs once right after the next HEAD or GET of a key. */
class InterleavingStore implements ObjectStore {
  readonly afterHead = new Map<string, Hook>();
  readonly afterGet = new Map<string, Hook>();
  constructor(readonly inner: ObjectStore) {}
  get description() {
    return this.inner.description;
  }
  async #after(hooks: Map<string, Hook>, key: string): Promise<void> {
    const hook = hooks.get(key);
    hooks.delete(key);
    await hook?.();
  }
  /** Keys whose next HEAD shows the object as s3rver does mid-write: its file still empty, no metadata yet, under the new ETag. */
  readonly emptyOnce = new Set<string>();
  async headObject(bucket: string, key: string) {
    const r = await this.inner.headObject(bucket, key);
    await this.#after(this.afterHead, key);
    if (r && this.emptyOnce.delete(key)) return { ...r, size: 0, metadata: {} };
    return r;
  }
  async getObject(bucket: string, key: string, range?: ByteRange) {
    const r = await this.inner.getObject(bucket, key, range);
    await this.#after(this.afterGet, key);
    return r;
  }
  putObject(bucket: string, key: string, source: PutSource, options: PutOptions) {
    return this.inner.putObject(bucket, key, source, options);
  }
  deleteObject(bucket: string, key: string) {
    return this.inner.deleteObject(bucket, key);
  }
  deleteObjects(bucket: string, keys: string[]) {
    return this.inner.deleteObjects(bucket, keys);
  }
  listObjects(bucket: string, options: ListOptions) {
    return this.inner.listObjects(bucket, options);
  }
  createBucket(bucket: string) {
    return this.inner.createBucket(bucket);
  }
  headBucket(bucket: string) {
    return this.inner.headBucket(bucket);
  }
  deleteBucket(bucket: string) {
    return this.inner.deleteBucket(bucket);
  }
  listBuckets() {
    return this.inner.listBuckets();
  }
  ping() {
    return this.inner.ping();
  }
}

async function filesystem(): Promise<{ name: string; store: ObjectStore; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-race-'));
  return { name: 'filesystem', store: new FileSystemStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
}

async function s3rver(): Promise<{ name: string; store: ObjectStore; close(): Promise<void> }> {
  const s3 = await startS3rver();
  const store = new S3Store({ endpoint: s3.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
  return {
    name: 's3rver',
    store,
    async close() {
      store.client.destroy();
      await s3.close();
    },
  };
}

for (const make of [filesystem, s3rver]) {
  t.test(`reads racing overwrites on ${make.name}`, async (t) => {
    const backend = await make();
    const store = new InterleavingStore(backend.store);
    // `.bin` objects stay passthrough whatever their size: the cases tamper with their backend object.
    const engine = new DeltaGliderEngine({ store, codec: createCodec(), eligibleExclude: ['*.bin'] });
    const scratch = await mkdtemp(join(tmpdir(), 'dg-race-src-'));
    t.teardown(async () => {
      await engine.close();
      await backend.close();
      await rm(scratch, { recursive: true, force: true });
    });
    await engine.createBucket(BUCKET);
    const vs = versions(64 * 1024, 4, 91);
    const other = versions(64 * 1024, 2, 92);
    /** Writes raw bytes under a backend key with the given metadata, as a torn write leaves them. */
    const rawPut = async (key: string, bytes: Buffer, metadata: Record<string, string>): Promise<void> => {
      const path = join(scratch, `${Math.random()}`);
      await writeFile(path, bytes);
      await backend.store.putObject(BUCKET, key, { path, size: bytes.length }, { metadata });
    };
    const get = async (key: string) => {
      const got = await engine.getObject({ bucket: BUCKET, key });
      return { info: got.info, bytes: await readAll(got.body) };
    };
    await engine.putObject({ bucket: BUCKET, key: 'd/seed.zip', body: body(vs[0]!) });

    await t.test('a passthrough overwritten between the HEAD and the GET: the new object, with its own headers', async (t) => {
      await engine.putObject({ bucket: BUCKET, key: 'p/k.bin', body: body(other[0]!) });
      store.afterHead.set('p/k.bin', async () => void (await engine.putObject({ bucket: BUCKET, key: 'p/k.bin', body: body(other[1]!) })));
      const got = await get('p/k.bin');
      t.ok(got.bytes.equals(other[1]!), 'the new bytes, whole');
      t.equal(got.info.etag, md5(other[1]!), 'the new ETag: headers and body describe the same object');
      t.equal(got.info.size, other[1]!.length);
    });

    await t.test('a ranged GET overwritten between the HEAD and the GET is resolved again', async (t) => {
      await engine.putObject({ bucket: BUCKET, key: 'p/r.bin', body: body(other[0]!) });
      store.afterHead.set('p/r.bin', async () => void (await engine.putObject({ bucket: BUCKET, key: 'p/r.bin', body: body(other[1]!) })));
      const got = await engine.getObject({ bucket: BUCKET, key: 'p/r.bin', range: 'bytes=100-199' });
      t.ok((await readAll(got.body)).equals(other[1]!.subarray(100, 200)), 'the range of the new object');
    });

    await t.test('a delta overwritten between the HEAD and the GET: the new object, whole', async (t) => {
      await engine.putObject({ bucket: BUCKET, key: 'd/k.zip', body: body(vs[1]!) });
      store.afterHead.set('d/k.zip.delta', async () => void (await engine.putObject({ bucket: BUCKET, key: 'd/k.zip', body: body(vs[2]!) })));
      const got = await get('d/k.zip');
      t.ok(got.bytes.equals(vs[2]!), 'the new version, whole');
      t.equal(got.info.etag, md5(vs[2]!));
    });

    await t.test('data published before its metadata (a plain variant without metadata next to a complete delta): the delta', async (t) => {
      await engine.putObject({ bucket: BUCKET, key: 'd/s.zip', body: body(vs[1]!) });
      // s3rver mid-write of the new passthrough variant: data (here a part of it), no metadata yet.
      await rawPut('d/s.zip', other[0]!.subarray(0, 1000), {});
      const got = await get('d/s.zip');
      t.ok(got.bytes.equals(vs[1]!), 'the complete old version');
      const head = await engine.headObject({ bucket: BUCKET, key: 'd/s.zip' });
      t.equal(head.size, vs[1]!.length, 'HEAD describes the complete variant too');
      t.equal(head.storageType, 'delta');
    });

    await t.test('new bytes under the old metadata (an in-place rewrite caught mid-way): retried, the new object whole', async (t) => {
      await engine.putObject({ bucket: BUCKET, key: 'p/t.bin', body: body(other[0]!) });
      const old = (await backend.store.headObject(BUCKET, 'p/t.bin'))!;
      // After the engine's HEAD the bytes change under the old metadata; after its GET the
      // metadata catches up, as s3rver's object file, then .md5, then metadata.json.
      store.afterHead.set('p/t.bin', () => rawPut('p/t.bin', other[1]!, old.metadata));
      store.afterGet.set('p/t.bin', async () => void (await engine.putObject({ bucket: BUCKET, key: 'p/t.bin', body: body(other[1]!) })));
      const got = await get('p/t.bin');
      t.ok(got.bytes.equals(other[1]!), 'the new bytes, whole');
      t.equal(got.info.etag, md5(other[1]!), 'with the new ETag');
    });

    await t.test('an empty file under the ETag of the bytes to come (caught mid-write): retried, the object whole', async (t) => {
      await engine.putObject({ bucket: BUCKET, key: 'p/e.bin', body: body(other[0]!) });
      store.emptyOnce.add('p/e.bin');
      const got = await get('p/e.bin');
      t.ok(got.bytes.equals(other[0]!), 'the whole object, not an empty body');
      t.equal(got.info.size, other[0]!.length);
    });

    await t.test('bytes damaged under unchanged metadata: a clean IntegrityError before the first byte', async (t) => {
      await engine.putObject({ bucket: BUCKET, key: 'p/bad.bin', body: body(other[0]!) });
      const old = (await backend.store.headObject(BUCKET, 'p/bad.bin'))!;
      const damaged = Buffer.from(other[0]!);
      damaged[500] = (damaged[500] as number) ^ 1;
      await rawPut('p/bad.bin', damaged, old.metadata);
      await t.rejects(engine.getObject({ bucket: BUCKET, key: 'p/bad.bin' }), { code: 'IntegrityError', message: /failed verification/ }, 'the GET itself fails: no body is ever started');
    });

    await t.test('a plain object without any DeltaGlider metadata and no other variant is served as-is', async (t) => {
      await rawPut('p/foreign.bin', other[0]!, {});
      const got = await get('p/foreign.bin');
      t.ok(got.bytes.equals(other[0]!), 'served as stored (FORMAT.md)');
    });
  });
}
