/**
 * Section 3: encode/decode MB/s and peak RSS of each codec on each family
 * (reference = first version, target = last). One child process per measurement
 * (bench/lib/codec-child.mjs); peak RSS = the sampled peak of the child's whole
 * process tree (node + a spawned xdelta3), and the node process's own VmHWM.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { BENCH_DIR, familyFiles, fmt, fmtMiB, log, mbps, median, sampleTree, startJsonChild, table, type BenchArgs } from './common.js';

/** `xdelta3-9` = the level the DeltaGlider tools run (Python CLI); `xdelta3` = our Xdelta3Codec's default (-6). */
export const CODECS = ['xdelta3-9', 'xdelta3', 'typescript'] as const;

export interface CodecRow {
  family: string;
  codec: string;
  targetBytes: number;
  deltaBytes: number;
  encMBps: number;
  /** Encode speed of a second upload against the same reference (the codec may keep it loaded). */
  encNextMBps: number;
  decMBps: number;
  encPeak: number;
  decPeak: number;
  encSelf: number;
  decSelf: number;
}

async function measure(args: string[]): Promise<{ ms: number; msNext: number; size: number; peak: number; self: number }> {
  // Sampling starts at spawn: the child prints its result only once the work is done,
  // and a spawned xdelta3 is gone by then.
  let s: ReturnType<typeof sampleTree> | undefined;
  const c = await startJsonChild([join(BENCH_DIR, 'lib', 'codec-child.mjs'), ...args], {}, (child) => {
    s = sampleTree(child.pid!, 20);
  });
  const r = c.info as { ms: number; msNext?: number; size: number; selfHwm: number };
  const { peakTree } = s!.stop();
  await c.stop();
  return { ms: r.ms, msNext: r.msNext ?? r.ms, size: r.size, peak: Math.max(peakTree, r.selfHwm), self: r.selfHwm };
}

export async function codecSection(args: BenchArgs, families: string[]): Promise<CodecRow[]> {
  const work = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'dg-bench-codec-'));
  const rows: CodecRow[] = [];
  try {
    for (const family of families) {
      const files = familyFiles(args.data, family);
      if (files.length < 2) continue;
      const ref = files[0]!;
      const tgt = files[files.length - 1]!;
      const size = statSync(tgt).size;
      const acc: Record<string, { enc: number[]; encNext: number[]; dec: number[]; encPeak: number[]; decPeak: number[]; encSelf: number[]; decSelf: number[]; delta: number }> = {};
      for (let run = 0; run < args.runs; run++) {
        for (const codec of CODECS) {
          const a = (acc[codec] ??= { enc: [], encNext: [], dec: [], encPeak: [], decPeak: [], encSelf: [], decSelf: [], delta: 0 });
          const delta = join(work, `${codec}.delta`);
          const e = await measure([codec, 'encode', ref, tgt, delta]);
          const d = await measure([codec, 'decode', ref, delta, join(work, 'out')]);
          if (d.size !== size) throw new Error(`${codec} round trip of ${family} gave ${d.size} bytes, expected ${size}`);
          a.enc.push(mbps(size, e.ms));
          a.encNext.push(mbps(size, e.msNext));
          a.dec.push(mbps(size, d.ms));
          a.encPeak.push(e.peak);
          a.decPeak.push(d.peak);
          a.encSelf.push(e.self);
          a.decSelf.push(d.self);
          a.delta = e.size;
        }
      }
      for (const codec of CODECS) {
        const a = acc[codec]!;
        rows.push({ family, codec, targetBytes: size, deltaBytes: a.delta, encMBps: median(a.enc), encNextMBps: median(a.encNext), decMBps: median(a.dec), encPeak: median(a.encPeak), decPeak: median(a.decPeak), encSelf: median(a.encSelf), decSelf: median(a.decSelf) });
      }
      log(`codec: ${family} done`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

export function codecReport(rows: CodecRow[]): string {
  const by = (f: string, c: string): CodecRow | undefined => rows.find((r) => r.family === f && r.codec === c);
  const fams = [...new Set(rows.map((r) => r.family))];
  return [
    'Last version encoded against the first; MB/s of target bytes (10^6); peak RSS in MiB (process tree: node child + xdelta3; node-only VmHWM in parentheses, which includes the TypeScript codec\'s worker thread). Medians of the runs, one child process per measurement, the codecs taking turns; each child first runs the same operation untimed on the first MiB of the same files, for decodes on a target that mixes the reference with blocks of the delta so literals and LZMA sections run too (a running server\'s codec is warm: worker thread started, JIT done). "Next upload" = a second encode of the same files in the same process: the TypeScript codec\'s worker keeps the last reference loaded and indexed for 10 s, as for a release pipeline uploading several artifacts into one deltaspace. ' +
      '`xdelta3-9` = `xdelta3 -e -D -9 -S lzma -B 64 MiB` (the level the DeltaGlider tools use), `xdelta3` = the Xdelta3Codec default (`-6`), `typescript` = the pure TypeScript VCDIFF codec (the default codec).',
    '',
    table(
      ['family', 'codec', 'target MB', 'delta/target', 'encode MB/s', 'encode MB/s, next upload', 'decode MB/s', 'encode peak RSS', 'decode peak RSS'],
      rows.map((r) => [r.family, r.codec, (r.targetBytes / 1e6).toFixed(1), (r.deltaBytes / r.targetBytes).toFixed(4), fmt(r.encMBps), fmt(r.encNextMBps), fmt(r.decMBps), `${fmtMiB(r.encPeak)} (${fmtMiB(r.encSelf)})`, `${fmtMiB(r.decPeak)} (${fmtMiB(r.decSelf)})`]),
    ),
    '',
    'typescript against xdelta3 side by side (delta size: below 1 is smaller; speed: above 1 is faster):',
    '',
    table(
      ['family', 'delta size vs -9', 'encode speed vs -9', 'next upload vs -9', 'decode speed vs -9', 'delta size vs -6', 'encode speed vs -6', 'next upload vs -6', 'decode speed vs -6'],
      fams.map((f) => {
        const t = by(f, 'typescript');
        const cells = [f];
        for (const c of ['xdelta3-9', 'xdelta3']) {
          const x = by(f, c);
          if (!t || !x) cells.push('n/a', 'n/a', 'n/a', 'n/a');
          else cells.push(`${(t.deltaBytes / x.deltaBytes).toFixed(2)}x`, `${(t.encMBps / x.encMBps).toFixed(2)}x`, `${(t.encNextMBps / x.encNextMBps).toFixed(2)}x`, `${(t.decMBps / x.decMBps).toFixed(2)}x`);
        }
        return cells;
      }),
    ),
  ].join('\n');
}
