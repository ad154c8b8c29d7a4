/**
 * Backend faults, with a fault-injecting HTTP proxy between the endpoint (the reverse
 * proxy, then the middleware) and s3rver: HEAD of reference.bin answering 500 / 503 / a
 * cut connection / slowly; the backend stopped mid-PUT, mid-GET and mid-multipart-complete
 * and restarted on the same port and directory; the temp disk full while spooling (every
 * surface x store). Clients get a clean S3 error (503 ServiceUnavailable for backend
 * faults), nothing half-written becomes visible, retries succeed, and no reference is
 * ever created on a failed check, replaced or deleted while deltas use it.
 */
import t from 'tap';
import { symlinkSync } from 'node:fs';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { ENDPOINT_KINDS, getBytes, recordResults, sleep, startEndpoint, startFaultProxy, startMiddleware, startProxy, startRestartableS3rver, leftoverTempFiles, type FaultAction } from './helpers.js';

const BUCKET = 'faults';
const family = versions(64 * 1024, 12, 31);
const figures = { faultsInjected: 0, backendRestarts: 0, failedPutsClean: 0, failedCompletesClean: 0, retriesSucceeded: 0, referencesCreatedOnFailedCheck: 0, referencesReplaced: 0, enospcInjected: 0, corruptReads: 0 };

async function s3Error(p: Promise<unknown>): Promise<{ status: number; code?: string }> {
  try {
    await p;
    return { status: 200 };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return { status: e.$metadata?.httpStatusCode ?? 0, code: e.name };
  }
}

