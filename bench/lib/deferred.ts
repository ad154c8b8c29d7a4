/**
 * Section "deferred": deferred encoding against inline, through the reverse proxy over
 * s3rver and over its filesystem store, on an executable family (esbuild-bin) and
 * ts-tar, concurrency 1 and 8, all in one run so the ratios compare like with like:
 * - PUT (acknowledged) MB/s: straight to the backend, passthrough through the proxy,
 *   deferred through the proxy, inline through the proxy;
 * - time from acknowledgement to "stored as delta" (x-amz-storage-type polled per key);
 * - stored bytes after compaction against the inline figure (/_/stats);
 * - GET latency of a small object while the compactor works against idle.
 */
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BENCH_DIR, familyFiles, fmt, log, mbps, median, ratio, startJsonChild, table, type BenchArgs } from './common.js';
import { s3Client, startProxy, startS3rver, type Running } from './servers.js';

const FAMILIES = ['esbuild-bin', 'ts-tar'] as const;
const BACKENDS = ['s3rver', 'filesystem'] as const;
const CONC = [1, 8] as const;
/**
 * Versions per family: the baseline plus four (the machine is 2 shared cores; compaction
 * of the rest would only lengthen the run, not change the ratios).
 */
const VERSIONS = 5;
/** GETs of the probe object per latency sample set. */
const LATENCY_PROBES = 40;

export interface DeferredRow {
  family: string;
  backend: string;
  conc: number;
  directMBps: number;
  passthroughMBps: number;
  deferredMBps: number;
  inlineMBps: number;
  /** ms from a PUT's acknowledgement until HEAD says delta: median and max over the versions. */
  lagMedianMs: number;
  lagMaxMs: number;
  storedDeferred: number;
  storedInline: number;
  original: number;
  getIdleMs: number;
  getBusyMs: number;
}

async function batch(keys: string[], conc: number, fn: (k: string, i: number) => Promise<number>): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  let bytes = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(conc, keys.length) }, async () => {
      for (let i = next++; i < keys.length; i = next++) bytes += await fn(keys[i] as string, i);
    }),
  );
  return { bytes, ms: performance.now() - t0 };
}

async function put(client: S3Client, key: string, body: Buffer): Promise<number> {
  await client.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: body, ContentLength: body.length }));
  return body.length;
}

async function getLatencies(client: S3Client, key: string, n: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
    await r.Body!.transformToByteArray();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function storageType(url: string, key: string): Promise<string | null> {
  const r = await fetch(`${url}/bench/${key}`, { method: 'HEAD' });
  return r.headers.get('x-amz-storage-type');
}

/** Stored bytes of the `bench` bucket (the direct PUTs have a bucket of their own). */
async function storedBytes(url: string): Promise<{ stored: number; original: number }> {
  const r = (await (await fetch(`${url}/_/stats`)).json()) as { buckets: { bucket: string; storedBytes: number; originalBytes: number }[] };
  const b = r.buckets.find((x) => x.bucket === 'bench');
  return { stored: b?.storedBytes ?? 0, original: b?.originalBytes ?? 0 };
}

/** A fresh backend (s3rver child, or a data directory) for one measurement. */
async function backendFor(kind: (typeof BACKENDS)[number], work: string, label: string): Promise<{ s3?: Running; dataDir?: string; direct(key: string, body: Buffer): Promise<number>; stop(): Promise<void> }> {
  if (kind === 's3rver') {
    const s3 = await startS3rver();
    const client = s3Client(s3.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'bench' })).catch(() => undefined); // the s3rver child may have made it
    return {
      s3,
      // Its own bucket: the proxy's /_/stats must not count these bytes.
      direct: async (key, body) => {
        await client.send(new CreateBucketCommand({ Bucket: 'direct' })).catch(() => undefined);
        await client.send(new PutObjectCommand({ Bucket: 'direct', Key: key, Body: body, ContentLength: body.length }));
        return body.length;
      },
      async stop() {
        client.destroy();
        await s3.stop();
      },
    };
  }
  const dataDir = join(work, `${label}-data`);
  const copyDir = join(work, `${label}-copy`);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(copyDir, { recursive: true });
  // Like for like: the same SDK PUTs over HTTP to a minimal durable file server (MD5,
  // write, fdatasync, rename, directory fsync: what DGP_FSYNC=always does, without S3).
  const files = await startJsonChild([join(BENCH_DIR, 'lib', 'file-server-child.mjs'), copyDir]);
  const client = s3Client(files.info.endpoint as string);
  return {
    dataDir,
    async direct(key, body) {
      await client.send(new PutObjectCommand({ Bucket: 'direct', Key: key, Body: body, ContentLength: body.length }));
      return body.length;
    },
    async stop() {
      client.destroy();
      await files.stop();
    },
  };
}

