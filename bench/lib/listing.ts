/**
 * Section "listing" (issue 22): ListObjectsV2 over a prefix of many small delta objects
 * (versions of 4-16 KiB files across 20 deltaspaces, written with the engine inline),
 * against the backend's own listing of the same prefix: through the reverse proxy over
 * s3rver (cold = a new proxy process, warm = the same one again), and on the embedded
 * filesystem store (cold = a new engine, against the store's own listing of its
 * directory). Full pagination and MaxKeys=1. HEADs per listing are counted: through the
 * proxy by a counting hop between it and s3rver (an extra, un-timed pass), on the embedded
 * store by a counting wrapper. "no index" is today's path without an index (objects the
 * other DeltaGlider tools wrote): one HEAD per delta object, which then rebuilds it.
 *
 * DG_BENCH_LISTING_OBJECTS=100000 runs the large size (slow to generate on 2 cores).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HeadBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createCodec, DeltaGliderEngine, FileSystemStore, S3Store, type ObjectStore } from '../../src/index.js';
import { listingIndexKeyOf } from '../../src/core/format/listing-index.js';
import { mapLimit } from '../../src/core/concurrency.js';
import { fmt, log, median, table, type BenchArgs } from './common.js';
import { CREDENTIALS, s3Client, startProxy, startS3rver } from './servers.js';

const SPACES = 20;
/**
 * Inline encoding, and no compactor: its startup scan for pending objects HEADs every
 * eligible passthrough object once per process start (compactor.ts), a cost of its own
 * that would be counted here as the listing's.
 */
const PROXY_ENV = { DGP_ENCODE: 'inline', DGP_COMPACTOR_CONCURRENCY: '0' };
const PREFIX = 'list/';
const BUCKET = 'bench';

interface Row {
  backend: string;
  objects: number;
  what: string;
  ms: number;
  backendMs: number;
  heads: number | undefined;
}

function spaceOf(i: number): string {
  return `${PREFIX}ds-${String(i % SPACES).padStart(2, '0')}`;
}

