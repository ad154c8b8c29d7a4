/**
 * Reliability on a real distributed backend, Ceph RGW (a private cluster: the
 * gateway is killed and restarted here). Two proxy processes over one RGW race the
 * first uploads into fresh deltaspaces: exactly one reference each, every read
 * byte-exact through both. The gateway killed mid-PUT, mid-GET and mid-Complete: a clear
 * error (never a success, never wrong bytes), no partial object, and service again once
 * the gateway is back.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { startProxy, type Running } from '../../bench/lib/servers.js';
import { versions, randomBytesSeeded } from '../helpers/data.js';
import { rgwClient, rgwUnavailable, startPrivateRgw } from '../helpers/rgw.js';
import { clientFor, getBytes, recordResults, ROOT, sleep } from './helpers.js';

const BUILT = existsSync(join(ROOT, 'dist', 'reverse-proxy', 'cli.js'));
const BUCKET = 'reliability';
const SPACES = 6;
/** Racing first uploads per deltaspace, split between the two proxies. */
const RACERS = 4;
const BIG = 16 * 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const figures = { proxies: 2, deltaspaces: SPACES, racingFirstPuts: 0, referencesPerSpace: '', readsByteExact: 0, corruptReads: 0, putErrorsDuringRace: 0, putsDuringGatewayKill: 0, putsFailedClearly: 0, partialObjectsVisible: 0, getsDuringGatewayKill: 0, getsFailedClearly: 0, getsCompleteAndExact: 0, completesDuringGatewayKill: 0, completesFailedClearly: 0, completesSucceededExact: 0, recoveredAfterRestart: 0 };

/** The multipart upload whose Complete meets the gateway's death: parts of 16 MiB, 48 MiB in all. */
const COMPLETE_PARTS = 3;
const COMPLETE_PREFIX = 'killed-complete/';
/** Bytes of the Complete's write to RGW that pass before the gateway is killed. */
const KILL_AFTER_BYTES = 4 * 1024 * 1024;

/**
 * A TCP relay between a proxy and RGW that runs `onWrite` once, after `afterBytes` bytes of
 * the first request that writes under `prefix` have gone through, and holds the rest of that
 * connection's bytes until it has finished: the gateway dies in the middle of exactly the
 * backend write a Complete makes, not at a guessed moment.
 */