async function measure(family: string, kind: (typeof BACKENDS)[number], conc: number, files: Buffer[], work: string, inline: { mbps: number; stored: number } | undefined, drain: boolean): Promise<{ row: DeferredRow; inline: { mbps: number; stored: number } }> {
  const label = `${family}-${kind}-c${conc}`;
  const [seed, ...later] = files as [Buffer, ...Buffer[]];
  const keys = later.map((_, i) => `v${String(i + 1).padStart(2, '0')}`);
  const original = later.reduce((n, b) => n + b.length, 0);

  // Straight to the backend, same bytes, same concurrency.
  const be = await backendFor(kind, work, label);
  const direct = await batch(keys, conc, (k, i) => be.direct(`${k}.tar`, later[i] as Buffer));

  // Deferred proxy: passthrough PUT (ineligible name), then the deferred PUT of the eligible one.
  const proxy = await startProxy({ s3Endpoint: be.s3?.endpoint, dataDir: be.dataDir, env: { DGP_ENCODE: 'deferred', DGP_COMPACTOR_SCAN_SECONDS: '0' } });
  const client = s3Client(proxy.url);
  await client.send(new CreateBucketCommand({ Bucket: 'bench' })).catch(() => undefined);
  const pt = await batch(keys, conc, (k, i) => put(client, `pt/${k}.dat`, later[i] as Buffer));
  await put(client, 'def/v00.tar', seed); // the baseline, at once (not timed)
  await put(client, 'probe.dat', seed.subarray(0, 256 * 1024));
  const acked = new Map<string, number>();
  const def = await batch(keys, conc, async (k, i) => {
    const n = await put(client, `def/${k}.tar`, later[i] as Buffer);
    acked.set(k, performance.now());
    return n;
  });
  // GET latency while the compactor works, then the lag of each object until it is a delta.
  const getBusyMs = await getLatencies(client, 'probe.dat', LATENCY_PROBES);
  const seen = new Map<string, number>();
  const deadline = Date.now() + 30 * 60_000;
  while (drain && seen.size < keys.length && Date.now() < deadline) {
    for (const k of keys) {
      if (seen.has(k)) continue;
      if ((await storageType(proxy.url, `def/${k}.tar`)) === 'delta') seen.set(k, performance.now());
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const lags = keys.map((k) => (seen.get(k) ?? Number.NaN) - (acked.get(k) as number));
  const getIdleMs = drain ? await getLatencies(client, 'probe.dat', LATENCY_PROBES) : Number.NaN;
  // Stored bytes of the deferred prefix: everything minus the passthrough copies and the probe.
  const stats = await storedBytes(proxy.url);
  const storedDeferred = drain ? stats.stored - original - 256 * 1024 : Number.NaN;
  client.destroy();
  await proxy.stop();
  await be.stop();

  let inlineRow = inline;
  if (!inlineRow) {
    const be2 = await backendFor(kind, work, `${label}-inline`);
    const p2 = await startProxy({ s3Endpoint: be2.s3?.endpoint, dataDir: be2.dataDir, env: { DGP_ENCODE: 'inline' } });
    const c2 = s3Client(p2.url);
    await c2.send(new CreateBucketCommand({ Bucket: 'bench' })).catch(() => undefined);
    await put(c2, 'def/v00.tar', seed);
    const r = await batch(keys, conc, (k, i) => put(c2, `def/${k}.tar`, later[i] as Buffer));
    inlineRow = { mbps: mbps(r.bytes, r.ms), stored: (await storedBytes(p2.url)).stored };
    c2.destroy();
    await p2.stop();
    await be2.stop();
  }
  const row: DeferredRow = {
    family,
    backend: kind,
    conc,
    directMBps: mbps(direct.bytes, direct.ms),
    passthroughMBps: mbps(pt.bytes, pt.ms),
    deferredMBps: mbps(def.bytes, def.ms),
    inlineMBps: inlineRow.mbps,
    lagMedianMs: median(lags),
    lagMaxMs: Math.max(...lags),
    storedDeferred,
    storedInline: inlineRow.stored,
    original: original + seed.length,
    getIdleMs,
    getBusyMs,
  };
  log(`deferred ${label}: ${JSON.stringify(row)}`);
  return { row, inline: inlineRow };
}

/** Runs every family x backend x concurrency (inline once per family and backend, at concurrency 1 and 8). */
export async function deferredSection(args: BenchArgs): Promise<DeferredRow[]> {
  const work = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'dg-bench-def-'));
  const rows: DeferredRow[] = [];
  try {
    for (const family of FAMILIES) {
      const files = familyFiles(args.data, family).slice(0, VERSIONS).map((f) => readFileSync(f));
      if (files.length < 2) throw new Error(`family ${family} missing from ${args.data}`);
      for (const kind of BACKENDS) {
        // Concurrency 1 runs everything (inline too) and waits for the compactor; concurrency 8
        // measures the acknowledged PUTs against the same inline figures.
        let inline: { mbps: number; stored: number } | undefined;
        for (const conc of CONC) {
          const r = await measure(family, kind, conc, files, work, inline, conc === 1);
          inline = r.inline;
          rows.push(r.row);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

/** RESULTS.md text and the targets of the section. */
export function deferredReport(rows: DeferredRow[]): { md: string; deferredPut: { met: boolean; detail: string }; ptVsDirect: { met: boolean; detail: string }; storage: { met: boolean; detail: string } } {
  const md = [
    `Through the reverse proxy, versions 2..${VERSIONS} of each family (the first is the baseline, stored at once), MB/s of acknowledged PUTs; "direct" is the same SDK PUTs straight to s3rver, or, for the filesystem store, to a minimal HTTP file server with the embedded store's default durability (MD5, write, fdatasync, rename, directory fsync: bench/lib/file-server-child.mjs). "inline" is measured at concurrency 1. The time to "stored as delta", the stored bytes and the GET latency (256 KiB passthrough object, median of ${LATENCY_PROBES}) while the compactor works are measured at concurrency 1, where the run waits for the compactor; at 8 only the acknowledged PUTs are.`,
    '',
    table(
      ['family', 'backend', 'conc', 'direct', 'passthrough', 'deferred', 'inline (c1)', 'deferred / passthrough', 'passthrough / direct', 'inline / passthrough', 'ack -> delta median / max (s)', 'stored deferred / inline', 'GET busy / idle (ms)'],
      rows.map((r) => [
        r.family,
        r.backend,
        r.conc,
        fmt(r.directMBps),
        fmt(r.passthroughMBps),
        fmt(r.deferredMBps),
        fmt(r.inlineMBps),
        ratio(r.deferredMBps, r.passthroughMBps),
        ratio(r.passthroughMBps, r.directMBps),
        ratio(r.inlineMBps, r.passthroughMBps),
        Number.isFinite(r.lagMedianMs) ? `${fmt(r.lagMedianMs / 1000)} / ${fmt(r.lagMaxMs / 1000)}` : '—',
        Number.isFinite(r.storedDeferred) ? `${(r.storedDeferred / r.storedInline).toFixed(4)}` : '—',
        Number.isFinite(r.getIdleMs) ? `${fmt(r.getBusyMs)} / ${fmt(r.getIdleMs)}` : '—',
      ]),
    ),
  ].join('\n');
  const defOk = rows.filter((r) => r.deferredMBps >= 0.8 * r.passthroughMBps);
  const ptOk = rows.filter((r) => r.passthroughMBps >= 0.8 * r.directMBps);
  const drained = rows.filter((r) => Number.isFinite(r.storedDeferred));
  const stOk = drained.filter((r) => Math.abs(r.storedDeferred / r.storedInline - 1) <= 0.01);
  return {
    md,
    deferredPut: { met: defOk.length === rows.length, detail: `${defOk.length}/${rows.length} runs; lowest ${Math.min(...rows.map((r) => r.deferredMBps / r.passthroughMBps)).toFixed(2)}x` },
    ptVsDirect: { met: ptOk.length === rows.length, detail: `${ptOk.length}/${rows.length} runs; lowest ${Math.min(...rows.map((r) => r.passthroughMBps / r.directMBps)).toFixed(2)}x` },
    storage: { met: stOk.length === drained.length, detail: `${stOk.length}/${drained.length} runs within 1%; ${drained.map((r) => (r.storedDeferred / r.storedInline).toFixed(4)).join(', ')}` },
  };
}