/** Writes `count` small delta-eligible versions across SPACES deltaspaces with the engine inline. */
async function generate(store: ObjectStore, count: number): Promise<void> {
  const engine = new DeltaGliderEngine({ store, codec: createCodec(), minDeltaSize: 0 });
  const bases = Array.from({ length: SPACES }, () => randomBytes(16 * 1024));
  const t0 = Date.now();
  // The first of each deltaspace seeds its reference alone, then the rest in parallel.
  const order = Array.from({ length: count }, (_, i) => i);
  const write = async (i: number): Promise<void> => {
    const base = bases[i % SPACES] as Buffer;
    const size = 4096 + ((i * 2654435761) % (12 * 1024));
    const v = Buffer.from(base.subarray(0, size));
    v.writeUInt32BE(i, Math.min(64, size - 4));
    await engine.putObject({ bucket: BUCKET, key: `${spaceOf(i)}/app-1.${Math.floor(i / SPACES)}.0.zip`, body: Readable.from([v]), contentLength: v.length });
  };
  await mapLimit(order.slice(0, SPACES), 4, write);
  await mapLimit(order.slice(SPACES), 8, write);
  await engine.close();
  log(`listing: ${count} objects written on ${store.description} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

async function deleteIndexes(store: ObjectStore): Promise<void> {
  for (let s = 0; s < SPACES; s++) await store.deleteObject(BUCKET, listingIndexKeyOf(spaceOf(s)));
}

/** Full ListObjectsV2 pagination over PREFIX; returns ms and keys. */
async function listFull(client: S3Client): Promise<{ ms: number; keys: number }> {
  const t0 = performance.now();
  let token: string | undefined;
  let keys = 0;
  do {
    const r = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX, ContinuationToken: token }));
    keys += r.KeyCount ?? 0;
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return { ms: performance.now() - t0, keys };
}

async function listOne(client: S3Client): Promise<number> {
  const t0 = performance.now();
  const r = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX, MaxKeys: 1 }));
  if ((r.KeyCount ?? 0) !== 1) throw new Error('MaxKeys=1 listed no key');
  return performance.now() - t0;
}

/** An HTTP hop in front of s3rver that counts the HEAD requests passing through. */
async function countingHop(target: string): Promise<{ url: string; heads: () => number; reset: () => void; close: () => Promise<void> }> {
  const to = new URL(target);
  let heads = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === 'HEAD') heads++;
    const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, heads: () => heads, reset: () => (heads = 0), close: () => new Promise((r) => server.close(() => r())) };
}

/** A client of a just-started proxy, after one HeadBucket: "cold" means nothing cached about the listing, not a cold connection. */
async function connected(url: string): Promise<S3Client> {
  const client = s3Client(url);
  await client.send(new HeadBucketCommand({ Bucket: BUCKET }));
  return client;
}

/** A store counting its HEADs. */
function countingStore(store: ObjectStore): { store: ObjectStore; heads: () => number } {
  let heads = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'headObject') return (...a: Parameters<ObjectStore['headObject']>) => (heads++, target.headObject(...a));
      const v: unknown = Reflect.get(target, prop);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: wrapped, heads: () => heads };
}

async function viaProxy(args: BenchArgs, count: number): Promise<Row[]> {
  const s3 = await startS3rver();
  const rows: Row[] = [];
  const direct = s3Client(s3.endpoint);
  const store = new S3Store({ endpoint: s3.endpoint, credentials: CREDENTIALS, forcePathStyle: true });
  try {
    await generate(store, count);
    const backendFull = median(await sequence(args.runs, async () => (await listFull(direct)).ms));
    const backendOne = median(await sequence(args.runs, () => listOne(direct)));
    const backendKeys = (await listFull(direct)).keys;
    log(`listing s3rver direct: ${backendKeys} backend keys, full ${fmt(backendFull, 0)} ms, MaxKeys=1 ${fmt(backendOne, 1)} ms`);

    // HEADs per listing (un-timed pass through a counting hop): no index, then cold and warm with it.
    const hop = await countingHop(s3.endpoint);
    const heads: Record<string, number> = {};
    const countedPass = async (phases: string[]): Promise<void> => {
      const p = await startProxy({ s3Endpoint: hop.url, env: PROXY_ENV });
      const client = s3Client(p.url);
      for (const phase of phases) {
        hop.reset();
        await listFull(client);
        heads[phase] = hop.heads();
      }
      await p.stop(); // writes what the listing learned into the index
      client.destroy();
    };
    await deleteIndexes(store);
    await countedPass(['no index']);
    await countedPass(['cold', 'warm']);
    await hop.close();

    const noIndex: number[] = [];
    const coldFull: number[] = [];
    const warmFull: number[] = [];
    const coldOne: number[] = [];
    const warmOne: number[] = [];
    for (let run = 0; run < args.runs; run++) {
      await deleteIndexes(store);
      const a = await startProxy({ s3Endpoint: s3.endpoint, env: PROXY_ENV });
      const ca = await connected(a.url);
      noIndex.push((await listFull(ca)).ms);
      await a.stop(); // writes the index back
      ca.destroy();
      const b = await startProxy({ s3Endpoint: s3.endpoint, env: PROXY_ENV });
      const cb = await connected(b.url);
      coldFull.push((await listFull(cb)).ms);
      warmFull.push((await listFull(cb)).ms);
      warmOne.push(await listOne(cb));
      await b.stop();
      cb.destroy();
      const c = await startProxy({ s3Endpoint: s3.endpoint, env: PROXY_ENV });
      const cc = await connected(c.url);
      coldOne.push(await listOne(cc));
      await c.stop();
      cc.destroy();
    }
    const row = (what: string, ms: number[], backendMs: number, h: number | undefined): Row => ({ backend: 'proxy over s3rver', objects: count, what, ms: median(ms), backendMs, heads: h });
    rows.push(
      row('full pagination, no index (other tools\' objects; rebuilds it)', noIndex, backendFull, heads['no index']),
      row('full pagination, cold (new proxy process)', coldFull, backendFull, heads.cold),
      row('full pagination, warm', warmFull, backendFull, heads.warm),
      row('MaxKeys=1, cold (new proxy process)', coldOne, backendOne, undefined),
      row('MaxKeys=1, warm', warmOne, backendOne, undefined),
    );
  } finally {
    direct.destroy();
    store.client.destroy();
    await s3.stop();
  }
  return rows;
}

async function embedded(args: BenchArgs, count: number): Promise<Row[]> {
  const dir = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'dg-bench-list-'));
  try {
    const store = new FileSystemStore(dir);
    await store.createBucket(BUCKET);
    await generate(store, count);
    const backendList = async (maxKeys: number, all: boolean): Promise<number> => {
      const t0 = performance.now();
      let after: string | undefined;
      for (;;) {
        const page = await store.listObjects(BUCKET, { prefix: PREFIX, startAfter: after, maxKeys });
        if (!all || !page.isTruncated) break;
        after = page.nextStartAfter;
      }
      return performance.now() - t0;
    };
    const backendFull = median(await sequence(args.runs, () => backendList(1000, true)));
    const backendOne = median(await sequence(args.runs, () => backendList(1, false)));
    const engineList = async (engine: DeltaGliderEngine, maxKeys: number, all: boolean): Promise<number> => {
      const t0 = performance.now();
      let token: string | undefined;
      do {
        const page = await engine.listObjects({ bucket: BUCKET, prefix: PREFIX, maxKeys, continuationToken: token });
        token = all && page.isTruncated ? page.nextContinuationToken : undefined;
      } while (token);
      return performance.now() - t0;
    };
    const series: Record<string, { ms: number[]; heads: number[] }> = {};
    const note = (what: string, ms: number, heads: number): void => {
      const s = (series[what] ??= { ms: [], heads: [] });
      s.ms.push(ms);
      s.heads.push(heads);
    };
    for (let run = 0; run < args.runs; run++) {
      await deleteIndexes(store);
      const a = countingStore(store);
      const ea = new DeltaGliderEngine({ store: a.store, codec: createCodec() });
      note('full pagination, no index (other tools\' objects; rebuilds it)', await engineList(ea, 1000, true), a.heads());
      await ea.close();
      const b = countingStore(store);
      const eb = new DeltaGliderEngine({ store: b.store, codec: createCodec() });
      note('full pagination, cold (new engine)', await engineList(eb, 1000, true), b.heads());
      const before = b.heads();
      note('full pagination, warm', await engineList(eb, 1000, true), b.heads() - before);
      const beforeOne = b.heads();
      note('MaxKeys=1, warm', await engineList(eb, 1, false), b.heads() - beforeOne);
      await eb.close();
      const c = countingStore(store);
      const ec = new DeltaGliderEngine({ store: c.store, codec: createCodec() });
      note('MaxKeys=1, cold (new engine)', await engineList(ec, 1, false), c.heads());
      await ec.close();
    }
    return Object.entries(series).map(([what, s]) => ({ backend: 'embedded filesystem store', objects: count, what, ms: median(s.ms), backendMs: what.startsWith('MaxKeys') ? backendOne : backendFull, heads: median(s.heads) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sequence(n: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

/** Runs the section; returns its rows. */
export async function listingSection(args: BenchArgs): Promise<Row[]> {
  const count = Number(process.env.DG_BENCH_LISTING_OBJECTS ?? 3000);
  const rows = [...(await viaProxy(args, count)), ...(await embedded(args, count))];
  for (const r of rows) log(`listing ${r.backend} ${r.what}: ${fmt(r.ms, 1)} ms vs backend ${fmt(r.backendMs, 1)} ms, HEADs ${r.heads ?? '-'}`);
  return rows;
}

/** Markdown and targets of the section. */
export function listingReport(rows: Row[]): { md: string; cold: { met: boolean; detail: string }; warm: { met: boolean; detail: string } } {
  const x = (r: Row): number => r.ms / r.backendMs;
  const cold = rows.filter((r) => r.what.includes('cold'));
  const warm = rows.filter((r) => r.what.includes('warm'));
  const detail = (rs: Row[]): string => rs.map((r) => `${r.backend}, ${r.what.replace(/ \(.*\)/, '')}: ${fmt(x(r), 2)}x`).join('; ');
  const md = [
    `ListObjectsV2 over \`${PREFIX}\` (${rows[0]?.objects ?? '?'} delta objects, 4-16 KiB versions across ${SPACES} deltaspaces, written inline), against the backend's own listing of the same prefix (s3rver straight; the filesystem store's own paged listing of its directory). Medians of the runs; HEADs are those one listing sent to the backend (through the proxy: counted on an extra pass by a counting hop in front of s3rver). Cold: a new proxy process (after one HeadBucket, so the connection is up) or a new engine, nothing cached; the proxies run with DGP_COMPACTOR_CONCURRENCY=0, since the compactor's startup scan HEADs each eligible passthrough object once per start on its own account.`,
    '',
    table(
      ['backend', 'listing', 'ms', 'backend ms', 'x backend', 'HEADs'],
      rows.map((r) => [r.backend, r.what, fmt(r.ms, 1), fmt(r.backendMs, 1), `${fmt(x(r), 2)}x`, r.heads ?? '-']),
    ),
  ].join('\n');
  return { md, cold: { met: cold.every((r) => x(r) <= 1.5), detail: detail(cold) }, warm: { met: warm.every((r) => x(r) <= 1.2), detail: detail(warm) } };
}
