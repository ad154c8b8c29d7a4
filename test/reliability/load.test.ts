/**
 * Mixed load: 16 clients doing PUT/GET/LIST/DELETE against the proxy and the middleware,
 * each running as its own process (`node dist/reverse-proxy/cli.js`, and the middleware
 * in a node:http server), over the filesystem store and over s3rver (also its own
 * process). Zero errors (clients do not retry), zero corrupt reads, every LIST shows
 * exactly the client's live keys, and the server process's RSS (/proc/<pid>/status
 * VmRSS, sampled every 250 ms) is flat after warm-up: at the end at most
 * RSS_GROWTH_LIMIT_MIB above its value when the first quarter of the run ends.
 *
 * CI runs each target for 20 s; SOAK=1 for the 2 minutes the issue asks for, recorded
 * apart (`load-soak`) so the page shows both.
 */
import t from 'tap';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { versions } from '../helpers/data.js';
import { procMem } from '../../bench/lib/common.js';
import { startMiddleware, startProxy, startS3rver, type Running } from '../../bench/lib/servers.js';
import { clientFor, getBytes, recordResults, ROOT, SOAK, sleep } from './helpers.js';

const BUCKET = 'load';
const DURATION_MS = SOAK ? 120_000 : 20_000;
const CLIENTS = 16;
/** How far the server's RSS may end above its value at the end of warm-up (the first quarter). */
const RSS_GROWTH_LIMIT_MIB = 64;
const MIB = 1024 * 1024;
const TARGETS = ['proxy/filesystem', 'proxy/s3rver', 'middleware/filesystem', 'middleware/s3rver'] as const;
const BUILT = existsSync(join(ROOT, 'dist', 'reverse-proxy', 'cli.js')) && existsSync(join(ROOT, 'dist', 'middleware', 'index.js'));

const family = versions(32 * 1024, 16, 51);
const rows: string[] = [];
const totals = { requests: 0, puts: 0, gets: 0, lists: 0, deletes: 0, errors: 0, corruptReads: 0, wrongListings: 0 };

