/**
 * Compares the TypeScript VCDIFF codec with `xdelta3 -e -9 -D` on real version
 * families: for each family under DG_DATA (default /tmp/dg-data/families), the
 * last version is encoded against the first; prints delta sizes and MB/s.
 *
 *   node --import @tapjs/typescript/import bench/codec-compare.ts [family ...]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TypeScriptCodec } from '../src/core/codec/vcdiff/index.js';

const root = process.env.DG_DATA ?? '/tmp/dg-data/families';
const only = process.argv.slice(2);
const codec = new TypeScriptCodec();
const work = mkdtempSync(join(tmpdir(), 'codec-compare-'));

function mbps(bytes: number, ms: number): string {
  return ((bytes / 1e6) / (ms / 1000)).toFixed(1);
}

async function timeIt(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const rows: string[][] = [['family', 'target', 'ts delta', 'ts enc MB/s', 'ts dec MB/s', 'xd3 delta', 'xd3 enc MB/s', 'xd3 dec MB/s', 'ts dec of xd3 MB/s', 'ts/xd3']];
try {
  for (const family of readdirSync(root).sort()) {
    if (only.length && !only.includes(family)) continue;
    const files = readdirSync(join(root, family)).filter((f) => !f.startsWith('.')).sort();
    if (files.length < 2) continue;
    const ref = join(root, family, files[0]!);
    const tgt = join(root, family, files[files.length - 1]!);
    const size = statSync(tgt).size;
    const ours = join(work, `${family}.ts.delta`);
    const theirs = join(work, `${family}.xd3.delta`);
    let tsSize = 0;
    const tsEnc = await timeIt(async () => {
      tsSize = (await codec.encode(ref, tgt, ours)).size;
    });
    const tsDec = await timeIt(() => codec.decode(ref, ours, join(work, 'out1')));
    if (!readFileSync(join(work, 'out1')).equals(readFileSync(tgt))) throw new Error(`${family}: our round trip differs`);
    const xEnc = await timeIt(() => execFileSync('xdelta3', ['-e', '-9', '-D', '-f', '-s', ref, tgt, theirs]));
    const xDec = await timeIt(() => execFileSync('xdelta3', ['-d', '-D', '-f', '-s', ref, theirs, join(work, 'out2')]));
    const tsDecX = await timeIt(() => codec.decode(ref, theirs, join(work, 'out3')));
    if (!readFileSync(join(work, 'out3')).equals(readFileSync(tgt))) throw new Error(`${family}: decode of xdelta3 delta differs`);
    execFileSync('xdelta3', ['-d', '-D', '-f', '-s', ref, ours, join(work, 'out4')]);
    if (!readFileSync(join(work, 'out4')).equals(readFileSync(tgt))) throw new Error(`${family}: xdelta3 -d of our delta differs`);
    const xSize = statSync(theirs).size;
    rows.push([
      family,
      String(size),
      String(tsSize),
      mbps(size, tsEnc),
      mbps(size, tsDec),
      String(xSize),
      mbps(size, xEnc),
      mbps(size, xDec),
      mbps(size, tsDecX),
      (tsSize / xSize).toFixed(2),
    ]);
    console.error(`${family}: done`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
