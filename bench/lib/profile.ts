/**
 * Where the time goes: the reverse proxy (over s3rver) under `node --cpu-prof` while
 * it stores 2 delta objects and serves 4 warm delta GETs; self time per function,
 * and the share of wall time the proxy's own thread was idle (waiting on xdelta3,
 * s3rver or the disk).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { familyFiles, log, sampleTree, table, type BenchArgs } from './common.js';
import { s3Client, startProxy, startS3rver } from './servers.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export async function profileSection(args: BenchArgs): Promise<string> {
  const dir = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'dg-bench-prof-'));
  const files = familyFiles(args.data, 'ts-tar');
  const s3 = await startS3rver();
  const proxy = await startProxy({ s3Endpoint: s3.endpoint, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  const client = s3Client(proxy.url);
  const phases: string[][] = [];
  try {
    const seed = readFileSync(files[0]!);
    await client.send(new PutObjectCommand({ Bucket: 'bench', Key: 'prof/00.tar', Body: seed }));
    for (const [phase, fn] of [
      ['2 delta PUTs', async () => {
        for (const f of files.slice(1, 3)) await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `prof/${basename(f)}`, Body: readFileSync(f) }));
      }],
      ['4 warm delta GETs', async () => {
        for (let i = 0; i < 4; i++) {
          const r = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: `prof/${basename(files[1]!)}` }));
          for await (const _ of r.Body as AsyncIterable<Uint8Array>) void _;
        }
      }],
    ] as const) {
      const cpu0 = readCpu(proxy.pid);
      const kids = sampleTree(proxy.pid, 20);
      const t0 = performance.now();
      await fn();
      const wall = performance.now() - t0;
      kids.stop();
      const cpu = readCpu(proxy.pid) - cpu0;
      phases.push([phase, wall.toFixed(0), cpu.toFixed(0), `${((cpu / wall) * 100).toFixed(0)}%`]);
    }
  } finally {
    client.destroy();
    await proxy.stop();
    await s3.stop();
  }
  const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  let top = '_no profile written_';
  if (prof) {
    const p = JSON.parse(readFileSync(join(dir, prof), 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
    const per = (p.endTime - p.startTime) / 1000 / p.samples.length;
    const self = new Map<string, number>();
    let total = 0;
    for (const n of p.nodes) {
      const hits = n.hitCount ?? 0;
      if (!hits) continue;
      const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
      const k = `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
      self.set(k, (self.get(k) ?? 0) + hits * per);
      total += hits * per;
    }
    const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
    top = table(['function (proxy main thread)', 'self ms', 'share'], rows.map(([k, ms]) => [`\`${k}\``, ms.toFixed(0), `${((ms / total) * 100).toFixed(1)}%`]));
  }
  rmSync(dir, { recursive: true, force: true });
  log('profile: done');
  return [
    'Reverse proxy over s3rver under `node --cpu-prof` (ts-tar versions; reference cached). Proxy CPU = user+system time of the proxy process itself (its xdelta3 children not included), from /proc.',
    '',
    table(['phase', 'wall ms', 'proxy CPU ms', 'proxy CPU / wall'], phases),
    '',
    top,
  ].join('\n');
}

function readCpu(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, clock ticks of 10 ms
  } catch {
    return 0;
  }
}