/** The server under test in its own process, over a data directory or an s3rver child. */
async function startTarget(kind: (typeof TARGETS)[number]): Promise<{ server: Running; close(): Promise<void> }> {
  const [way, backend] = kind.split('/') as ['proxy' | 'middleware', 'filesystem' | 's3rver'];
  const dataDir = backend === 'filesystem' ? mkdtempSync(join(tmpdir(), 'dg-rel-load-')) : undefined;
  const s3 = backend === 's3rver' ? await startS3rver() : undefined;
  const server =
    way === 'proxy'
      ? await startProxy({ s3Endpoint: s3?.endpoint, dataDir })
      : await startMiddleware(s3 ? 's3' : 'fs', (s3?.endpoint ?? dataDir) as string);
  return {
    server,
    async close() {
      await server.stop();
      await s3?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Samples a process's VmRSS until stopped. */
function sampleRss(pid: number, everyMs = 250): { at(ms: number): number; peakAfter(ms: number): number; stop(): void; samples: { ms: number; rss: number }[] } {
  const t0 = Date.now();
  const samples: { ms: number; rss: number }[] = [];
  const tick = (): void => void samples.push({ ms: Date.now() - t0, rss: procMem(pid).rss });
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    samples,
    /** The last sample taken at or before `ms`. */
    at: (ms) => [...samples].reverse().find((s) => s.ms <= ms)?.rss ?? 0,
    peakAfter: (ms) => Math.max(0, ...samples.filter((s) => s.ms >= ms).map((s) => s.rss)),
    stop: () => {
      clearInterval(timer);
      tick();
    },
  };
}

/**
 * One client: owns its keys, so every read and every listing has one right answer. It runs
 * until `until`, and at least one whole cycle (4 PUT, 4 GET, LIST, DELETE) however slow
 * the machine is: the figures are counts, not speeds.
 */
async function client(s3: S3Client, c: number, until: number, figures: typeof totals, errors: string[]): Promise<void> {
  const mine = new Map<string, Buffer>();
  const prefix = `c${c % 4}/k${c}-`;
  for (let n = 0; Date.now() < until || n < 10; n++) {
    const op = n % 10;
    const key = `${prefix}${n % 6}.zip`;
    try {
      if (op < 4) {
        const body = family[(c + n) % family.length] as Buffer;
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        mine.set(key, body);
        figures.puts++;
      } else if (op < 8) {
        const [k, want] = [...mine.entries()][n % Math.max(1, mine.size)] ?? [];
        if (!k || !want) continue;
        const got = await getBytes(s3, BUCKET, k);
        figures.gets++;
        if (got.status !== 200) {
          figures.errors++;
          errors.push(`GET ${k}: ${got.status} ${got.code}`);
        } else if (!got.body?.equals(want)) figures.corruptReads++;
      } else if (op === 8) {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
        figures.lists++;
        const got = (listed.Contents ?? []).map((o) => `${o.Key}:${o.Size}`).sort();
        const want = [...mine.entries()].map(([k, b]) => `${k}:${b.length}`).sort();
        if (got.join() !== want.join()) {
          figures.wrongListings++;
          errors.push(`LIST ${prefix}: ${got.join(' ')} != ${want.join(' ')}`);
        }
      } else {
        await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        mine.delete(key);
        figures.deletes++;
      }
      figures.requests++;
    } catch (err) {
      figures.errors++;
      errors.push(`${['PUT', 'PUT', 'PUT', 'PUT', 'GET', 'GET', 'GET', 'GET', 'LIST', 'DELETE'][op]} ${key}: ${(err as Error).name} ${(err as Error).message}`);
    }
  }
}

for (const kind of TARGETS) {
  t.test(`mixed load on ${kind}, server in its own process`, { skip: BUILT ? false : 'needs the build (npm run build): dist/' }, async (t) => {
    const target = await startTarget(kind);
    t.teardown(() => target.close());
    // No client retries: every 5xx counts as an error.
    const s3 = clientFor(target.server.url, undefined, 1);
    t.teardown(() => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const figures = { requests: 0, puts: 0, gets: 0, lists: 0, deletes: 0, errors: 0, corruptReads: 0, wrongListings: 0 };
    const errors: string[] = [];
    const rss = sampleRss(target.server.pid);
    const until = Date.now() + DURATION_MS;
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(s3, c, until, figures, errors)));
    await sleep(500);
    rss.stop();
    const warmMs = DURATION_MS / 4;
    const warm = rss.at(warmMs);
    const peak = rss.peakAfter(warmMs);
    const end = rss.samples[rss.samples.length - 1]?.rss ?? 0;
    t.equal(figures.errors, 0, `no errors ${errors.slice(0, 5).join(' | ')}`);
    t.equal(figures.corruptReads, 0, 'no corrupt reads');
    t.equal(figures.wrongListings, 0, 'every LIST showed exactly the live keys');
    t.ok(figures.puts >= CLIENTS * 4 && figures.gets >= CLIENTS * 4 && figures.lists >= CLIENTS && figures.deletes >= CLIENTS, `every client ran whole cycles: ${figures.requests} requests in ${DURATION_MS / 1000} s`);
    t.ok(warm > 0 && end > 0, `RSS sampled (${rss.samples.length} samples of pid ${target.server.pid})`);
    t.ok(end <= warm + RSS_GROWTH_LIMIT_MIB * MIB, `RSS flat after warm-up: ${Math.round(warm / MIB)} MiB at ${warmMs / 1000} s -> ${Math.round(end / MIB)} MiB at the end (peak ${Math.round(peak / MIB)} MiB; limit +${RSS_GROWTH_LIMIT_MIB} MiB)`);
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += figures[k];
    const mib = (bytes: number): number => Math.round(bytes / MIB);
    rows.push(`| ${kind} | ${DURATION_MS / 1000} | ${figures.requests} | ${figures.puts} / ${figures.gets} / ${figures.lists} / ${figures.deletes} | ${figures.errors} | ${figures.corruptReads} | ${figures.wrongListings} | ${mib(warm)} / ${mib(rss.at(DURATION_MS / 2))} / ${mib(rss.at((DURATION_MS * 3) / 4))} / ${mib(end)} | ${mib(peak)} |`);
  });
}

t.teardown(() => {
  if (rows.length === 0) return;
  recordResults(SOAK ? 'load-soak' : 'load', {
    'duration per target (s)': DURATION_MS / 1000,
    clients: CLIENTS,
    requests: totals.requests,
    'PUT / GET / LIST / DELETE': `${totals.puts} / ${totals.gets} / ${totals.lists} / ${totals.deletes}`,
    'errors (clients do not retry)': totals.errors,
    'corrupt reads': totals.corruptReads,
    'LISTs not showing exactly the live keys': totals.wrongListings,
  }, [
    `Criterion for "RSS flat after warm-up": RSS at the end at most ${RSS_GROWTH_LIMIT_MIB} MiB above the RSS when the first quarter of the run ends. Proxy: \`node dist/reverse-proxy/cli.js\` (bench/lib/servers.ts); middleware: bench/lib/middleware-child.mjs in a node:http server; s3rver: bench/lib/s3rver-child.mjs. Each LIST is checked to show exactly the client's live keys and sizes.`,
  ], [
    'Per target (the server in its own process; RSS = its /proc/<pid>/status VmRSS in MiB, the node process with its TypeScript codec workers; xdelta3 children, used only with DGP_CODEC=xdelta3, apart):',
    '',
    '| target | s | requests | PUT / GET / LIST / DELETE | errors | corrupt | wrong LIST | RSS at 25% / 50% / 75% / end | peak after warm-up |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ]);
});
