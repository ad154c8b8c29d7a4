/**
 * `npm run bench`: storage, throughput, codec, memory and latency on the real
 * dataset (../shared/bench-data), written to bench/RESULTS.md.
 *
 *   node --openssl-legacy-provider --import @tapjs/typescript/import bench/run.ts [--large] [--runs N] [--only storage,throughput,codec,memory,latency,profile]
 *
 * Data: $DG_BENCH_DATA (default /tmp/dg-data when it exists, else ~/.cache/deltaglider-bench),
 * built with make-dataset.sh when families are missing. --large adds synth-200m to the
 * storage/codec families and uses 1 GiB / 8 x 100 MiB objects in the memory section.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { codecReport, codecSection } from './lib/codec.js';
import { ALL_SECTIONS, ensureDataset, ensureDist, ensureSynth, log, parseArgs, REAL_FAMILIES, toolVersion } from './lib/common.js';
import { latencyReport, latencySection, memoryReport, memorySection } from './lib/memory.js';
import { profileSection } from './lib/profile.js';
import { storageReport, storageSection } from './lib/storage.js';
import { throughputReport, throughputSection } from './lib/throughput.js';

const args = parseArgs(process.argv.slice(2));
const started = Date.now();
ensureDataset(args);
ensureDist();
const families = [...REAL_FAMILIES, ...(args.large ? ['synth-200m'] : [])];

interface Target {
  section: string;
  target: string;
  met: boolean | undefined;
  detail: string;
}
interface Saved {
  sections: Record<string, { md: string; at: string; minutes: number; args: string }>;
  targets: Target[];
}
// bench/results.json keeps every section's last output, so `--only X` refreshes X and
// keeps the rest (each section says when it was measured).
const jsonPath = args.out.replace(/\.md$/, '') + '.json';
const saved: Saved = existsSync(jsonPath) && args.sections.size < 6 ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as Saved) : { sections: {}, targets: [] };
const sections: Record<string, string> = {};
const targets: Target[] = [];
const errors: string[] = [];

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  if (!args.sections.has(name)) return;
  const t0 = Date.now();
  log(`== ${name}`);
  try {
    await fn();
    saved.sections[name] = { md: sections[name]!, at: new Date().toISOString().slice(0, 16).replace('T', ' '), minutes: (Date.now() - t0) / 60000, args: process.argv.slice(2).join(' ') };
    saved.targets = [...saved.targets.filter((t) => t.section !== name), ...targets.filter((t) => t.section === name)];
  } catch (err) {
    errors.push(`${name}: ${(err as Error).stack ?? String(err)}`);
    sections[name] = `_failed: ${(err as Error).message}_`;
    log(`${name} failed: ${(err as Error).stack}`);
  }
  log(`== ${name} took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

await section('storage', async () => {
  const r = storageReport(await storageSection(args, families));
  sections.storage = r.md;
  targets.push({ section: 'storage', target: 'storage saved >= xdelta3 -9 fixed-baseline figure on every family (default TypeScript codec)', met: r.met, detail: r.detail });
  targets.push({ section: 'storage', target: 'compact profile: ts-tar >= 98%, bcd-json >= 99%, esbuild-bin >= 84%, ts-tgz >= 80%, ts-zip > 0%, synth-200m no worse than compatible (default codec)', met: r.compact.met, detail: r.compact.detail });
  targets.push({ section: 'storage', target: 'compact GET speed vs compatible, same bytes, cold engine (reported, no target)', met: undefined, detail: r.compactGet.detail });
});
await section('throughput', async () => {
  const r = throughputReport(await throughputSection(args));
  sections.throughput = r.md;
  targets.push({ section: 'throughput', target: 'passthrough PUT and GET through the proxy >= 0.9x direct s3rver', met: r.ptVsDirect.met, detail: r.ptVsDirect.detail });
  targets.push({ section: 'throughput', target: 'delta PUT >= 0.5x passthrough PUT through the same surface (Rust proxy: 0.08x)', met: r.deltaPut.met, detail: r.deltaPut.detail });
  targets.push({ section: 'throughput', target: 'warm delta GET >= 0.8x passthrough GET', met: r.warmGet.met, detail: r.warmGet.detail });
  targets.push({ section: 'throughput', target: 'cold delta GET >= 0.5x passthrough GET', met: r.coldGet.met, detail: r.coldGet.detail });
});
await section('codec', async () => {
  sections.codec = codecReport(await codecSection(args, families));
});
await section('memory', async () => {
  const big = args.large ? ensureSynth(args, '1G', 2, 7) : ensureSynth(args, '200M', 2, 42);
  const small = ensureSynth(args, '50M', 2, 5);
  const conc = args.large ? ensureSynth(args, '100M', 2, 6) : small;
  const r = memoryReport(await memorySection(args, big, small, conc, args.large ? '100 MiB' : '50 MiB'));
  sections.memory = r.md;
  targets.push({ section: 'memory', target: `proxy peak RSS <= 300 MB for the large object (${args.large ? '1 GiB' : '200 MiB'}), no growth with object size beyond the caches`, met: r.met, detail: r.detail });
});
await section('latency', async () => {
  sections.latency = latencyReport(await latencySection(args));
});

await section('profile', async () => {
  sections.profile = await profileSection(args);
});

const minutes = ((Date.now() - started) / 60000).toFixed(1);
writeFileSync(jsonPath, JSON.stringify(saved, null, 1) + '\n');
const sec = (name: string): string => {
  const s = saved.sections[name];
  return s ? `_Measured ${s.at} UTC in ${s.minutes.toFixed(1)} min${s.args ? ` (run with: ${s.args})` : ''}._\n\n${s.md}` : sections[name] ?? '_not run_';
};
/**
 * Analysis of the targets that are out of reach, written from the figures of the
 * 2026-11-25 run (profile, codec and latency sections). Re-check it when they move.
 */
