/**
 * What durable writes cost: PUT throughput through the reverse proxy on the embedded
 * filesystem store with DGP_FSYNC=always (the default) and DGP_FSYNC=never, side by side.
 * Two proxies run at once on data directories on the same disk; their batches alternate,
 * so load from other work on the machine falls on both alike. Keys are not delta-eligible
 * (`.bin`): the figure is the store's own write path, not the codec.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { fmt, log, median, MiB, table, type BenchArgs } from './common.js';
import { s3Client, startProxy } from './servers.js';

/** One workload: `count` objects of `size` bytes, `concurrency` PUTs in flight. */
interface Workload {
  label: string;
  size: number;
  count: number;
  concurrency: number;
}

const WORKLOADS: Workload[] = [
  { label: '4 KiB', size: 4 * 1024, count: 200, concurrency: 1 },
  { label: '4 KiB', size: 4 * 1024, count: 400, concurrency: 8 },
  { label: '1 MiB', size: MiB, count: 40, concurrency: 1 },
  { label: '64 MiB', size: 64 * MiB, count: 3, concurrency: 1 },
];
const MODES = ['always', 'never'] as const;

async function putBatch(client: S3Client, prefix: string, body: Buffer, w: Workload): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: w.concurrency }, async () => {
      while (next < w.count) {
        const i = next++;
        await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `${prefix}/${i}.bin`, Body: body, ContentLength: body.length }));
      }
    }),
  );
  return performance.now() - t0;
}

/** Runs the section; returns its markdown. */
export async function durabilitySection(args: BenchArgs): Promise<string> {
  const work = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'dg-bench-fsync-'));
  const clients: Record<string, S3Client> = {};
  const stops: (() => Promise<void>)[] = [];
  try {
    for (const mode of MODES) {
      const dataDir = join(work, mode);
      mkdirSync(dataDir);
      const p = await startProxy({ dataDir, env: { DGP_FSYNC: mode, DGP_TEMP_DIR: join(work, `${mode}-temp`) } });
      stops.push(p.stop);
      clients[mode] = s3Client(p.url);
      await clients[mode]!.send(new CreateBucketCommand({ Bucket: 'bench' }));
    }
    const rows: (string | number)[][] = [];
    for (const w of WORKLOADS) {
      const body = randomBytes(w.size);
      const ops: Record<string, number[]> = { always: [], never: [] };
      for (let run = 0; run < args.runs; run++) {
        // Alternate which mode goes first, so neither always meets the warmer (or busier) moment.
        const order = run % 2 === 0 ? MODES : [...MODES].reverse();
        for (const mode of order) {
          const ms = await putBatch(clients[mode]!, `${w.size}-c${w.concurrency}-r${run}`, body, w);
          ops[mode]!.push((w.count * 1000) / ms);
        }
      }
      const always = median(ops.always!);
      const never = median(ops.never!);
      const mbs = (o: number): string => fmt((o * w.size) / MiB, 1);
      log(`durability ${w.label} x${w.count} c${w.concurrency}: always ${fmt(always)} PUT/s, never ${fmt(never)} PUT/s`);
      rows.push([`${w.label} x ${w.count}`, w.concurrency, fmt(always), mbs(always), fmt(never), mbs(never), `${fmt(always / never, 2)}x`]);
    }
    return [
      'PUT through the reverse proxy on the embedded filesystem store (ext4 here), passthrough keys (`.bin`), `DGP_FSYNC=always` (default: file data fdatasync\'d before publish, directories fsync\'d after, before the 200) against `DGP_FSYNC=never`, two proxies side by side with alternating batches; medians of the runs.',
      '',
      table(['objects', 'concurrency', 'always PUT/s', 'always MB/s', 'never PUT/s', 'never MB/s', 'always / never'], rows),
    ].join('\n');
  } finally {
    for (const c of Object.values(clients)) c.destroy();
    for (const stop of stops) await stop();
    rmSync(work, { recursive: true, force: true });
  }
}
