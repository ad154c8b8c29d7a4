/**
 * `npm run bench`: storage, throughput, codec, memory and latency on the real
 * dataset (../shared/bench-data), written to bench/RESULTS.md.
 *
 *   node --openssl-legacy-provider --import @tapjs/typescript/import bench/run.ts [--large] [--runs N] [--only storage,throughput,codec,memory,latency,profile,durability,deferred,listing]
 *
 * Data: $DG_BENCH_DATA (default /tmp/dg-data when it exists, else ~/.cache/deltaglider-bench),
 * built with make-dataset.sh when families are missing. --large adds synth-200m to the
 * storage/codec families and uses 1 GiB / 8 x 100 MiB objects in the memory section.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { codecReport, codecSection } from './lib/codec.js';
import { durabilitySection } from './lib/durability.js';
import { deferredReport, deferredSection } from './lib/deferred.js';
import { ALL_SECTIONS, ensureDataset, ensureDist, ensureSynth, log, parseArgs, REAL_FAMILIES, toolVersion } from './lib/common.js';
import { listingReport, listingSection } from './lib/listing.js';
import { latencyReport, latencySection, memoryReport, memorySection, MULTIPART_MEMORY_NOTE } from './lib/memory.js';
import { profileSection } from './lib/profile.js';
import { storageReport, storageSection } from './lib/storage.js';
import { storageDefaultsReport, storageDefaultsSection } from './lib/storage-defaults.js';
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
const saved: Saved = existsSync(jsonPath) && args.sections.size < ALL_SECTIONS.length ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as Saved) : { sections: {}, targets: [] };
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
await section('storage-defaults', async () => {
  const r = storageDefaultsReport(await storageDefaultsSection(args, families));
  sections['storage-defaults'] = r.md;
  for (const x of r.targets) targets.push({ section: 'storage-defaults', ...x });
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

await section('durability', async () => {
  sections.durability = await durabilitySection(args);
});

await section('deferred', async () => {
  const r = deferredReport(await deferredSection(args));
  sections.deferred = r.md;
  targets.push({ section: 'deferred', target: 'deferred encoding: acknowledged PUT >= 0.8x the passthrough PUT of the same bytes through the proxy (esbuild-bin, ts-tar; s3rver and filesystem; c1 and c8)', met: r.deferredPut.met, detail: r.deferredPut.detail });
  targets.push({ section: 'deferred', target: 'deferred encoding: passthrough PUT through the proxy >= 0.8x the same PUT straight to the backend', met: r.ptVsDirect.met, detail: r.ptVsDirect.detail });
  targets.push({ section: 'deferred', target: 'deferred encoding: storage after compaction within 1% of inline', met: r.storage.met, detail: r.storage.detail });
});

await section('listing', async () => {
  const r = listingReport(await listingSection(args));
  sections.listing = r.md;
  targets.push({ section: 'listing', target: 'listing: cold (new process or engine) within 1.5x of the backend\'s own listing of the prefix, full pagination and MaxKeys=1', met: r.cold.met, detail: r.cold.detail });
  targets.push({ section: 'listing', target: 'listing: warm within 1.2x of the backend\'s own listing', met: r.warm.met, detail: r.warm.detail });
});

const minutes = ((Date.now() - started) / 60000).toFixed(1);
writeFileSync(jsonPath, JSON.stringify(saved, null, 1) + '\n');
const sec = (name: string): string => {
  const s = saved.sections[name];
  return s ? `_Measured ${s.at} UTC in ${s.minutes.toFixed(1)} min${s.args ? ` (run with: ${s.args})` : ''}._\n\n${s.md}` : sections[name] ?? '_not run_';
};
/**
 * Analysis of the targets that are out of reach, written from the figures of the
 * 2026-12-02 --large run (TypeScript codec as the default). Re-check it when they move.
 */
