/**
 * Section 2: PUT/GET MB/s through each surface against the same backend without us,
 * passthrough vs delta objects, warm vs cold reference, concurrency 1 and 8.
 * Passthrough and delta objects carry the same bytes (ts-tar versions); only the key
 * extension differs (`.dat` is not delta-eligible, `.tar` is).
 */
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { deltaGlider } from '../../src/sdk-plugin/index.js';
import { familyFiles, fmt, log, mbps, median, ratio, table, type BenchArgs } from './common.js';
import { s3Client, startMiddleware, startProxy, startS3rver, type Running } from './servers.js';

type Op = 'PUT pt' | 'PUT delta' | 'GET pt' | 'GET delta warm' | 'GET delta cold';
const OPS: Op[] = ['PUT pt', 'PUT delta', 'GET pt', 'GET delta warm', 'GET delta cold'];
const CONC = [1, 8] as const;

/** What the benchmark needs from a surface. */
interface Surface {
  name: string;
  backend: 's3rver' | 'filesystem';
  delta: boolean;
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<number>;
  /** Drops every cached reference (new process / new plugin instance). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of body) n += c.length;
  return n;
}

function clientSurface(name: string, backend: Surface['backend'], delta: boolean, make: () => Promise<{ client: S3Client; stop?: () => Promise<void> }>): Promise<Surface> {
  return (async () => {
    let cur = await make();
    return {
      name,
      backend,
      delta,
      async put(key, body) {
        await cur.client.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: body, ContentLength: body.length }));
      },
      async get(key) {
        const r = await cur.client.send(new GetObjectCommand({ Bucket: 'bench', Key: key }));
        return drain(r.Body as AsyncIterable<Uint8Array>);
      },
      async restart() {
        cur.client.destroy();
        await cur.stop?.();
        cur = await make();
      },
      async close() {
        cur.client.destroy();
        await cur.stop?.();
      },
    } satisfies Surface;
  })();
}

function fsDirect(dir: string): Surface {
  return {
    name: 'direct filesystem copy',
    backend: 'filesystem',
    delta: false,
    async put(key, body) {
      const p = join(dir, key.replace(/\//g, '_'));
      await writeFile(p, body);
    },
    async get(key) {
      return drain(createReadStream(join(dir, key.replace(/\//g, '_')), { highWaterMark: 1 << 20 }));
    },
    async restart() {},
    async close() {},
  };
}

async function timedBatch(keys: string[], conc: number, fn: (k: string) => Promise<number>): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  let bytes = 0;
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: Math.min(conc, keys.length) }, async () => {
      for (let k = queue.shift(); k !== undefined; k = queue.shift()) bytes += await fn(k);
    }),
  );
  return { bytes, ms: performance.now() - t0 };
}

export interface ThroughputResult {
  surfaces: { name: string; backend: string; delta: boolean }[];
  /** surface -> op -> conc -> MB/s samples */
  samples: Record<string, Record<string, Record<number, number[]>>>;
  objectBytes: number[];
}