const BOTTLENECKS = `
### What limits the targets that are not met (analysis of the 2026-11-25 run)

- **Storage (target: >= the xdelta3 -9 fixed-baseline figure).** Same policy (raw reference,
  fixed baseline, delta kept if < 0.5), so the figures tie on ts-tar, bcd-json, ts-zip and ts-tgz
  (the last two save nothing with either: their byte deltas are > 0.5 of the original; the
  \`-0.0%\` is the ~60-byte self-delta FORMAT.md requires next to the reference). On esbuild-bin
  the engine's \`xdelta3 -6\` deltas are ~1.5% larger than \`-9\`'s: 78.6% vs 78.9%. Closing it:
  level 9 (about 2x slower encodes on binaries) or, better, the next 10-20 points the dataset
  README describes (compressed reference, min(delta, compressed), re-gzip-verified .tgz).
- **Passthrough through the proxy (target 0.9x of direct s3rver).** The passthrough PUT is not a
  pipe: the engine spools the body to a temp file while computing MD5 and SHA-256 (the largest
  self-time entries in the profile are \`hash.update\` and \`writeBuffer\`), and only then uploads the
  file to the backend, so the object crosses the disk twice and the backend upload starts after
  the client has finished. Closing it: for keys that are not delta-eligible, stream the request
  body straight to the backend (MD5/SHA-256 computed on the fly, S3 \`UNSIGNED-PAYLOAD\` or
  aws-chunked signing) instead of spooling; for eligible keys overlap the spool with the
  reference fetch. Passthrough GET is already a stream; what remains is the extra HTTP hop
  (client -> proxy -> s3rver, three processes on 2 busy cores). The SDK plugin, which has no extra
  hop, comes closest (0.77x at concurrency 1; 0.9-1.3x in earlier runs of the day).
- **Delta PUT (target 0.5x of passthrough PUT; the Rust proxy manages 0.08x).** Met at concurrency 1
  on every surface (0.8-1.1x: only a ~1.5% delta goes to the backend, which offsets the encode). At
  concurrency 8 it falls to 0.3-0.5x: eight \`xdelta3 -e -6 -S lzma\` encodes (20-27 MB/s per core
  on ts-tar, 7-9 MB/s on esbuild in the codec table) queue on 2 codec slots; the proxy's own
  thread is mostly idle (see "proxy CPU / wall"): the time is in the xdelta3 children. Closing it:
  a cheaper encode (level 1-3, \`-S none\`: the dataset README measures 1.5-4x faster encodes for
  22-37% larger deltas), starting the encode while the body is still arriving, and on a 2-core
  box accepting that 8 concurrent encodes are CPU-bound.
- **Warm delta GET (target 0.8x).** FORMAT.md requires verification before the first byte, so a
  first delta GET is: fetch the delta, \`xdelta3 -d\` into a temp file (hashed as it is written), then
  stream the file. Since this run a verified reconstruction is kept in an on-disk LRU
  (DGP_RECONSTRUCTION_CACHE_MB, default 256): a warm GET streams it, and concurrent GETs of one object
  decode once. Warm GET is now 1.33x (proxy) and 1.06x (middleware) of a passthrough GET at
  concurrency 1 (was 0.61x / 0.64x earlier the same day); it is still 0.3-0.5x at concurrency 8,
  where 8 different 22-32 MB objects exceed the cache budget on this run and decode in parallel on
  2 cores. Closing the rest: a larger budget where disk allows, decoding in-process with the
  TypeScript decoder (no spawn).
- **Cold delta GET (target 0.5x).** Adds the download of the whole reference and its SHA-256 check
  before decoding; at concurrency 8 the fetch is shared, at concurrency 1 every GET after a
  restart pays it. Closing it: keep the on-disk reference cache across restarts (index it by
  reference SHA-256 at startup), so a restarted proxy is not cold.
- **Memory (met since this run).** The node process stays flat (~115 MiB) whatever the object size:
  bodies are spooled, never buffered. xdelta3 allocates its whole source window (\`-B\`), which is now
  capped at 64 MiB (was the reference size: 501 MiB for a 200 MiB reference), and the S3 backend
  store no longer hands objects between 512 MiB and 5 GiB to lib-storage, whose buffered parts took
  the node process to 510 MiB for a 1 GiB reference (a single streamed PUT now; 16 MiB x 2 parts
  above 5 GiB): 115 MiB for the node process and 291 MiB with its xdelta3 child at 1 GiB (--large). The cost is ratio on objects with blocks moved farther
  than 64 MiB (synth-200m 0.009 vs 0.001); the TypeScript encoder matches the whole reference but
  grows with it (273 MiB for a 22 MB ts-tar pair).
- **Filesystem store.** The "direct filesystem copy" side is a write of an in-memory buffer into the
  page cache (GB/s); against it any HTTP surface is 0.05-0.2x. The meaningful figures for the
  embedded store are the delta/passthrough ratios through the same surface.
- **Concurrency 8 in general.** s3rver itself drops from ~130 to ~30 MB/s at 8 concurrent 25 MB
  objects on this machine, and the client, the proxy and s3rver share 2 cores with other work.
`;
const yes = (m: boolean | undefined): string => (m === undefined ? 'n/a' : m ? '**met**' : '**not met**');
const md = `# DeltaGlider (TypeScript) benchmark results

Generated by \`npm run bench\`${args.large ? ' --large' : ''} (bench/run.ts); written ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (this invocation: ${minutes} minutes). Each section says when it was measured.

| machine | |
|---|---|
| CPUs (nproc) | ${cpus().length} x ${cpus()[0]?.model ?? '?'} |
| memory | ${(totalmem() / 1024 ** 3).toFixed(1)} GiB |
| node | ${process.version} |
| xdelta3 | ${toolVersion('xdelta3', ['-V'])} |
| zstd | ${toolVersion('zstd', ['-V'])} |
| dataset | ${args.data} (../shared/bench-data/make-dataset.sh) |
| runs per figure | ${args.runs} (medians) |

The machine is shared with other work while this runs (load average well above the 2 cores), so absolute MB/s are noisy; the ratios, measured side by side in the same run, are what count.

## Targets

| target | verdict | measured |
|---|---|---|
${[...saved.targets].sort((a, b) => ALL_SECTIONS.indexOf(a.section) - ALL_SECTIONS.indexOf(b.section)).map((t) => `| ${t.target} | ${yes(t.met)} | ${t.detail} |`).join('\n')}

## 1. Storage saved per family

${sec('storage')}

## 2. Throughput per surface

${sec('throughput')}

## 3. Codecs

${sec('codec')}

## 4. Memory (reverse proxy)

${sec('memory')}

## 5. Latency: time to first byte

${sec('latency')}

## 6. Profile: where delta time goes

${sec('profile')}
${BOTTLENECKS}
${errors.length ? `\n## Errors\n\n\`\`\`\n${errors.join('\n\n')}\n\`\`\`\n` : ''}`;
writeFileSync(args.out, md);
log(`wrote ${args.out} (${minutes} min)`);