for (const way of ['proxy', 'middleware'] as const) t.test(`${way} over s3rver behind a fault-injecting proxy`, async (t) => {
  const s3 = await startRestartableS3rver();
  t.teardown(() => s3.close());
  const fp = await startFaultProxy(s3.port);
  t.teardown(() => fp.close());
  const ep = await (way === 'proxy' ? startProxy : startMiddleware)({ s3Endpoint: fp.endpoint, maxAttempts: 1 });
  t.teardown(() => ep.close());
  await ep.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const direct = s3.client;
  const refHead = async (space: string) => {
    try {
      const h = await direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${space}/reference.bin` }));
      return `${h.ETag}|${h.LastModified?.toISOString()}`;
    } catch {
      return undefined;
    }
  };
  const isRefHead = (method: string | undefined, url: string | undefined): boolean => method === 'HEAD' && /\/reference\.bin(\?|$)/.test(url ?? '');

  const actions: { name: string; action: FaultAction; expect: 'fail' | 'ok' }[] = [
    { name: '500 InternalError', action: { kind: 'status', status: 500 }, expect: 'fail' },
    { name: '503 SlowDown', action: { kind: 'status', status: 503 }, expect: 'fail' },
    { name: 'connection cut', action: { kind: 'reset' }, expect: 'fail' },
    { name: '403 (not a 404)', action: { kind: 'status', status: 403 }, expect: 'fail' },
    { name: 'slow (1.5 s)', action: { kind: 'delay', ms: 1500 }, expect: 'ok' },
  ];

  for (const [i, a] of actions.entries()) {
    await t.test(`HEAD reference.bin: ${a.name}`, async (t) => {
      // A deltaspace with a reference, and a fresh one without.
      const space = `head${i}`;
      await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/v0.zip`, Body: family[0] }));
      const before = await refHead(space);
      t.ok(before, 'reference exists');
      fp.rule = (req) => (isRefHead(req.method, req.url) ? a.action : { kind: 'pass' });
      const injectedBefore = fp.injected;
      const r1 = await s3Error(ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/v1.zip`, Body: family[1] })));
      const r2 = await s3Error(ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `fresh${i}/v1.zip`, Body: family[1] })));
      fp.rule = () => ({ kind: 'pass' });
      figures.faultsInjected += fp.injected - injectedBefore;
      if (a.expect === 'fail') {
        t.same(r1, { status: 503, code: 'ServiceUnavailable' }, 'PUT into a deltaspace with a reference: 503');
        t.same(r2, { status: 503, code: 'ServiceUnavailable' }, 'PUT into a fresh deltaspace: 503');
        figures.failedPutsClean += 2;
        t.equal(await refHead(`fresh${i}`), undefined, 'no reference created on a failed check');
        if ((await refHead(`fresh${i}`)) !== undefined) figures.referencesCreatedOnFailedCheck++;
        t.equal((await getBytes(ep.client, BUCKET, `${space}/v1.zip`)).status, 404, 'nothing visible');
        t.equal((await getBytes(ep.client, BUCKET, `fresh${i}/v1.zip`)).status, 404, 'nothing visible (fresh)');
        // Retries succeed once the backend is healthy.
        await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/v1.zip`, Body: family[1] }));
        await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `fresh${i}/v1.zip`, Body: family[1] }));
        figures.retriesSucceeded += 2;
      } else {
        t.same([r1.status, r2.status], [200, 200], 'slow HEADs: both PUTs succeed');
      }
      const after = await refHead(space);
      t.equal(after, before, 'the reference was not replaced');
      if (after !== before) figures.referencesReplaced++;
      for (const key of [`${space}/v0.zip`, `${space}/v1.zip`, `fresh${i}/v1.zip`]) {
        const got = await getBytes(ep.client, BUCKET, key);
        const want = key.endsWith('v0.zip') ? family[0] : family[1];
        if (!got.body?.equals(want as Buffer)) figures.corruptReads++;
        t.ok(got.body?.equals(want as Buffer), `${key} byte-exact`);
      }
    });
  }

  await t.test('LIST answered 500 five times in a row (s3rver reading a metadata file being rewritten): LIST and DELETE still succeed', async (t) => {
    const space = 'listfault';
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/a.zip`, Body: family[0] }));
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/b.zip`, Body: family[1] }));
    let failures = 0;
    const failLists = (n: number): void => {
      let left = n;
      fp.rule = (req) => {
        if (req.method !== 'GET' || !/[?&]list-type=2/.test(req.url ?? '') || left <= 0) return { kind: 'pass' };
        left--;
        failures++;
        return { kind: 'status', status: 500 };
      };
    };
    failLists(5);
    const listed = await ep.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${space}/` }));
    t.same(listed.Contents?.map((o) => o.Key), [`${space}/a.zip`, `${space}/b.zip`], 'the LIST succeeded after five backend 500s');
    failLists(5);
    await ep.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${space}/b.zip` }));
    fp.rule = () => ({ kind: 'pass' });
    t.equal(failures, 10, 'ten 500s injected');
    figures.faultsInjected += failures;
    figures.retriesSucceeded += 2;
    t.equal((await getBytes(ep.client, BUCKET, `${space}/b.zip`)).status, 404, 'b.zip deleted');
    const a = await getBytes(ep.client, BUCKET, `${space}/a.zip`);
    t.ok(a.body?.equals(family[0] as Buffer), 'a.zip intact');
  });

  await t.test('backend stopped mid-PUT, restarted, retry succeeds', async (t) => {
    const space = 'midput';
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/v0.zip`, Body: family[0] }));
    const before = await refHead(space);
    for (const [n, target] of [/\.delta(\?|$)/, /\/plain\.bin(\?|$)/].entries()) {
      // Hold the backend write of the object, stop the backend meanwhile.
      fp.rule = (req) => (req.method === 'PUT' && target.test(req.url ?? '') ? { kind: 'delay', ms: 300 } : { kind: 'pass' });
      const key = n === 0 ? `${space}/v${n + 1}.zip` : `${space}/plain.bin`;
      const body = family[n + 1] as Buffer;
      const putting = s3Error(ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })));
      await sleep(100);
      await s3.stop();
      figures.faultsInjected++;
      const r = await putting;
      fp.rule = () => ({ kind: 'pass' });
      t.same(r, { status: 503, code: 'ServiceUnavailable' }, `${key}: 503 while the backend is down`);
      figures.failedPutsClean++;
      await s3.start();
      figures.backendRestarts++;
      t.equal((await getBytes(ep.client, BUCKET, key)).status, 404, `${key}: nothing half-written is visible`);
      await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      figures.retriesSucceeded++;
      const got = await getBytes(ep.client, BUCKET, key);
      t.ok(got.body?.equals(body), `${key}: retry stored it byte-exact`);
      if (!got.body?.equals(body)) figures.corruptReads++;
    }
    t.equal(await refHead(space), before, 'reference untouched');
  });

  await t.test('backend stopped mid-multipart-complete, restarted, the retried Complete succeeds', async (t) => {
    // Two uploads: into a deltaspace with a reference (completion writes a delta) and into
    // a fresh one (completion creates the reference). The backend write of each completion
    // is held while the backend stops.
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'midmp/v0.zip', Body: family[0] }));
    const before = await refHead('midmp');
    const part1 = Buffer.concat(Array.from({ length: 82 }, (_, i) => family[i % family.length] as Buffer)).subarray(0, 5 * 1024 * 1024);
    const part2 = family[5] as Buffer;
    for (const key of ['midmp/big.zip', 'midmp-fresh/big.zip']) {
      const { UploadId } = await ep.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
      const p1 = await ep.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: part1 }));
      const p2 = await ep.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: part2 }));
      const complete = () =>
        s3Error(ep.client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } })));
      const space = key.split('/')[0] as string;
      fp.rule = (req) => (req.method === 'PUT' && req.url?.startsWith(`/${BUCKET}/${space}/`) ? { kind: 'delay', ms: 300 } : { kind: 'pass' });
      const completing = complete();
      await sleep(150);
      await s3.stop();
      figures.faultsInjected++;
      const r = await completing;
      fp.rule = () => ({ kind: 'pass' });
      t.same(r, { status: 503, code: 'ServiceUnavailable' }, `${key}: Complete answers 503 while the backend is down`);
      figures.failedCompletesClean++;
      await s3.start();
      figures.backendRestarts++;
      t.equal((await getBytes(ep.client, BUCKET, key)).status, 404, `${key}: nothing half-written is visible`);
      t.same(await complete(), { status: 200 }, `${key}: the same Complete, retried, succeeds`);
      figures.retriesSucceeded++;
      const got = await getBytes(ep.client, BUCKET, key);
      const whole = got.body?.equals(Buffer.concat([part1, part2]));
      if (!whole) figures.corruptReads++;
      t.ok(whole, `${key}: byte-exact`);
    }
    t.equal(await refHead('midmp'), before, 'the existing reference untouched');
    t.ok(await refHead('midmp-fresh'), 'the fresh deltaspace got its reference on the retry');
    t.same(await leftoverTempFiles(ep.tempDir), [], 'no assembled or spooled temp file left');
  });

  await t.test('backend stopped mid-GET, restarted, retry succeeds', async (t) => {
    const space = 'midget';
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/v0.zip`, Body: family[0] }));
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/v1.zip`, Body: family[1] }));
    const big = Buffer.concat(family);
    await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${space}/big.bin`, Body: big }));
    const before = await refHead(space);
    // Delta: the reference download is held, the backend stops meanwhile.
    await ep.engine.references.clear();
    fp.rule = (req) => (req.method === 'GET' && /reference\.bin(\?|$)/.test(req.url ?? '') ? { kind: 'delay', ms: 300 } : { kind: 'pass' });
    const getting = getBytes(ep.client, BUCKET, `${space}/v1.zip`);
    await sleep(100);
    await s3.stop();
    figures.faultsInjected++;
    const r = await getting;
    fp.rule = () => ({ kind: 'pass' });
    t.equal(r.status, 503, 'delta GET: 503 while the backend is down');
    t.equal(r.code, 'ServiceUnavailable');
    await s3.start();
    figures.backendRestarts++;
    const again = await getBytes(ep.client, BUCKET, `${space}/v1.zip`);
    t.ok(again.body?.equals(family[1] as Buffer), 'delta GET retry byte-exact');
    figures.retriesSucceeded++;
    // Passthrough: the backend dies while the body streams; the client must not get a
    // complete-looking wrong object.
    fp.rule = (req) => (req.method === 'GET' && /big\.bin(\?|$)/.test(req.url ?? '') ? { kind: 'delay', ms: 200 } : { kind: 'pass' });
    const streaming = getBytes(ep.client, BUCKET, `${space}/big.bin`);
    await sleep(100);
    await s3.stop();
    figures.faultsInjected++;
    const s = await streaming;
    fp.rule = () => ({ kind: 'pass' });
    t.ok(s.status !== 200 || s.body?.equals(big), `passthrough GET: an error (${s.status} ${s.code ?? ''}) or the whole object, never a partial one`);
    if (s.status === 200 && !s.body?.equals(big)) figures.corruptReads++;
    await s3.start();
    figures.backendRestarts++;
    const whole = await getBytes(ep.client, BUCKET, `${space}/big.bin`);
    t.ok(whole.body?.equals(big), 'passthrough GET retry byte-exact');
    figures.retriesSucceeded++;
    t.equal(await refHead(space), before, 'reference untouched');
    const list = await ep.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${space}/` }));
    t.same(list.Contents?.map((o) => o.Key), [`${space}/big.bin`, `${space}/v0.zip`, `${space}/v1.zip`]);
  });
});

for (const kind of ENDPOINT_KINDS) t.test(`temp disk full while spooling (real ENOSPC from /dev/full): ${kind}`, async (t) => {
  // The spool file is created as a symlink to /dev/full: the kernel answers every write
  // with ENOSPC, exactly as a full temp filesystem would, mid-stream.
  const ep = await startEndpoint(kind, { maxAttempts: 1 });
  t.teardown(() => ep.close());
  await ep.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const temp = ep.engine.temp;
  const original = temp.file.bind(temp);
  let armed = true;
  temp.file = (label?: string): string => {
    const p = original(label);
    if (armed && label === 'spool') {
      symlinkSync('/dev/full', p);
      figures.enospcInjected++;
    }
    return p;
  };
  for (const key of ['full/v0.zip', 'full/plain.bin']) {
    const r = await s3Error(ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: family[0] })));
    t.equal(r.status, 500, `${key}: clean 500 (${r.code})`);
    t.equal(r.code, 'InternalError');
    figures.failedPutsClean++;
    t.equal((await getBytes(ep.client, BUCKET, key)).status, 404, `${key}: nothing visible`);
  }
  t.same(await leftoverTempFiles(ep.tempDir), [], 'the failed spools were removed');
  armed = false;
  await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'full/v0.zip', Body: family[0] }));
  figures.retriesSucceeded++;
  t.ok((await getBytes(ep.client, BUCKET, 'full/v0.zip')).body?.equals(family[0] as Buffer), 'after space is back, PUT works');
  t.same(await leftoverTempFiles(ep.tempDir), [], 'no temp files left');
});

t.teardown(() => {
  recordResults('faults', {
    'faults injected (HTTP errors, cut connections, slow HEADs, backend stops)': figures.faultsInjected,
    'backend restarts (same port and directory)': figures.backendRestarts,
    'ENOSPC injected while spooling': figures.enospcInjected,
    'failed PUTs answered cleanly (503 / 500), nothing visible': figures.failedPutsClean,
    'failed CompleteMultipartUploads answered cleanly (503), nothing visible': figures.failedCompletesClean,
    'retries that succeeded': figures.retriesSucceeded,
    'references created on a failed HEAD': figures.referencesCreatedOnFailedCheck,
    'references replaced': figures.referencesReplaced,
    'corrupt reads': figures.corruptReads,
  }, [
    'Backend faults run on the proxy and on the middleware, each over its own s3rver behind a fault-injecting HTTP proxy; the temp-disk-full case on all four surface x store endpoints.',
    'HEAD reference.bin faults: 500, 503, cut connection, 403 and a 1.5 s delay, each into a deltaspace with a reference and a fresh one.',
    'Backend stopped mid-PUT, mid-GET and mid-CompleteMultipartUpload (the completion writing a delta, and one creating a reference), then restarted: the retried request (the same upload ID for Complete) succeeds.',
    'Temp disk full: the spool file is a symlink to /dev/full, so writes fail with a real ENOSPC from the kernel; a tmpfs or loop mount would need root.',
  ]);
});
