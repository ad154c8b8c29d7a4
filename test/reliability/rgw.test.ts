/**
 * Reliability on a real distributed backend, Ceph RGW (a private cluster: the
 * gateway is killed and restarted here). Two proxy processes over one RGW race the
 * first uploads into fresh deltaspaces: exactly one reference each, every read
 * byte-exact through both. The gateway killed mid-PUT and mid-GET: a clear error
 * (never a success, never wrong bytes), no partial object, and service again once
 * the gateway is back.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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
const figures = { proxies: 2, deltaspaces: SPACES, racingFirstPuts: 0, referencesPerSpace: '', readsByteExact: 0, corruptReads: 0, putErrorsDuringRace: 0, putsDuringGatewayKill: 0, putsFailedClearly: 0, partialObjectsVisible: 0, getsDuringGatewayKill: 0, getsFailedClearly: 0, getsCompleteAndExact: 0, recoveredAfterRestart: 0 };

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
});

t.teardown(() => {
  if (skip) return;
  recordResults('rgw', figures, [
    'Backend: a private single-node Ceph RGW 16.2 (scripts/rgw.sh; memstore OSD). Two `deltaglider-proxy` processes (`node dist/reverse-proxy/cli.js`) over it.',
    `Race: ${SPACES} fresh deltaspaces, ${RACERS} first uploads each at once (alternating between the proxies); the reference is written with If-None-Match: *, which RGW honours, so one upload wins the baseline and the others become deltas against it.`,
    'Gateway kill: radosgw SIGKILLed 0.6 s into a 16 MiB PUT sent at 10 MiB/s, and after the first chunk of a 16 MiB GET; then started again on the same port with its data.',
  ]);
});
