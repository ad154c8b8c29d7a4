/**
 * Multipart semantics clients rely on, at the engine: a repeated Complete, an Abort racing a
 * Complete, a part re-sent while its first upload runs, UploadPartCopy read through the engine.
 * Each runs on the filesystem store and on s3rver.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { DeltaGliderEngine, createCodec, type ObjectStore } from '../../src/index.js';
import { randomBytesSeeded, versions } from '../helpers/data.js';
import { body, ENGINE_FIXTURES, readAll } from '../helpers/engines.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MIB = 1024 * 1024;

/** A store whose putObject waits for `gate` (and then fails when `fail` is set): a Complete that takes as long as the test wants. */
function gatedStore(store: ObjectStore): { store: ObjectStore; gate: () => { open: (fail?: Error) => void; entered: Promise<void> } } {
  let current: { wait: Promise<Error | undefined>; entered: () => void } | undefined;
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === 'putObject' && current) {
        const gate = current;
        return async (...args: unknown[]) => {
          gate.entered();
          const fail = await gate.wait;
          if (fail) throw fail;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store: proxy,
    gate() {
      let open!: (fail?: Error) => void;
      let entered!: () => void;
      const wait = new Promise<Error | undefined>((r) => (open = r));
      const enteredP = new Promise<void>((r) => (entered = r));
      current = { wait, entered };
      return {
        open: (fail) => {
          current = undefined;
          open(fail);
        },
        entered: enteredP,
      };
    },
  };
}

