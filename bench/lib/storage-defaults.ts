/**
 * Storage section, part 2: savings without configuration (issue 19). Every family is
 * uploaded under its real file names (the dataset's names without the `NN-` order prefix:
 * `typescript-5.4.2.tar`, `esbuild-0.25.0`, `bcd-data.json-8.1.0`; no renames, no extra
 * extensions) through the reverse proxy over s3rver, side by side in one run:
 *
 * - `defaults`: no eligibility setting at all (compatible profile);
 * - `explicit`: every file forced eligible (`DGP_ELIGIBLE_INCLUDE=*`: the encode always
 *   runs, as the storage table's "every file eligible" runs do);
 * - `compact flat` / `compact folders`: the compact profile on defaults, keys flat
 *   (`fam/name-1.2.3`) and in version folders (`fam/v1.2.3/name`);
 * - `passthrough`: nothing eligible (`DGP_ELIGIBLE_EXCLUDE=*`), the PUT speed reference.
 *
 * Plus a `random` family (6 x 5 MiB of crypto random bytes). Stored bytes are summed from
 * the backend's own listing (references and baselines included).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { familyFiles, log, median, table, type BenchArgs } from './common.js';
import { startProxy, startS3rver, s3Client, type Running } from './servers.js';

/** Random versions: as many as the smaller real families, each the size of a release zip. */
const RANDOM_VERSIONS = 6;
const RANDOM_BYTES = 5 * 1024 * 1024;
/** PUT passes of the families that cannot win, for their speed ratio (medians). */
const SPEED_RUNS = 3;
/** Families that cannot win: their default PUT speed must be >= this x passthrough. */
export const UNWINNABLE = ['ts-zip', 'random'];
export const UNWINNABLE_SPEED_TARGET = 0.8;

const CONFIGS = {
  defaults: {},
  explicit: { DGP_ELIGIBLE_INCLUDE: '*' },
  'compact flat': { DGP_PROFILE: 'compact' },
  'compact folders': { DGP_PROFILE: 'compact' },
  passthrough: { DGP_ELIGIBLE_EXCLUDE: '*' },
} as const;
type ConfigName = keyof typeof CONFIGS;

export interface DefaultsRow {
  family: string;
  versions: number;
  original: number;
  stored: Record<ConfigName, number>;
  /** Median seconds to PUT every version, per config. */
  putSeconds: Record<ConfigName, number>;
}

/** The name a release file has without the dataset's `NN-` order prefix. */
export function realName(path: string): string {
  return basename(path).replace(/^\d+-/, '');
}

/** `fam/v1.2.3/name` for `name-1.2.3[.ext]`; files without a version get `vN` from their order. */
export function folderKey(family: string, path: string, index: number): string {
  const name = realName(path);
  const m = /-(\d+(?:\.\d+)+)/.exec(name);
  if (!m) return `${family}/v${index + 1}/${name}`;
  return `${family}/v${m[1]}/${name.slice(0, m.index)}${name.slice(m.index + m[0].length)}`;
}

async function putAll(client: S3Client, bucket: string, keys: string[], files: string[]): Promise<number> {
  const t0 = performance.now();
  for (const [i, f] of files.entries()) {
    const body = readFileSync(f);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: keys[i]!, Body: body, ContentLength: body.length }));
  }
  return (performance.now() - t0) / 1000;
}

async function storedBytes(direct: S3Client, bucket: string, prefix: string): Promise<number> {
  let total = 0;
  let token: string | undefined;
  do {
    const page = await direct.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) total += o.Size ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return total;
}