export async function throughputSection(args: BenchArgs): Promise<ThroughputResult> {
  const files = familyFiles(args.data, 'ts-tar');
  const seed = readFileSync(files[0]!);
  const objs = files.slice(1, 9).map((f) => readFileSync(f));
  const c1 = 2; // objects per concurrency-1 batch
  const work = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'dg-bench-tp-'));
  const s3 = await startS3rver();
  const direct = s3Client(s3.endpoint);
  const fsDir = join(work, 'proxy-fs');
  mkdirSync(fsDir);
  mkdirSync(join(work, 'direct-fs'));
  const surfaces: Surface[] = [
    await clientSurface('direct s3rver', 's3rver', false, async () => ({ client: s3Client(s3.endpoint) })),
    await clientSurface('reverse proxy', 's3rver', true, async () => {
      const p = await startProxy({ s3Endpoint: s3.endpoint });
      return { client: s3Client(p.url), stop: p.stop };
    }),
    await clientSurface('middleware', 's3rver', true, async () => {
      const m = await startMiddleware('s3', s3.endpoint);
      return { client: s3Client(m.url), stop: m.stop };
    }),
    await clientSurface('SDK plugin', 's3rver', true, async () => {
      const c = s3Client(s3.endpoint);
      c.middlewareStack.use(deltaGlider({ tempDir: join(work, `sdk-tmp-${Date.now()}`) }));
      return { client: c };
    }),
    fsDirect(join(work, 'direct-fs')),
    await clientSurface('reverse proxy', 'filesystem', true, async () => {
      const p = await startProxy({ dataDir: fsDir });
      const c = s3Client(p.url);
      await c.send(new CreateBucketCommand({ Bucket: 'bench' })).catch(() => {});
      return { client: c, stop: p.stop };
    }),
  ];
  const samples: ThroughputResult['samples'] = {};
  const add = (s: Surface, op: Op, conc: number, r: { bytes: number; ms: number }): void => {
    const id = `${s.name} (${s.backend})`;
    ((samples[id] ??= {})[op] ??= {})[conc] ??= [];
    samples[id]![op]![conc]!.push(mbps(r.bytes, r.ms));
  };
  try {
    for (let run = 0; run < args.runs; run++) {
      for (const s of surfaces) {
        const t0 = performance.now();
        const p = `tp/r${run}/${s.name.replace(/\W+/g, '-')}-${s.backend}`;
        const keyed = (sub: string, ext: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${p}/${sub}/${String(i + 1).padStart(2, '0')}.${ext}`);
        const bodyOf = (k: string): Buffer => objs[Number(/(\d\d)\.\w+$/.exec(k)![1]) - 1]!;
        const put = async (k: string): Promise<number> => {
          const b = bodyOf(k);
          await s.put(k, b);
          return b.length;
        };
        for (const conc of CONC) {
          const n = conc === 1 ? c1 : 8;
          add(s, 'PUT pt', conc, await timedBatch(keyed(`pt${conc}`, 'dat', n), conc, put));
          if (s.delta) {
            await s.put(`${p}/dl${conc}/00.tar`, seed); // creates the reference (untimed)
            add(s, 'PUT delta', conc, await timedBatch(keyed(`dl${conc}`, 'tar', n), conc, put));
          }
        }
        for (const conc of CONC) {
          const n = conc === 1 ? c1 : 8;
          add(s, 'GET pt', conc, await timedBatch(keyed(`pt${conc}`, 'dat', n), conc, (k) => s.get(k)));
          if (s.delta) {
            await s.get(keyed(`dl${conc}`, 'tar', 1)[0]!); // reference now cached
            add(s, 'GET delta warm', conc, await timedBatch(keyed(`dl${conc}`, 'tar', n), conc, (k) => s.get(k)));
          }
        }
        if (s.delta) {
          // cold, concurrency 1: a fresh instance before every object
          let bytes = 0;
          let ms = 0;
          for (const k of keyed('dl1', 'tar', c1)) {
            await s.restart();
            const r = await timedBatch([k], 1, (x) => s.get(x));
            bytes += r.bytes;
            ms += r.ms;
          }
          add(s, 'GET delta cold', 1, { bytes, ms });
          await s.restart();
          add(s, 'GET delta cold', 8, await timedBatch(keyed('dl8', 'tar', 8), 8, (k) => s.get(k)));
        }
        // free the backend space used by this round
        if (s.backend === 's3rver') {
          let token: string | undefined;
          do {
            const page = await direct.send(new ListObjectsV2Command({ Bucket: 'bench', Prefix: `${p}/`, ContinuationToken: token }));
            const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
            if (keys.length) await direct.send(new DeleteObjectsCommand({ Bucket: 'bench', Delete: { Objects: keys } }));
            token = page.NextContinuationToken;
          } while (token);
        }
        log(`throughput run ${run + 1}/${args.runs}: ${s.name} (${s.backend}) ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
      rmSync(join(work, 'direct-fs'), { recursive: true, force: true });
      mkdirSync(join(work, 'direct-fs'));
    }
  } finally {
    for (const s of surfaces) await s.close().catch(() => {});
    direct.destroy();
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return { surfaces: surfaces.map((s) => ({ name: s.name, backend: s.backend, delta: s.delta })), samples, objectBytes: objs.map((o) => o.length) };
}

export interface ThroughputVerdicts {
  md: string;
  ptVsDirect: { met: boolean; detail: string };
  deltaPut: { met: boolean; detail: string };
  warmGet: { met: boolean; detail: string };
  coldGet: { met: boolean; detail: string };
}

export function throughputReport(r: ThroughputResult): ThroughputVerdicts {
  const m = (id: string, op: Op, conc: number): number => median(r.samples[id]?.[op]?.[conc] ?? []);
  const rows: string[][] = [];
  const ratioRows: string[][] = [];
  const ptD: string[] = [];
  const dP: string[] = [];
  const wG: string[] = [];
  const cG: string[] = [];
  let ptOk = true, dpOk = true, wOk = true, cOk = true;
  for (const s of r.surfaces) {
    const id = `${s.name} (${s.backend})`;
    const directId = s.backend === 's3rver' ? 'direct s3rver (s3rver)' : 'direct filesystem copy (filesystem)';
    for (const conc of CONC) {
      rows.push([id, String(conc), ...OPS.map((op) => fmt(m(id, op, conc)))]);
      if (!s.delta) continue;
      const ptPut = m(id, 'PUT pt', conc) / m(directId, 'PUT pt', conc);
      const ptGet = m(id, 'GET pt', conc) / m(directId, 'GET pt', conc);
      const dput = m(id, 'PUT delta', conc) / m(id, 'PUT pt', conc);
      const warm = m(id, 'GET delta warm', conc) / m(id, 'GET pt', conc);
      const cold = m(id, 'GET delta cold', conc) / m(id, 'GET pt', conc);
      ratioRows.push([
        id,
        String(conc),
        `${ptPut.toFixed(2)}x`,
        `${ptGet.toFixed(2)}x`,
        ratio(m(id, 'PUT delta', conc), m(directId, 'PUT pt', conc)),
        ratio(m(id, 'GET delta warm', conc), m(directId, 'GET pt', conc)),
        `${dput.toFixed(2)}x`,
        `${warm.toFixed(2)}x`,
        `${cold.toFixed(2)}x`,
      ]);
      if (s.name === 'reverse proxy' && s.backend === 's3rver') {
        ptD.push(`c${conc}: PUT ${ptPut.toFixed(2)}x, GET ${ptGet.toFixed(2)}x`);
        if (!(ptPut >= 0.9 && ptGet >= 0.9)) ptOk = false;
      }
      dP.push(`${s.name}/${s.backend} c${conc} ${dput.toFixed(2)}x`);
      if (!(dput >= 0.5)) dpOk = false;
      wG.push(`${s.name}/${s.backend} c${conc} ${warm.toFixed(2)}x`);
      if (!(warm >= 0.8)) wOk = false;
      cG.push(`${s.name}/${s.backend} c${conc} ${cold.toFixed(2)}x`);
      if (!(cold >= 0.5)) cOk = false;
    }
  }
  const sizes = r.objectBytes;
  const md = [
    `Objects: ts-tar versions 01..08 (${(Math.min(...sizes) / 1e6).toFixed(0)}-${(Math.max(...sizes) / 1e6).toFixed(0)} MB each; reference = version 00). Concurrency 1: 2 objects one after another; concurrency 8: 8 objects at once. ` +
      'MB/s of original bytes (10^6), median of the runs; client = AWS SDK v3 S3Client (checksums WHEN_REQUIRED) in the bench process; s3rver, proxy and middleware each in their own process; the SDK plugin runs in the client process. ' +
      'Cold = new proxy/middleware process (or new plugin instance) before the GET, so the reference is fetched from the backend again.',
    '',
    table(['surface (backend)', 'conc', ...OPS.map((o) => `${o} MB/s`)], rows),
    '',
    'Ratios (same run, medians):',
    '',
    table(['surface (backend)', 'conc', 'PUT pt / direct PUT', 'GET pt / direct GET', 'PUT delta / direct PUT', 'GET delta warm / direct GET', 'PUT delta / PUT pt', 'GET warm / GET pt', 'GET cold / GET pt'], ratioRows),
  ].join('\n');
  return {
    md,
    ptVsDirect: { met: ptOk, detail: ptD.join('; ') },
    deltaPut: { met: dpOk, detail: dP.join('; ') },
    warmGet: { met: wOk, detail: wG.join('; ') },
    coldGet: { met: cOk, detail: cG.join('; ') },
  };
}