for (const make of ENGINE_FIXTURES) {
  t.test(`multipart on ${make.name}`, async (t) => {
    const fx = await make();
    t.teardown(() => fx.close());
    const gated = gatedStore(fx.store);
    const engine = new DeltaGliderEngine({ store: gated.store, codec: createCodec() });
    t.teardown(() => engine.close());
    await engine.createBucket('mpu');

    t.test('a repeated Complete of a completed upload answers with the same result', async (t) => {
      const data = randomBytesSeeded(1000, 1);
      const { uploadId } = await engine.multipart.create({ bucket: 'mpu', key: 'again.bin' });
      const { etag } = await engine.multipart.uploadPart({ bucket: 'mpu', key: 'again.bin', uploadId, partNumber: 1, body: body(data) });
      const first = await engine.multipart.complete('mpu', 'again.bin', uploadId, [{ partNumber: 1, etag }]);
      const second = await engine.multipart.complete('mpu', 'again.bin', uploadId, [{ partNumber: 1, etag }]);
      t.equal(second.etag, first.etag, 'same ETag');
      t.equal(second.etag, md5(data));
      await t.rejects(engine.multipart.complete('mpu', 'other.bin', uploadId, [{ partNumber: 1, etag }]), { code: 'NoSuchUpload' }, 'the remembered result belongs to its key only');
      await t.rejects(engine.multipart.abort('mpu', 'again.bin', uploadId), { code: 'NoSuchUpload' }, 'Abort after Complete: NoSuchUpload');
      t.ok((await readAll((await engine.getObject({ bucket: 'mpu', key: 'again.bin' })).body)).equals(data));
    });

    t.test('a Complete retried while the first runs waits for it and answers the same', async (t) => {
      const data = randomBytesSeeded(2000, 2);
      const { uploadId } = await engine.multipart.create({ bucket: 'mpu', key: 'retry.bin' });
      const { etag } = await engine.multipart.uploadPart({ bucket: 'mpu', key: 'retry.bin', uploadId, partNumber: 1, body: body(data) });
      const gate = gated.gate();
      const first = engine.multipart.complete('mpu', 'retry.bin', uploadId, [{ partNumber: 1, etag }]);
      await gate.entered;
      const second = engine.multipart.complete('mpu', 'retry.bin', uploadId, [{ partNumber: 1, etag }]);
      gate.open();
      const [a, b] = await Promise.all([first, second]);
      t.equal(a.etag, md5(data));
      t.equal(b.etag, a.etag);
    });

    t.test('Abort during a running Complete: the Complete wins, Abort answers NoSuchUpload', async (t) => {
      const data = randomBytesSeeded(3000, 3);
      const { uploadId } = await engine.multipart.create({ bucket: 'mpu', key: 'race.bin' });
      const { etag } = await engine.multipart.uploadPart({ bucket: 'mpu', key: 'race.bin', uploadId, partNumber: 1, body: body(data) });
      const gate = gated.gate();
      const completing = engine.multipart.complete('mpu', 'race.bin', uploadId, [{ partNumber: 1, etag }]);
      await gate.entered;
      let aborted: unknown = 'pending';
      const abort = engine.multipart.abort('mpu', 'race.bin', uploadId).then(
        () => (aborted = 'ok'),
        (err: unknown) => (aborted = err),
      );
      await new Promise((r) => setTimeout(r, 50));
      t.equal(aborted, 'pending', 'the Abort waits for the running Complete');
      gate.open();
      t.equal((await completing).etag, md5(data));
      await abort;
      t.match(aborted, { code: 'NoSuchUpload' }, 'Abort answers NoSuchUpload: the object was stored');
      t.ok((await readAll((await engine.getObject({ bucket: 'mpu', key: 'race.bin' })).body)).equals(data), 'the object is there, byte-exact');
    });

    t.test('Abort during a Complete that fails: the Abort succeeds and no object appears', async (t) => {
      const data = randomBytesSeeded(3000, 4);
      const { uploadId } = await engine.multipart.create({ bucket: 'mpu', key: 'fails.bin' });
      const { etag } = await engine.multipart.uploadPart({ bucket: 'mpu', key: 'fails.bin', uploadId, partNumber: 1, body: body(data) });
      const gate = gated.gate();
      const completing = engine.multipart.complete('mpu', 'fails.bin', uploadId, [{ partNumber: 1, etag }]);
      await gate.entered;
      const abort = engine.multipart.abort('mpu', 'fails.bin', uploadId);
      gate.open(new Error('backend down'));
      await t.rejects(completing, /backend down/);
      await t.resolves(abort, 'Abort answers 204');
      await t.rejects(engine.headObject({ bucket: 'mpu', key: 'fails.bin' }), { code: 'NoSuchKey' }, 'no object');
      await t.rejects(engine.multipart.complete('mpu', 'fails.bin', uploadId, [{ partNumber: 1, etag }]), { code: 'NoSuchUpload' }, 'the upload is gone');
    });

    t.test('a part re-sent while its first upload runs: the upload that finishes last is the part', async (t) => {
      const slow = randomBytesSeeded(6 * MIB, 5);
      const fast = randomBytesSeeded(6 * MIB, 6);
      const tail = randomBytesSeeded(100, 7);
      const { uploadId } = await engine.multipart.create({ bucket: 'mpu', key: 'resend.bin' });
      const stream = new PassThrough();
      const first = engine.multipart.uploadPart({ bucket: 'mpu', key: 'resend.bin', uploadId, partNumber: 1, body: stream, contentLength: slow.length });
      stream.write(slow.subarray(0, MIB));
      const second = await engine.multipart.uploadPart({ bucket: 'mpu', key: 'resend.bin', uploadId, partNumber: 1, body: body(fast) });
      stream.end(slow.subarray(MIB));
      const last = await first;
      const p2 = await engine.multipart.uploadPart({ bucket: 'mpu', key: 'resend.bin', uploadId, partNumber: 2, body: body(tail) });
      t.equal(engine.multipart.listParts('mpu', 'resend.bin', uploadId).parts[0]?.etag, last.etag, 'ListParts shows the last finished');
      await t.rejects(engine.multipart.complete('mpu', 'resend.bin', uploadId, [{ partNumber: 1, etag: second.etag }, { partNumber: 2, etag: p2.etag }]), { code: 'InvalidPart' }, 'the earlier finished upload was replaced');
      await engine.multipart.complete('mpu', 'resend.bin', uploadId, [{ partNumber: 1, etag: `"${last.etag}"` }, { partNumber: 2, etag: p2.etag }]);
      const got = await readAll((await engine.getObject({ bucket: 'mpu', key: 'resend.bin' })).body);
      t.ok(got.equals(Buffer.concat([slow, tail])), 'the object holds the last finished part, byte-exact');
    });

    t.test('UploadPartCopy reads a delta-stored source through the engine, by ranges', async (t) => {
      const [v1, v2] = versions(7 * MIB, 2, 8);
      await engine.putObject({ bucket: 'mpu', key: 'rel/v1.zip', body: body(v1!) });
      const put = await engine.putObject({ bucket: 'mpu', key: 'rel/v2.zip', body: body(v2!) });
      t.equal(put.storageType, 'delta', 'the source is stored as a delta');
      const { uploadId } = await engine.multipart.create({ bucket: 'mpu', key: 'copy/v2.zip' });
      const cut = 5 * MIB;
      const a = await engine.multipart.uploadPartCopy({ bucket: 'mpu', key: 'copy/v2.zip', uploadId, partNumber: 1, sourceBucket: 'mpu', sourceKey: 'rel/v2.zip', sourceRange: `bytes=0-${cut - 1}` });
      const b = await engine.multipart.uploadPartCopy({ bucket: 'mpu', key: 'copy/v2.zip', uploadId, partNumber: 2, sourceBucket: 'mpu', sourceKey: 'rel/v2.zip', sourceRange: `bytes=${cut}-${v2!.length - 1}` });
      t.equal(a.etag, md5(v2!.subarray(0, cut)), 'part ETag is the MD5 of the copied range');
      t.ok(b.lastModified instanceof Date);
      await t.rejects(
        engine.multipart.uploadPartCopy({ bucket: 'mpu', key: 'copy/v2.zip', uploadId, partNumber: 3, sourceBucket: 'mpu', sourceKey: 'rel/v2.zip', sourceRange: `bytes=0-${v2!.length}` }),
        { code: 'InvalidArgument', message: /source object of size/ },
        'a range past the end is refused, not clipped',
      );
      await t.rejects(
        engine.multipart.uploadPartCopy({ bucket: 'mpu', key: 'copy/v2.zip', uploadId, partNumber: 3, sourceBucket: 'mpu', sourceKey: 'rel/v2.zip', sourceRange: 'bytes=5-' }),
        { code: 'InvalidArgument' },
        'an open range is malformed for a copy',
      );
      await t.rejects(
        engine.multipart.uploadPartCopy({ bucket: 'mpu', key: 'copy/v2.zip', uploadId, partNumber: 3, sourceBucket: 'mpu', sourceKey: 'rel/v2.zip', sourceConditions: { ifMatch: '"0123"' } }),
        { code: 'PreconditionFailed' },
      );
      await t.rejects(
        engine.multipart.uploadPartCopy({ bucket: 'mpu', key: 'copy/v2.zip', uploadId, partNumber: 3, sourceBucket: 'mpu', sourceKey: 'rel/v2.zip', sourceConditions: { ifNoneMatch: `"${md5(v2!)}"` } }),
        { code: 'PreconditionFailed' },
        'a copy-source If-None-Match that matches answers 412, not 304',
      );
      await t.rejects(
        engine.multipart.uploadPartCopy({ bucket: 'mpu', key: 'copy/v2.zip', uploadId, partNumber: 3, sourceBucket: 'mpu', sourceKey: 'rel/none.zip' }),
        { code: 'NoSuchKey' },
      );
      await engine.multipart.complete('mpu', 'copy/v2.zip', uploadId, [{ partNumber: 1, etag: a.etag }, { partNumber: 2, etag: b.etag }]);
      const got = await readAll((await engine.getObject({ bucket: 'mpu', key: 'copy/v2.zip' })).body);
      t.ok(got.equals(v2!), 'the copy reads back byte-exact');
      const whole = await engine.multipart.create({ bucket: 'mpu', key: 'copy/whole.zip' });
      const w = await engine.multipart.uploadPartCopy({ bucket: 'mpu', key: 'copy/whole.zip', uploadId: whole.uploadId, partNumber: 1, sourceBucket: 'mpu', sourceKey: 'rel/v1.zip' });
      t.equal(w.etag, md5(v1!), 'without a range the whole source is the part');
      await engine.multipart.abort('mpu', 'copy/whole.zip', whole.uploadId);
    });
  });
}
