/**
 * Compares the TypeScript LZMA2 encoder (`XzSectionEncoder`, the compressor
 * for xdelta3-style LZMA secondary sections) with liblzma (`xz -6`, `xz -9`)
 * on realistic inputs: for each family under DG_DATA (default
 * /tmp/dg-data/families), the uncompressed VCDIFF delta of the last version
 * against the first (`xdelta3 -e -9 -S none -D`), and the first few MiB of
 * the first version itself. Prints compressed sizes and MB/s side by side;
 * the machine may be shared and noisy, so read the ratio columns.
 *
 *   node --import @tapjs/typescript/import bench/lzma-compare.ts [--levels 1,3] [--runs 3] [--raw-mib 4] [--section-mib 0] [family ...]
 *
 * Every run is timed and the fastest kept. xz times exclude its start-up
 * (measured on empty input and subtracted); ours are in-process after one
 * warm-up encode. Each of our outputs is checked by decoding it with
 * `XzSectionDecoder` and with `xz -d`.
 *
 * A second table is the end result: the same deltas with their data, inst
 * and addr sections compressed by us (one stream per kind, as xdelta3 does)
 * against `xdelta3 -e -9 -S lzma`; `xdelta3 -d` must restore the target.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XzSectionDecoder } from '../src/core/codec/lzma/xz-section-decoder.js';
import { DEFAULT_XZ_LEVEL, XzSectionEncoder } from '../src/core/codec/lzma/xz-section-encoder.js';
import { withLzmaSections } from '../test/core/codec/lzma/lzma-sections.js';
import { finishXzStream } from '../test/core/codec/lzma/xz-stream-finisher.js';

const ROOT = process.env.DG_DATA ?? '/tmp/dg-data/families';
const DEFAULT_FAMILIES = ['ts-tar', 'esbuild-bin', 'bcd-json', 'ts-zip'];
const MiB = 1 << 20;

interface Args {
  levels: number[];
  runs: number;
  rawMiB: number;
  sectionMiB: number;
  families: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { levels: [DEFAULT_XZ_LEVEL], runs: 3, rawMiB: 4, sectionMiB: 0, families: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--levels') args.levels = next().split(',').map(Number);
    else if (a === '--runs') args.runs = Number(next());
    else if (a === '--raw-mib') args.rawMiB = Number(next());
    else if (a === '--section-mib') args.sectionMiB = Number(next());
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else args.families.push(a);
  }
  if (args.families.length === 0) args.families = DEFAULT_FAMILIES;
  return args;
}

interface Input {
  name: string;
  data: Buffer;
  /** For deltas: the versions it was made from. */
  pair?: { first: string; last: string };
}

function loadInputs(args: Args, work: string): Input[] {
  const inputs: Input[] = [];
  for (const family of args.families) {
    const dir = join(ROOT, family);
    if (!existsSync(dir)) {
      console.error(`skipping ${family}: ${dir} does not exist`);
      continue;
    }
    const files = readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
    const first = join(dir, files[0]!);
    const last = join(dir, files[files.length - 1]!);
    const delta = join(work, `${family}.delta`);
    execFileSync('xdelta3', ['-e', '-9', '-S', 'none', '-D', '-f', '-s', first, last, delta]);
    inputs.push({ name: `${family} delta`, data: readFileSync(delta), pair: { first, last } });
    inputs.push({ name: `${family} raw ${args.rawMiB} MiB`, data: readFileSync(first).subarray(0, args.rawMiB * MiB) });
  }
  return inputs;
}

function sections(data: Buffer, sectionMiB: number): Buffer[] {
  if (sectionMiB <= 0) return [data];
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += sectionMiB * MiB) out.push(data.subarray(i, i + sectionMiB * MiB));
  return out;
}

/** Our compression of `data`: total size and the fastest time over `runs`. */
function ours(data: Buffer, level: number, args: Args): { size: number; ms: number } {
  const parts = sections(data, args.sectionMiB);
  let best = Infinity;
  let outs: Uint8Array[] = [];
  for (let r = 0; r < args.runs; r++) {
    const t0 = performance.now();
    const enc = new XzSectionEncoder({ level });
    outs = parts.map((p) => enc.encode(p));
    best = Math.min(best, performance.now() - t0);
  }
  const dec = new XzSectionDecoder();
  parts.forEach((p, i) => {
    if (!Buffer.from(dec.decode(outs[i]!, p.length)).equals(p)) throw new Error(`level ${level}: XzSectionDecoder output differs`);
  });
  const viaXz = execFileSync('xz', ['-dc'], { input: finishXzStream(outs, data.length), maxBuffer: 1 << 30 });
  if (!viaXz.equals(data)) throw new Error(`level ${level}: xz -d output differs`);
  return { size: outs.reduce((a, o) => a + o.length, 0), ms: best };
}

/** xz at `preset`: size and the fastest time over `runs`, start-up excluded. */
function xz(data: Buffer, preset: string, args: Args, startup: number): { size: number; ms: number } {
  let best = Infinity;
  let size = 0;
  for (let r = 0; r < args.runs; r++) {
    const t0 = performance.now();
    size = execFileSync('xz', [preset, '-c', '-T1', '--check=none'], { input: data, maxBuffer: 1 << 30 }).length;
    best = Math.min(best, performance.now() - t0);
  }
  return { size, ms: Math.max(1, best - startup) };
}

