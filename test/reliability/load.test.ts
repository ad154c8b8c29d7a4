/**
 * Mixed load: 16 clients doing PUT/GET/LIST/DELETE against the proxy (filesystem store)
 * for 20 s (2 minutes with SOAK=1). Zero errors, zero corrupt reads, RSS flat after
 * warm-up (the proxy runs in this process here; RSS is the whole process's).
 */
import t from 'tap';
import { DeleteObjectCommand, CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { getBytes, recordResults, SOAK, startProxy } from './helpers.js';

const BUCKET = 'load';
const DURATION = SOAK ? 120_000 : 20_000;
const CLIENTS = 16;
const family = versions(32 * 1024, 16, 51);
const figures = { requests: 0, puts: 0, gets: 0, lists: 0, deletes: 0, errors: 0, corruptReads: 0, rssWarmMb: 0, rssEndMb: 0 };

t.test('mixed load on the proxy', async (t) => {
  const ep = await startProxy();
  t.teardown(() => ep.close());
  await ep.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const errors: string[] = [];
  const started = Date.now();
  const warmAt = started + DURATION / 4;
  let warmSampled = false;
  const client = async (c: number): Promise<void> => {
    // Each client owns its keys, so every read has one right answer.
    const mine = new Map<string, Buffer>();
    let n = 0;
    while (Date.now() - started < DURATION) {
      if (!warmSampled && Date.now() >= warmAt) {
        warmSampled = true;
        figures.rssWarmMb = Math.round(process.memoryUsage().rss / 2 ** 20);
      }
      const op = n++ % 10;
      const key = `c${c % 4}/k${c}-${n % 6}.zip`;
      try {
        if (op < 4) {
          const body = family[(c + n) % family.length] as Buffer;
          await ep.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
          mine.set(key, body);
          figures.puts++;
        } else if (op < 8) {
          const [k, want] = [...mine.entries()][n % Math.max(1, mine.size)] ?? [];
          if (!k) continue;
          const got = await getBytes(ep.client, BUCKET, k);
          figures.gets++;
          if (got.status !== 200) {
            figures.errors++;
            errors.push(`GET ${k}: ${got.status} ${got.code}`);
          } else if (!got.body?.equals(want as Buffer)) figures.corruptReads++;
        } else if (op === 8) {
          await ep.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `c${c % 4}/` }));
          figures.lists++;
        } else {
          await ep.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
          mine.delete(key);
          figures.deletes++;
        }
        figures.requests++;
      } catch (err) {
        figures.errors++;
        errors.push(`${op}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  figures.rssEndMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  t.equal(figures.errors, 0, `no errors ${errors.slice(0, 5).join(' | ')}`);
  t.equal(figures.corruptReads, 0, 'no corrupt reads');
  t.ok(figures.rssEndMb - figures.rssWarmMb < 150, `RSS flat after warm-up: ${figures.rssWarmMb} -> ${figures.rssEndMb} MB`);
  t.ok(figures.requests > 0, `${figures.requests} requests`);
});

t.teardown(() => {
  recordResults('load', {
    'duration (s)': DURATION / 1000,
    clients: CLIENTS,
    requests: figures.requests,
    PUT: figures.puts,
    GET: figures.gets,
    LIST: figures.lists,
    DELETE: figures.deletes,
    errors: figures.errors,
    'corrupt reads': figures.corruptReads,
    'RSS after warm-up (MB)': figures.rssWarmMb,
    'RSS at the end (MB)': figures.rssEndMb,
  }, ['The proxy runs in the test process (filesystem store); RSS is that process\'s.']);
});