export async function storageDefaultsSection(args: BenchArgs, families: string[]): Promise<DefaultsRow[]> {
  const work = mkdtempSync(join(process.env.BENCH_TMP ?? tmpdir(), 'dg-bench-defaults-'));
  const randomDir = join(work, 'families', 'random');
  mkdirSync(randomDir, { recursive: true });
  for (let i = 0; i < RANDOM_VERSIONS; i++) writeFileSync(join(randomDir, `${String(i).padStart(2, '0')}-random-1.0.${i}.bin`), randomBytes(RANDOM_BYTES));
  const s3 = await startS3rver();
  const direct = s3Client(s3.endpoint);
  const proxies: Partial<Record<ConfigName, { proxy: Running; client: S3Client }>> = {};
  const rows: DefaultsRow[] = [];
  try {
    for (const [name, env] of Object.entries(CONFIGS) as [ConfigName, NodeJS.ProcessEnv][]) {
      const proxy = await startProxy({ s3Endpoint: s3.endpoint, defaults: true, env });
      proxies[name] = { proxy, client: s3Client(proxy.url) };
    }
    let run = 0;
    for (const family of [...families, 'random']) {
      const files = familyFiles(family === 'random' ? work : args.data, family);
      if (files.length < 2) continue;
      log(`storage defaults: ${family} (${files.length} versions)`);
      const row: DefaultsRow = { family, versions: files.length, original: files.reduce((n, f) => n + readFileSync(f).length, 0), stored: {} as DefaultsRow['stored'], putSeconds: {} as DefaultsRow['putSeconds'] };
      const times: Record<string, number[]> = {};
      // The first pass uploads the family once through every config, in turn, into fresh
      // buckets (byte counts); for the families that cannot win, more passes of defaults and
      // passthrough, interleaved so both see the same machine load, give the speed ratio.
      const passes = UNWINNABLE.includes(family) ? SPEED_RUNS : 1;
      for (let pass = 0; pass < passes; pass++) {
        for (const name of (pass === 0 ? Object.keys(CONFIGS) : ['defaults', 'passthrough']) as ConfigName[]) {
          const bucket = `dflt-${run++}`;
          await direct.send(new CreateBucketCommand({ Bucket: bucket }));
          const keys = files.map((f, i) => (name === 'compact folders' ? folderKey(family, f, i) : `${family}/${realName(f)}`));
          (times[name] ??= []).push(await putAll(proxies[name]!.client, bucket, keys, files));
          if (pass === 0) row.stored[name] = await storedBytes(direct, bucket, `${family}/`);
        }
      }
      for (const name of Object.keys(CONFIGS) as ConfigName[]) row.putSeconds[name] = median(times[name]!);
      log(`  ${family}: ${(Object.keys(CONFIGS) as ConfigName[]).map((n) => `${n} ${(100 * (1 - row.stored[n] / row.original)).toFixed(1)}% ${row.putSeconds[n].toFixed(1)} s`).join('; ')}`);
      rows.push(row);
    }
  } finally {
    direct.destroy();
    for (const p of Object.values(proxies)) {
      p.client.destroy();
      await p.proxy.stop();
    }
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

export interface DefaultsReport {
  md: string;
  targets: { target: string; met: boolean; detail: string }[];
}

export function storageDefaultsReport(rows: DefaultsRow[]): DefaultsReport {
  if (!rows.length) return { md: '_not run_', targets: [] };
  const saved = (r: DefaultsRow, c: ConfigName): number => 100 * (1 - r.stored[c] / r.original);
  const pts = (v: number): string => `${v.toFixed(1)}%`;
  const speed = (r: DefaultsRow, c: ConfigName): number => r.putSeconds.passthrough / r.putSeconds[c];
  const names = Object.keys(CONFIGS) as ConfigName[];
  const md = [
    'Savings without configuration: each family under its real file names (no `.bin` renames, no extra extensions) through the reverse proxy over s3rver. ' +
      '`defaults` = no eligibility setting (compatible profile); `explicit` = `DGP_ELIGIBLE_INCLUDE=*` (every file encoded, the content probe skipped); ' +
      '`compact flat` / `compact folders` = `DGP_PROFILE=compact`, keys `fam/name-1.2.3` and `fam/v1.2.3/name` (version-folder groups); `passthrough` = `DGP_ELIGIBLE_EXCLUDE=*`. ' +
      `Storage saved (references and baselines included), and PUT time of every version relative to passthrough (one pass; ${SPEED_RUNS} interleaved passes, medians, for ${UNWINNABLE.join(' and ')}).`,
    '',
    table(
      ['family', 'versions', 'original MiB', ...names.filter((n) => n !== 'passthrough').map((n) => `${n}: saved`), ...names.filter((n) => n !== 'passthrough').map((n) => `${n}: PUT vs passthrough`)],
      rows.map((r) => [
        r.family,
        r.versions,
        (r.original / 1048576).toFixed(1),
        ...names.filter((n) => n !== 'passthrough').map((n) => pts(saved(r, n))),
        ...names.filter((n) => n !== 'passthrough').map((n) => `${speed(r, n).toFixed(2)}x`),
      ]),
    ),
  ].join('\n');
  const real = rows.filter((r) => r.family !== 'random');
  const defaultsGap = real.map((r) => ({ r, gap: saved(r, 'explicit') - saved(r, 'defaults') }));
  const foldersGap = real.map((r) => ({ r, gap: saved(r, 'compact flat') - saved(r, 'compact folders') }));
  const unwinnable = rows.filter((r) => UNWINNABLE.includes(r.family));
  return {
    md,
    targets: [
      { target: 'defaults (real file names, no settings) within 1 point of explicit eligibility on every family', met: defaultsGap.every((g) => g.gap <= 1), detail: defaultsGap.map((g) => `${g.r.family} ${pts(saved(g.r, 'defaults'))} vs ${pts(saved(g.r, 'explicit'))}`).join('; ') },
      { target: 'compact profile: version-folder layout within 2 points of flat', met: foldersGap.every((g) => g.gap <= 2), detail: foldersGap.map((g) => `${g.r.family} ${pts(saved(g.r, 'compact folders'))} vs ${pts(saved(g.r, 'compact flat'))}`).join('; ') },
      { target: `files that cannot win (${UNWINNABLE.join(', ')}) PUT on defaults at >= ${UNWINNABLE_SPEED_TARGET}x passthrough`, met: unwinnable.every((r) => speed(r, 'defaults') >= UNWINNABLE_SPEED_TARGET), detail: unwinnable.map((r) => `${r.family} ${speed(r, 'defaults').toFixed(2)}x`).join('; ') },
    ],
  };
}