async function startTripwire(target: URL, bucket: string, prefix: string, afterBytes: number, onWrite: () => Promise<void>): Promise<{ url: string; close: () => Promise<void> }> {
  const needle = Buffer.from(`PUT /${bucket}/${prefix}`);
  let seen = -1;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    client.on('data', (chunk: Buffer) => {
      if (seen < 0 && chunk.includes(needle)) seen = 0;
      if (seen >= 0 && seen < afterBytes) {
        seen += chunk.length;
        if (seen >= afterBytes) {
          client.pause();
          void onWrite().finally(() => {
            upstream.write(chunk);
            client.resume();
          });
          return;
        }
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = (): void => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((ok) => { for (const s of sockets) s.destroy(); server.close(() => ok()); }) };
}

const skip = !BUILT ? 'needs the build (npm run build): dist/' : rgwUnavailable({ ownCluster: true });

t.test('two proxy processes over one Ceph RGW', { skip }, async (t) => {
  const rgw = await startPrivateRgw();
  t.teardown(() => rgw.stop());
  const env = { DGP_BE_AWS_ACCESS_KEY_ID: rgw.accessKeyId, DGP_BE_AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey, DGP_S3_REGION: rgw.region };
  const proxies: Running[] = [];
  for (let i = 0; i < 2; i++) proxies.push(await startProxy({ s3Endpoint: rgw.endpoint, env }));
  t.teardown(async () => { for (const p of proxies) await p.stop(); });
  const clients: S3Client[] = proxies.map((p) => clientFor(p.url, undefined, 1));
  const direct = rgwClient(rgw);
  t.teardown(() => { for (const c of [...clients, direct]) c.destroy(); });
  await clients[0]!.send(new CreateBucketCommand({ Bucket: BUCKET }));

  await t.test('racing first uploads: one reference per deltaspace, every read byte-exact', async (t) => {
    const family = versions(256 * 1024, RACERS, 61);
    const expected = new Map<string, Buffer>();
    const puts: Promise<unknown>[] = [];
    for (let s = 0; s < SPACES; s++) {
      for (let r = 0; r < RACERS; r++) {
        const key = `race-${s}/v${r}.zip`;
        expected.set(key, family[r]!);
        figures.racingFirstPuts++;
        puts.push(clients[r % 2]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: family[r] })).catch((err: Error) => { figures.putErrorsDuringRace++; t.fail(`${key}: ${err.message}`); }));
      }
    }
    await Promise.all(puts);
    const refs: number[] = [];
    for (let s = 0; s < SPACES; s++) {
      const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `race-${s}/` }));
      refs.push((listed.Contents ?? []).filter((o) => o.Key === `race-${s}/reference.bin`).length);
    }
    figures.referencesPerSpace = refs.join(',');
    t.same(refs, Array(SPACES).fill(1), 'exactly one reference.bin per deltaspace in RGW');
    for (const [key, body] of expected) {
      for (const c of clients) {
        const got = await getBytes(c, BUCKET, key);
        if (got.body && sha(got.body) === sha(body)) figures.readsByteExact++;
        else figures.corruptReads++;
      }
    }
    t.equal(figures.corruptReads, 0, `${figures.readsByteExact} reads through both proxies, all byte-exact`);
  });

  await t.test('gateway killed mid-PUT: the PUT fails, no partial object, PUT works after restart', async (t) => {
    const body = randomBytesSeeded(BIG, 62);
    // A slow body, so the gateway dies while the proxy is still receiving or storing it.
    const slow = Readable.from((async function* () { for (let o = 0; o < body.length; o += 1024 * 1024) { yield body.subarray(o, o + 1024 * 1024); await sleep(100); } })());
    figures.putsDuringGatewayKill++;
    const put = clients[0]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'killed/put.bin', Body: slow, ContentLength: body.length })).then(() => 'ok', (err: Error) => err);
    await sleep(600);
    await rgw.killGateway();
    const outcome = await put;
    t.not(outcome, 'ok', 'the PUT does not report success while the backend is gone');
    if (outcome instanceof Error) {
      figures.putsFailedClearly++;
      t.match((outcome as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, /^5\d\d$/, `an S3 5xx error: ${outcome.name}`);
    }
    await rgw.startGateway();
    const head = await clients[1]!.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'killed/put.bin' })).then(() => 'present', () => 'absent');
    if (head === 'present') figures.partialObjectsVisible++;
    t.equal(head, 'absent', 'no partial object after the gateway is back');
    await clients[0]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'killed/put.bin', Body: body }));
    const got = await getBytes(clients[1]!, BUCKET, 'killed/put.bin');
    t.equal(got.body && sha(got.body), sha(body), 'the retried PUT reads back byte-exact through the other proxy');
    figures.recoveredAfterRestart++;
  });

  await t.test('gateway killed mid-GET: the GET errors or is whole and exact, GET works after restart', async (t) => {
    const body = randomBytesSeeded(BIG, 63);
    await clients[0]!.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'killed/get.bin', Body: body }));
    figures.getsDuringGatewayKill++;
    const out = await clients[1]!.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'killed/get.bin' }));
    const stream = out.Body as Readable;
    const chunks: Buffer[] = [];
    let first = true;
    const read = (async () => {
      for await (const c of stream) {
        chunks.push(c as Buffer);
        if (first) {
          first = false;
          await rgw.killGateway(); // the rest of the body is still in RGW
        }
      }
    })().then(() => 'complete', (err: Error) => err);
    const outcome = await read;
    const got = Buffer.concat(chunks);
    if (outcome === 'complete') {
      t.equal(sha(got), sha(body), 'a GET that completes carries the exact bytes');
      figures.getsCompleteAndExact++;
    } else {
      t.ok(got.length < body.length, `the GET failed before its end (${got.length} of ${body.length} bytes): ${(outcome as Error).message}`);
      figures.getsFailedClearly++;
    }
    await rgw.startGateway();
    const again = await getBytes(clients[0]!, BUCKET, 'killed/get.bin');
    t.equal(again.body && sha(again.body), sha(body), 'after the restart the GET is byte-exact');
    figures.recoveredAfterRestart++;
  });

  await t.test('gateway killed mid-Complete: a clear error or a whole object, never a partial one; the retried Complete works after restart', async (t) => {
    let killed: Promise<void> | undefined;
    const relay = await startTripwire(new URL(rgw.endpoint), BUCKET, COMPLETE_PREFIX, KILL_AFTER_BYTES, () => (killed ??= rgw.killGateway()));
    t.teardown(() => relay.close());
    // A proxy of its own, writing to RGW through the relay (and reading the same RGW).
    const proxy = await startProxy({ s3Endpoint: relay.url, env });
    t.teardown(() => proxy.stop());
    const client = clientFor(proxy.url, undefined, 1);
    t.teardown(() => client.destroy());
    const key = `${COMPLETE_PREFIX}big.zip`;
    const parts = Array.from({ length: COMPLETE_PARTS }, (_, i) => randomBytesSeeded(BIG, 64 + i));
    const body = Buffer.concat(parts);
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const done: { PartNumber: number; ETag?: string }[] = [];
    for (let i = 0; i < parts.length; i++) {
      const r = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1, Body: parts[i] }));
      done.push({ PartNumber: i + 1, ETag: r.ETag });
    }
    const completeIt = () => client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: done } }));
    figures.completesDuringGatewayKill++;
    const outcome = await completeIt().then((r) => r, (err: Error) => err);
    t.ok(killed, 'the gateway was killed while the Complete wrote to it');
    await killed;
    if (outcome instanceof Error) {
      figures.completesFailedClearly++;
      // The answer went out as 200 + whitespace before the backend failed: the error is in its body.
      t.match((outcome as { name?: string }).name, /ServiceUnavailable|InternalError/, `a clear S3 error: ${outcome.name}: ${outcome.message}`);
    } else {
      figures.completesSucceededExact++;
      t.equal(outcome.ETag, `"${createHash('md5').update(body).digest('hex')}"`, 'a Complete that reports success names the whole object');
    }
    await rgw.startGateway();
    // Whatever the outcome, what a reader sees is nothing or the whole object, through either proxy.
    for (const c of [clients[0]!, client]) {
      const got = await getBytes(c, BUCKET, key);
      const exact = got.status === 200 && got.body !== undefined && sha(got.body) === sha(body);
      if (got.status === 200 && !exact) figures.partialObjectsVisible++;
      if (outcome instanceof Error) t.ok(got.status === 404 || exact, `after the failed Complete: absent or whole, never partial (${got.status} ${got.code ?? ''})`);
      else t.ok(exact, 'the completed object reads back byte-exact');
    }
    const stored = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: COMPLETE_PREFIX }));
    for (const o of stored.Contents ?? []) t.ok(o.Key === `${COMPLETE_PREFIX}reference.bin` ? o.Size === body.length : true, `${o.Key}: ${o.Size} bytes in RGW, never a truncated baseline`);
    // A client retries a Complete it got no success for; S3 answers a repeated one with the same result.
    const again = await completeIt();
    t.equal(again.ETag, `"${createHash('md5').update(body).digest('hex')}"`, 'the retried Complete succeeds');
    for (const c of [clients[1]!, client]) {
      const got = await getBytes(c, BUCKET, key);
      t.equal(got.body && sha(got.body), sha(body), 'the retried Complete reads back byte-exact through both proxies');
    }
    figures.recoveredAfterRestart++;
  });
});

t.teardown(() => {
  if (skip) return;
  recordResults('rgw', figures, [
    'Backend: a private single-node Ceph RGW 16.2 (scripts/rgw.sh; memstore OSD). Two `deltaglider-proxy` processes (`node dist/reverse-proxy/cli.js`) over it.',
    `Race: ${SPACES} fresh deltaspaces, ${RACERS} first uploads each at once (alternating between the proxies); the reference is written with If-None-Match: *, which RGW honours, so one upload wins the baseline and the others become deltas against it.`,
    'Gateway kill: radosgw SIGKILLed 0.6 s into a 16 MiB PUT sent at 10 MiB/s, and after the first chunk of a 16 MiB GET; then started again on the same port with its data.',
    `Mid-Complete: a ${COMPLETE_PARTS}-part, ${(COMPLETE_PARTS * BIG) / 1024 / 1024} MiB multipart upload through a third proxy whose writes to RGW pass a TCP relay; radosgw SIGKILLed once ${KILL_AFTER_BYTES / 1024 / 1024} MiB of the Complete's first write under the key's deltaspace went through, started again after the Complete answered, then the Complete retried.`,
  ]);
});