const BOTTLENECKS = `
### What limits the targets that are not met (analysis of the 2026-12-02 run)

- **Storage** is met with the default TypeScript codec (esbuild-bin 80.4% against the DeltaGlider
  tools' 78.9%: its deltas are 0.88x of \`xdelta3 -9\`'s; ts-tar, bcd-json, ts-zip, ts-tgz tie,
  the last two saving nothing in \`compatible\`: their byte deltas are > 0.5 of the original, and the
  \`-0.0%\` is the ~60-byte self-delta FORMAT.md requires next to the reference). The \`compact\`
  profile's targets are met with either codec.
- **Passthrough through the proxy (target 0.9x of direct s3rver).** The passthrough PUT is not a
  pipe: the engine spools the body to a temp file while computing MD5 and SHA-256 (the largest
  self-time entry in the profile is \`hash.update\`), and only then uploads the file to the
  backend, so the object crosses the disk twice and the backend upload starts after the client
  has finished. Closing it: for keys that are not delta-eligible, stream the request body
  straight to the backend (hashes computed on the fly, \`UNSIGNED-PAYLOAD\` or aws-chunked
  signing) instead of spooling. Passthrough GET is already a stream; what remains is the extra
  HTTP hop (client -> proxy -> s3rver, three processes on 2 busy cores).
- **Delta PUT (target 0.5x of passthrough PUT; the Rust proxy manages 0.08x).** Met at concurrency 1
  through the proxy and the middleware over s3rver (0.54x, 0.62x), not through the SDK plugin
  (0.42x: its passthrough PUT has no extra hop, so the bar is higher) or the filesystem store,
  nor at concurrency 8 (0.22-0.47x). The time is the encode: the TypeScript encoder runs at
  13 MB/s on ts-tar here against 29 MB/s for \`xdelta3 -6\` (codec table: fingerprint index of
  the reference, match search, LZMA sections, each about a third), and eight encodes queue on
  2 codec workers on 2 cores. The next upload into the same deltaspace skips indexing (the worker
  keeps the reference: 18.6 MB/s). \`DGP_CODEC=xdelta3\` trades 4-16% larger deltas for about 2x
  faster encodes (0.84x at concurrency 1 in the 2026-11-25 run); LZMA level 0 (\`XzSectionEncoder\`)
  would make sections ~2x faster for 3-4% more bytes; starting the encode while the body is still
  arriving would hide part of it.
- **Warm delta GET (target 0.8x).** Met at concurrency 1 over s3rver (1.32x proxy, 1.22x
  middleware: a warm GET streams the verified reconstruction from the on-disk cache), 0.79-0.91x
  for the filesystem store and the plugin, 0.33-0.78x at concurrency 8, where eight different
  22-32 MB objects exceed the cache budget of this run and decode in parallel on 2 cores.
- **Cold delta GET (target 0.5x).** Adds the download of the whole reference and its SHA-256 check
  before decoding (FORMAT.md: verified before the first byte), and the TypeScript decoder runs at
  about 0.5x of xdelta3's speed (100 MB/s on ts-tar). Closing it: keep the on-disk reference cache
  across restarts (indexed by reference SHA-256 at startup), so a restarted proxy is not cold.
- **Memory (met).** The proxy process, codec workers included, peaks at 280 MiB with a 1 GiB
  object and 270 MiB with a 50 MiB one: bodies are spooled, never buffered; the encoder holds
  references up to 32 MiB whole and larger ones a 32 MiB slab at a time (plus its index), and a
  worker that ran a job over such a reference exits after it, returning its memory at once. Eight
  concurrent 100 MiB PUTs reach 463 MiB: two encodes at once (DGP_CODEC_CONCURRENCY = cores).
- **Filesystem store.** The "direct filesystem copy" side is a write of an in-memory buffer into the
  page cache (GB/s); against it any HTTP surface is 0.01-0.2x. The meaningful figures for the
  embedded store are the delta/passthrough ratios through the same surface.
- **Concurrency 8 in general.** s3rver itself drops from ~180 to ~30 MB/s at 8 concurrent 25 MB
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

### Savings without configuration (real file names, defaults, version folders)

${sec('storage-defaults')}

## 2. Throughput per surface

${sec('throughput')}

## 3. Codecs

${sec('codec')}

## 4. Memory (reverse proxy)

${sec('memory')}
${MULTIPART_MEMORY_NOTE}

## 5. Latency: time to first byte

${sec('latency')}

## 6. Profile: where delta time goes

${sec('profile')}

## 7. Durability: what DGP_FSYNC=always costs

${sec('durability')}

## 8. Throughput: deferred encoding against inline

${sec('deferred')}

## 9. Listing: ListObjectsV2 against the backend's own listing (issue 22)

${sec('listing')}
${BOTTLENECKS}
${errors.length ? `\n## Errors\n\n\`\`\`\n${errors.join('\n\n')}\n\`\`\`\n` : ''}`;
writeFileSync(args.out, md);
log(`wrote ${args.out} (${minutes} min)`);
