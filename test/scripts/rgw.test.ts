/**
 * scripts/rgw.sh and its test helper: a real single-node Ceph cluster whose
 * gateway answers S3 signed with the printed keys, starts idempotently under
 * concurrent callers, survives a gateway restart with its data, and leaves no
 * daemon or data behind when stopped.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { RGW_SCRIPT, rgwClient, rgwUnavailable, sharedRgw, startPrivateRgw } from '../helpers/rgw.js';

const run = promisify(execFile);
const skip = rgwUnavailable();

t.test('the shared RGW stores and returns objects signed with the printed keys', { skip }, async (t) => {
  const rgw = await sharedRgw();
  const s3 = rgwClient(rgw);
  t.teardown(() => s3.destroy());
  const bucket = `rgw-script-${process.pid}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b.bin', Body: 'hello rgw' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b.bin' }));
  t.equal(await got.Body!.transformToString(), 'hello rgw');
});

t.test('start is idempotent: concurrent callers all get the running gateway', { skip: skip ?? (process.env.RGW_ENDPOINT ? 'RGW_ENDPOINT given: the script is not used' : undefined) }, async (t) => {
  const rgw = await sharedRgw();
  const env = { ...process.env, RGW_DIR: rgw.dir };
  const outs = await Promise.all([1, 2, 3].map(() => run(RGW_SCRIPT, ['start'], { env })));
  for (const { stdout } of outs) t.match(stdout, `export RGW_ENDPOINT=${rgw.endpoint}\n`);
  const status = await run(RGW_SCRIPT, ['status'], { env });
  t.equal(status.stdout, '', 'status exits 0 quietly while the gateway answers');
});

t.test('a private cluster keeps its data across a gateway kill, and stop leaves nothing behind', { skip: rgwUnavailable({ ownCluster: true }) }, async (t) => {
  const rgw = await startPrivateRgw(['rgw lc debug interval = 10']);
  t.teardown(() => rgw.stop().catch(() => {}));
  t.match(readFileSync(join(rgw.dir, 'ceph.conf'), 'utf8'), /^rgw lc debug interval = 10$/m, 'extra ceph.conf lines are written');
  const s3 = rgwClient(rgw);
  t.teardown(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'private' }));
  await s3.send(new PutObjectCommand({ Bucket: 'private', Key: 'k', Body: 'survives' }));

  await rgw.killGateway();
  await t.rejects(s3.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' })), 'no answer while the gateway is down');
  await rgw.startGateway();
  const got = await s3.send(new GetObjectCommand({ Bucket: 'private', Key: 'k' }));
  t.equal(await got.Body!.transformToString(), 'survives');

  const pids = readdirSync(join(rgw.dir, 'run')).filter((f) => f.endsWith('.pid')).map((f) => Number(readFileSync(join(rgw.dir, 'run', f), 'utf8')));
  t.equal(pids.length, 3, 'mon, osd and radosgw pid files');
  await rgw.stop();
  t.notOk(existsSync(rgw.dir), 'data directory wiped');
  for (const pid of pids) t.throws(() => process.kill(pid, 0), `daemon ${pid} is gone`);
});