function xzStartup(preset: string, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs + 2; r++) {
    const t0 = performance.now();
    execFileSync('xz', [preset, '-c', '-T1', '--check=none'], { input: Buffer.alloc(0) });
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const mbps = (bytes: number, ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(2);
const ratio = (a: number, b: number): string => (a / b).toFixed(3);

const args = parseArgs(process.argv.slice(2));
const work = mkdtempSync(join(tmpdir(), 'lzma-compare-'));
try {
  const inputs = loadInputs(args, work);
  const startup6 = xzStartup('-6', args.runs);
  const startup9 = xzStartup('-9', args.runs);
  // Warm the JIT up once so the first input is not charged for it.
  new XzSectionEncoder({ level: args.levels[0] }).encode(inputs[0]!.data.subarray(0, MiB));

  const header = ['input', 'bytes', 'xz -6', 'xz -9'];
  for (const l of args.levels) header.push(`ours L${l}`, `L${l}/xz6 size`, `L${l}/xz9 size`, `L${l} MB/s`, `L${l}/xz6 speed`);
  header.push('xz -6 MB/s', 'xz -9 MB/s');
  const rows: string[][] = [header];
  const totals = { bytes: 0, x6: 0, x9: 0, x6ms: 0, x9ms: 0, ours: args.levels.map(() => ({ size: 0, ms: 0 })) };
  for (const input of inputs) {
    const x6 = xz(input.data, '-6', args, startup6);
    const x9 = xz(input.data, '-9', args, startup9);
    const row = [input.name, String(input.data.length), String(x6.size), String(x9.size)];
    args.levels.forEach((level, i) => {
      const o = ours(input.data, level, args);
      totals.ours[i]!.size += o.size;
      totals.ours[i]!.ms += o.ms;
      row.push(String(o.size), ratio(o.size, x6.size), ratio(o.size, x9.size), mbps(input.data.length, o.ms), ratio(x6.ms, o.ms));
    });
    row.push(mbps(input.data.length, x6.ms), mbps(input.data.length, x9.ms));
    rows.push(row);
    totals.bytes += input.data.length;
    totals.x6 += x6.size;
    totals.x9 += x9.size;
    totals.x6ms += x6.ms;
    totals.x9ms += x9.ms;
    console.error(`done: ${input.name}`);
  }
  const total = ['total', String(totals.bytes), String(totals.x6), String(totals.x9)];
  totals.ours.forEach((o) => total.push(String(o.size), ratio(o.size, totals.x6), ratio(o.size, totals.x9), mbps(totals.bytes, o.ms), ratio(totals.x6ms, o.ms)));
  total.push(mbps(totals.bytes, totals.x6ms), mbps(totals.bytes, totals.x9ms));
  rows.push(total);
  console.log(rows.map((r) => `| ${r.join(' | ')} |`).join('\n'));
  console.log(`\nSize ratio < 1: ours is smaller. Speed ratio > 1: ours is faster. Fastest of ${args.runs} runs; xz start-up excluded (${startup6.toFixed(0)} / ${startup9.toFixed(0)} ms).`);

  const deltaRows: string[][] = [['delta', '-S none', 'xdelta3 -S lzma', ...args.levels.flatMap((l) => [`ours L${l}`, `L${l}/xdelta3`, `L${l} sections MB/s`])]];
  for (const input of inputs) {
    if (!input.pair) continue;
    const theirs = join(work, 'theirs.vcdiff');
    execFileSync('xdelta3', ['-e', '-9', '-S', 'lzma', '-D', '-f', '-s', input.pair.first, input.pair.last, theirs]);
    const theirSize = readFileSync(theirs).length;
    const row = [input.name, String(input.data.length), String(theirSize)];
    for (const level of args.levels) {
      let best = Infinity;
      let delta: Buffer = Buffer.alloc(0);
      for (let r = 0; r < args.runs; r++) {
        const streams = [0, 1, 2].map(() => new XzSectionEncoder({ level }));
        const t0 = performance.now();
        delta = withLzmaSections(input.data, (kind, s) => streams[kind]!.encode(s));
        best = Math.min(best, performance.now() - t0);
      }
      const ours = join(work, 'ours.vcdiff');
      writeFileSync(ours, delta);
      execFileSync('xdelta3', ['-d', '-f', '-s', input.pair.first, ours, join(work, 'restored')]);
      if (!readFileSync(join(work, 'restored')).equals(readFileSync(input.pair.last))) throw new Error(`${input.name}: xdelta3 -d of our delta differs`);
      row.push(String(delta.length), ratio(delta.length, theirSize), mbps(input.data.length, best));
    }
    deltaRows.push(row);
  }
  console.log(`\n${deltaRows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
  console.log('\nThe deltas with our LZMA sections, checked by xdelta3 -d, against xdelta3 -9 -S lzma (ratio < 1: ours is smaller).');
} finally {
  rmSync(work, { recursive: true, force: true });
}
