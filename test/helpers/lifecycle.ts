/**
 * The lifecycle scenario of issue 24, shared by the embedded-store and RGW tests: a
 * deltaspace whose reference.bin is older than the expiry while newer deltas are not.
 * Everything goes through a real proxy with a real S3 client; the backend is inspected
 * directly to see what is really stored.
 */
import { GetObjectCommand, ListObjectsV2Command, PutBucketLifecycleConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { LifecycleSweeper } from '../../src/core/lifecycle/lifecycle-sweeper.js';
import type { DeltaGliderEngine } from '../../src/core/engine/engine.js';
import { listAll } from '../../src/core/store/list-all.js';
import { versions } from './data.js';
import { isListingIndexKey } from '../../src/core/format/listing-index.js';

/** Objects of the scenario: three releases of one artifact, a note, and a key outside the rule. */
export const RELEASES = versions(256 * 1024, 3, 24);
/** The rule under test: the "expire releases/ after N days". */
export function releasesRule(days: number) {
  return { Rules: [{ ID: 'old-releases', Filter: { Prefix: 'releases/' }, Status: 'Enabled' as const, Expiration: { Days: days } }] };
}

/** GET through the proxy: the bytes, or the error name. */
export async function read(client: S3Client, bucket: string, key: string): Promise<Buffer | string> {
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  } catch (err) {
    return (err as Error).name;
  }
}

/** Backend keys under a prefix, as the backend itself lists them. */
export async function backendKeys(engine: DeltaGliderEngine, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  // The listing index is written just after the writes it describes: not part of the layout checked.
  for await (const o of listAll(engine.store, bucket, prefix)) if (!isListingIndexKey(o.key)) keys.push(o.key);
  return keys;
}

/** Last-Modified of a user object, as the engine lists it (ms precision). */
async function lastModified(engine: DeltaGliderEngine, bucket: string, key: string): Promise<number> {
  const page = await engine.listObjects({ bucket, prefix: key, maxKeys: 1 });
  const o = page.objects.find((x) => x.key === key);
  if (!o) throw new Error(`${key} not listed`);
  return o.lastModified.getTime();
}

export interface ScenarioOptions {
  client: S3Client;
  engine: DeltaGliderEngine;
  bucket: string;
  /** Length of a lifecycle day for the sweeper (ms). */
  dayMs: number;
  /** Called once v1 is stored and the rule set, before v2/v3 are written (RGW: wait a backend day). */
  betweenVersions?: () => Promise<void>;
}

/**
 * Runs the scenario: v1 (the upload that created reference.bin) and a note are older than
 * the one-day rule, v2 and v3 are younger. The sweeper's clock is placed from the objects'
 * own timestamps, so the outcome does not depend on machine load.
 */
export async function expiryScenario(t: Test, o: ScenarioOptions): Promise<void> {
  const { client, engine, bucket, dayMs } = o;
  const [v1, v2, v3] = RELEASES as [Buffer, Buffer, Buffer];
  const put = (key: string, body: Buffer | string) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  await put('releases/v1.zip', v1);
  await put('releases/notes.txt', 'release notes');
  await put('elsewhere/old.zip', v1);
  t.same(await backendKeys(engine, bucket, 'releases/'), ['releases/notes.txt', 'releases/reference.bin', 'releases/v1.zip.delta'], 'v1 created the deltaspace: reference.bin and its delta');
  await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: releasesRule(1) }));
  await o.betweenVersions?.();
  // v2 must be more than a day younger than v1: wait until the clocks say so.
  const v1At = await lastModified(engine, bucket, 'releases/v1.zip');
  while (Date.now() < v1At + dayMs * 1.2) await sleep(100);
  await put('releases/v2.zip', v2);
  await put('releases/v3.zip', v3);
  const v2At = await lastModified(engine, bucket, 'releases/v2.zip');
  const v3At = await lastModified(engine, bucket, 'releases/v3.zip');
  t.ok(v2At - v1At > dayMs, 'reference.bin and v1 are more than a lifecycle day older than v2');

  let clock = v2At + dayMs / 10;
  const sweeper = new LifecycleSweeper(engine, { dayMs, now: () => clock });
  const first = await sweeper.sweepBucket(bucket);
  t.equal(first.expired, 2, 'the sweep expired v1 and the note, nothing younger');
  t.equal(await read(client, bucket, 'releases/v1.zip'), 'NoSuchKey', 'v1 is gone, as S3 would have it gone');
  t.equal(await read(client, bucket, 'releases/notes.txt'), 'NoSuchKey', 'the expired note is gone');
  t.ok((await read(client, bucket, 'releases/v2.zip') as Buffer).equals(v2), 'v2 (a delta against the expired upload\'s reference) reads back byte-exact');
  t.ok((await read(client, bucket, 'releases/v3.zip') as Buffer).equals(v3), 'v3 reads back byte-exact');
  t.ok((await read(client, bucket, 'elsewhere/old.zip') as Buffer).equals(v1), 'an old object outside the rule\'s prefix is kept');
  t.same(await backendKeys(engine, bucket, 'releases/'), ['releases/reference.bin', 'releases/v2.zip.delta', 'releases/v3.zip.delta'], 'the reference stays while deltas need it');
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'releases/' }));
  t.same(listed.Contents?.map((c) => c.Key), ['releases/v2.zip', 'releases/v3.zip'], 'the listing shows exactly the objects that have not expired');

  clock = v3At + dayMs + 1;
  const second = await sweeper.sweepBucket(bucket);
  t.equal(second.expired, 2, 'a day later v2 and v3 expire');
  t.equal(await read(client, bucket, 'releases/v3.zip'), 'NoSuchKey', 'v3 is gone');
  t.same(await backendKeys(engine, bucket, 'releases/'), [], 'the reference was collected once nothing needed it');
  t.ok((await read(client, bucket, 'elsewhere/old.zip') as Buffer).equals(v1), 'the object outside the prefix is still there, byte-exact');
  t.equal((await sweeper.sweepBucket(bucket)).expired, 0, 'another sweep finds nothing more to do');
}
