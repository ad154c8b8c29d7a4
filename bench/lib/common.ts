/**
 * Shared helpers for `npm run bench`: arguments, dataset, build, child processes,
 * statistics and peak-RSS sampling.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCH_DIR, '..');
export const SHARED = resolve(ROOT, '..', 'shared', 'bench-data');

export interface BenchArgs {
  large: boolean;
  runs: number;
  sections: Set<string>;
  data: string;
  out: string;
}

export const ALL_SECTIONS = ['storage', 'storage-defaults', 'throughput', 'codec', 'memory', 'latency', 'profile', 'durability', 'deferred', 'listing'];

export function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = {
    large: false,
    runs: 3,
    sections: new Set(ALL_SECTIONS),
    data: process.env.DG_BENCH_DATA ?? (existsSync('/tmp/dg-data/families') ? '/tmp/dg-data' : join(homedir(), '.cache', 'deltaglider-bench')),
    out: join(BENCH_DIR, 'RESULTS.md'),
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    if (v === '--large') a.large = true;
    else if (v === '--runs') a.runs = Math.max(3, Number(argv[++i]));
    else if (v === '--only') a.sections = new Set(argv[++i]!.split(','));
    else if (v === '--out') a.out = resolve(argv[++i]!);
    else if (v === '--data') a.data = resolve(argv[++i]!);
    else throw new Error(`bench: unknown argument ${v} (known: --large --runs N --only ${ALL_SECTIONS.join(',')} --out FILE --data DIR)`);
  }
  return a;
}

export const REAL_FAMILIES = ['ts-tar', 'ts-zip', 'ts-tgz', 'esbuild-bin', 'bcd-json'];

export function familyFiles(data: string, family: string): string[] {
  const dir = join(data, 'families', family);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d\d-/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Builds (or reuses) the dataset: real families always, synth-200m with --large. */
export function ensureDataset(args: BenchArgs): void {
  const missing = REAL_FAMILIES.filter((f) => familyFiles(args.data, f).length < 2);
  const wantSynth = args.large && familyFiles(args.data, 'synth-200m').length < 4;
  if (missing.length === 0 && !wantSynth) return;
  log(`dataset at ${args.data} lacks ${[...missing, ...(wantSynth ? ['synth-200m'] : [])].join(', ')}: running make-dataset.sh`);
  mkdirSync(args.data, { recursive: true });
  const r = spawnSync('bash', [join(SHARED, 'make-dataset.sh')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DATA: args.data, SYNTH: args.large ? '1' : '0' },
  });
  if (r.status !== 0) throw new Error(`make-dataset.sh failed (exit ${r.status})`);
}

/** A deterministic synthetic pair of `size` (make-large.js), cached under DATA/synth. */
export function ensureSynth(args: BenchArgs, label: string, versions: number, seed: number): string[] {
  const dir = join(args.data, 'synth', `synth-${label}`);
  const have = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bin')).length : 0;
  if (have < versions) {
    log(`generating ${versions} x ${label} synthetic versions in ${dir}`);
    const r = spawnSync(process.execPath, [join(SHARED, 'make-large.js'), '--size', label, '--versions', String(versions), '--edits', '40', '--seed', String(seed), '--out', dir], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error('make-large.js failed');
  }
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => join(dir, f));
}

function newestMtime(dir: string, ext: string): number {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) m = Math.max(m, newestMtime(p, ext));
    else if (e.name.endsWith(ext)) m = Math.max(m, statSync(p).mtimeMs);
  }
  return m;
}

/** Rebuilds dist/ when any src file is newer than the newest dist file. */
export function ensureDist(): void {
  const distDir = join(ROOT, 'dist');
  const stale = !existsSync(join(distDir, 'reverse-proxy', 'cli.js')) || newestMtime(join(ROOT, 'src'), '.ts') > newestMtime(distDir, '.js');
  if (!stale) return;
  log('dist/ is missing or stale: npx tsc -p tsconfig.build.json');
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) log(`tsc exited ${r.status}; continuing with what it emitted`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 30000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`child exited with ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); res(true); });
      s.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`port ${port} not listening after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A child process that prints one JSON line on stdout when ready. */
export interface ServerChild {
  child: ChildProcess;
  info: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startJsonChild(args: string[], env: NodeJS.ProcessEnv = {}, onSpawn?: (child: ChildProcess) => void): Promise<ServerChild> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1', ...env } });
  onSpawn?.(child);
  const info = await new Promise<Record<string, unknown>>((res, rej) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) res(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
    });
    child.once('exit', (code) => rej(new Error(`${args.join(' ')} exited ${code} before ready`)));
  });
  child.stdout!.resume();
  return { child, info, stop: () => stopChild(child) };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((res) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => { clearTimeout(t); res(); });
    child.kill('SIGTERM');
  });
}

/** VmHWM / VmRSS of a pid in bytes (0 when gone). */
export function procMem(pid: number): { hwm: number; rss: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) * 1024;
    const rss = Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) * 1024;
    return { hwm, rss };
  } catch {
    return { hwm: 0, rss: 0 };
  }
}

function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const c = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (c) out.push(...c.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

/** Samples the RSS of a process tree every `everyMs`; peak of the sum (node + codec children). */
export function sampleTree(pid: number, everyMs = 50): { stop(): { peakTree: number; peakChild: number } } {
  let peakTree = 0;
  let peakChild = 0;
  const tick = (): void => {
    let sum = procMem(pid).rss;
    const stack = childrenOf(pid);
    while (stack.length) {
      const c = stack.pop()!;
      const m = procMem(c).rss;
      peakChild = Math.max(peakChild, m);
      sum += m;
      stack.push(...childrenOf(c));
    }
    peakTree = Math.max(peakTree, sum);
  };
  tick();
  const t = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(t);
      tick();
      return { peakTree, peakChild };
    },
  };
}

export const MiB = 1024 * 1024;
export const fmtMiB = (b: number): string => (b / MiB).toFixed(0);
export const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
export const ratio = (a: number, b: number): string => (Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

export function toolVersion(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim();
}

/** Markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}
