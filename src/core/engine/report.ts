/**
 * The per-deltaspace report: baselines, what each object costs against its original,
 * the delta ratio trend and the profiles in use, so an operator sees a baseline that
 * has drifted away from the releases (API `GET /api/report`, CLI `deltaglider-proxy report`).
 */
import { mapLimit } from '../concurrency.js';
import { deltaKeyOf, deltaspaceOf, fileNameOf, generationOf, isReferenceKey } from '../format/keys.js';
import { parseMetadata } from '../format/metadata.js';
import { isGroupBaselineKey } from '../format/version-folders.js';
import { listAll } from '../store/list-all.js';
import type { DeltaGliderEngine } from './engine.js';
import { median, savingsPercent } from './deltaspace-summary.js';
import { listAllObjects } from './list-all-objects.js';
import { DEFAULT_LIST_HEAD_CONCURRENCY } from './options.js';
import { describeListed } from './resolve.js';
import type { ObjectSummary, StorageType } from './types.js';
import type { ListedObject } from '../store/object-store.js';
import { isUserDeltaKey } from './indexing-store.js';

/** Recent deltas whose median ratio is this many times the first deltas' median flag a drifting baseline. */
export const DEFAULT_DRIFT_WARNING_FACTOR = 1.5;
/** Below this delta/original ratio a growing trend is not worth a warning (0.02% -> 2% is still excellent). */
export const DRIFT_WARNING_MIN_RATIO = 0.05;
/** Deltas on each end of the trend (first N against last N, by upload time). */
const TREND_WINDOW = 3;

export interface BaselineReport {
  /** Backend key (`P/reference.bin`, `P/reference.000001.delta.delta`, a version group's `P/name.baseline.000001.delta.delta`). */
  key: string;
  /** 0 for the compatible `reference.bin`, else the compact generation. */
  generation: number;
  /** Bytes of the baseline itself (decompressed). */
  size: number;
  /** Bytes it occupies on the backend. */
  storedSize: number;
  /** `none`, `br`, ... */
  compression: string;
  /** User key whose upload seeded it. */
  sourceKey?: string;
  createdAt?: string;
  /** Objects stored as deltas against it. */
  deltas: number;
}

export interface ObjectReport {
  key: string;
  storageType: StorageType;
  profile: 'compatible' | 'compact';
  size: number;
  storedSize: number;
  /** storedSize / size. */
  ratio: number;
  /** For deltas: the baseline they need. */
  referenceKey?: string;
  /** `dg-gzip` present: stored as a delta or compression of the gzip's inner stream. */
  gzipAware: boolean;
  lastModified: string;
  /** Stored whole: why (`dg-reason`), when its writer said. */
  reason?: string;
}

export interface DeltaspaceReport {
  bucket: string;
  deltaspace: string;
  /** Objects per profile that wrote them. */
  profiles: Record<'compatible' | 'compact', number>;
  baselines: BaselineReport[];
  objects: ObjectReport[];
  originalBytes: number;
  /** Objects and baselines. */
  storedBytes: number;
  savingsPercent: number;
  /** Delta size / original size of the deltas (upload order): first and last few, medians. */
  trend?: { firstMedian: number; lastMedian: number; growth: number };
  /** Plain-language findings (a drifting baseline, objects stored whole in an eligible space). */
  warnings: string[];
}

/** An object's line of the report, from what the index or a HEAD said of it. */
function objectReport(o: Omit<ObjectReport, 'ratio' | 'lastModified'> & { lastModified: Date }): ObjectReport {
  return { ...o, ratio: o.size > 0 ? o.storedSize / o.size : 0, lastModified: o.lastModified.toISOString() };
}

/**
 * Reports every deltaspace under `prefix` in `bucket`. One HEAD per baseline; objects are
 * described from the listing index (docs/STORAGE_FORMAT.md) where it holds their entry, by
 * a HEAD otherwise (objects the other tools wrote, objects stored whole, for their reason);
 * prefixes without a baseline are no deltaspace and cost nothing.
 *
 * @example
 * for (const space of await deltaspaceReport(engine, 'builds', 'releases/')) console.log(space.deltaspace, space.trend);
 */
export async function deltaspaceReport(engine: DeltaGliderEngine, bucket: string, prefix = '', options: { driftFactor?: number } = {}): Promise<DeltaspaceReport[]> {
  const driftFactor = options.driftFactor ?? DEFAULT_DRIFT_WARNING_FACTOR;
  const baselineKeys: string[] = [];
  const deltaObjects = new Map<string, ListedObject>();
  for await (const o of listAll(engine.store, bucket, prefix)) {
    if (isReferenceKey(o.key) || isGroupBaselineKey(o.key)) baselineKeys.push(o.key);
    else if (isUserDeltaKey(o.key)) deltaObjects.set(o.key, o);
  }
  const spacesWithBaseline = new Set(baselineKeys.map(deltaspaceOf));
  const listed: ObjectSummary[] = [];
  for await (const o of listAllObjects(engine, bucket, prefix)) if (spacesWithBaseline.has(deltaspaceOf(o.key))) listed.push(o);
  const objects = (
    await mapLimit(listed, DEFAULT_LIST_HEAD_CONCURRENCY, async (summary): Promise<ObjectReport | undefined> => {
      const { key } = summary;
      const backend = summary.storageType === 'passthrough' ? undefined : deltaObjects.get(deltaKeyOf(key));
      const entry = backend && (await engine.indexedEntry(bucket, backend));
      if (backend && entry?.details) {
        const { details } = entry;
        return objectReport({ key, storageType: entry.storageType, profile: details.compact ? 'compact' : 'compatible', size: entry.size, storedSize: entry.backendSize, referenceKey: details.referenceKey, gzipAware: details.gzip === true, lastModified: backend.lastModified });
      }
      const r = await describeListed(engine.store, bucket, key, summary.storageType === 'passthrough' ? key : deltaKeyOf(key));
      if (!r) return undefined; // deleted meanwhile
      const { info } = r;
      return objectReport({ key, storageType: info.storageType, profile: info.profile, size: info.size, storedSize: info.storedSize, referenceKey: info.referenceKey, gzipAware: r.meta.gzip !== undefined, lastModified: info.lastModified, reason: info.reason });
    })
  ).filter((o): o is ObjectReport => o !== undefined);
  const baselines = (
    await mapLimit(baselineKeys, DEFAULT_LIST_HEAD_CONCURRENCY, async (key) => {
      const stored = await engine.store.headObject(bucket, key);
      if (!stored) return undefined;
      const meta = parseMetadata(stored.metadata);
      const b: BaselineReport = {
        key,
        generation: generationOf(key) ?? Number(/\.(\d{6})\.delta\.delta$/.exec(key)?.[1] ?? 0),
        size: meta.fileSize ?? stored.size,
        storedSize: stored.size,
        compression: meta.compression ?? 'none',
        sourceKey: stored.metadata['dg-source-name'],
        createdAt: stored.metadata['dg-created-at'],
        deltas: 0,
      };
      return b;
    })
  ).filter((b): b is BaselineReport => b !== undefined);

  const spaces = new Map<string, DeltaspaceReport>();
  const space = (name: string): DeltaspaceReport => {
    let s = spaces.get(name);
    if (!s) {
      s = { bucket, deltaspace: name, profiles: { compatible: 0, compact: 0 }, baselines: [], objects: [], originalBytes: 0, storedBytes: 0, savingsPercent: 0, warnings: [] };
      spaces.set(name, s);
    }
    return s;
  };
  for (const b of baselines) {
    const s = space(deltaspaceOf(b.key));
    s.baselines.push(b);
    s.storedBytes += b.storedSize;
  }
  for (const o of objects) {
    const s = space(deltaspaceOf(o.key));
    s.objects.push(o);
    s.profiles[o.profile]++;
    s.originalBytes += o.size;
    s.storedBytes += o.storedSize;
    // A version folder's deltas use its group's baseline, one folder up.
    const b = o.referenceKey && baselines.find((x) => x.key === o.referenceKey);
    if (b) b.deltas++;
  }
  for (const s of spaces.values()) {
    s.baselines.sort((a, b) => a.generation - b.generation);
    s.objects.sort((a, b) => a.lastModified.localeCompare(b.lastModified) || a.key.localeCompare(b.key));
    s.savingsPercent = savingsPercent(s.originalBytes, s.storedBytes);
    const deltas = s.objects.filter((o) => o.storageType === 'delta');
    if (deltas.length >= 2) {
      const n = Math.min(TREND_WINDOW, Math.floor(deltas.length / 2));
      const firstMedian = median(deltas.slice(0, n).map((d) => d.ratio)) as number;
      const lastMedian = median(deltas.slice(-n).map((d) => d.ratio)) as number;
      const growth = firstMedian > 0 ? lastMedian / firstMedian : 1;
      s.trend = { firstMedian, lastMedian, growth };
      if (growth >= driftFactor && lastMedian >= DRIFT_WARNING_MIN_RATIO) {
        s.warnings.push(`recent deltas are ${growth.toFixed(1)}x the size of the first ones (${(firstMedian * 100).toFixed(1)}% -> ${(lastMedian * 100).toFixed(1)}% of their originals): the baseline is drifting away from the releases`);
      }
    }
    const whole = s.objects.filter((o) => o.storageType === 'passthrough' && s.baselines.length > 0).length;
    if (whole > 0 && whole * 2 >= s.objects.length) {
      s.warnings.push(`${whole} of ${s.objects.length} objects are stored whole: their versions may be unrelated to the baseline (put each artifact's versions under a prefix of their own)`);
    }
    const orphans = s.baselines.filter((b) => b.deltas === 0 && b !== s.baselines[s.baselines.length - 1]);
    for (const b of orphans) s.warnings.push(`baseline ${fileNameOf(b.key)} is used by no object (${b.storedSize} bytes)`);
  }
  // A prefix without a baseline is a folder of objects stored as is, not a deltaspace.
  return [...spaces.values()].filter((s) => s.baselines.length > 0).sort((a, b) => (a.deltaspace < b.deltaspace ? -1 : a.deltaspace > b.deltaspace ? 1 : 0));
}

/** A terminal rendering of a report (what `deltaglider-proxy report` prints). */
export function formatDeltaspaceReport(reports: DeltaspaceReport[]): string {
  const mib = (n: number): string => `${(n / 1048576).toFixed(2)} MiB`;
  const pct = (r: number): string => `${(r * 100).toFixed(2)}%`;
  const lines: string[] = [];
  if (reports.length === 0) lines.push('no deltaspaces under this prefix');
  for (const s of reports) {
    const profiles = Object.entries(s.profiles).filter(([, n]) => n > 0).map(([p, n]) => `${p} ${n}`).join(', ') || 'no objects';
    const saved = s.objects.some((o) => o.storageType === 'delta') ? `${s.savingsPercent.toFixed(2)}% saved` : 'baseline only, nothing to save against yet';
    lines.push(`${s.bucket}/${s.deltaspace === '' ? '(root)' : s.deltaspace}: ${s.objects.length} objects (${profiles}), ${mib(s.originalBytes)} stored in ${mib(s.storedBytes)} (baselines included), ${saved}`);
    for (const b of s.baselines) {
      lines.push(`  baseline ${fileNameOf(b.key)}: ${mib(b.size)}${b.compression !== 'none' ? `, stored ${mib(b.storedSize)} (${b.compression})` : ''}, seeded by ${b.sourceKey ?? '?'}, used by ${b.deltas} object(s)`);
    }
    if (s.trend) lines.push(`  delta ratio trend: first ${pct(s.trend.firstMedian)} -> last ${pct(s.trend.lastMedian)} (x${s.trend.growth.toFixed(2)})`);
    for (const o of s.objects) {
      // The seeding object's bytes are the baseline above: its few-byte self-delta is no saving.
      const cost = o.storageType === 'reference' ? `${'baseline'.padStart(8)}  ${'(baseline)'.padStart(12)} / ${String(o.size).padEnd(12)}` : `${pct(o.ratio).padStart(8)}  ${String(o.storedSize).padStart(12)} / ${String(o.size).padEnd(12)}`;
      lines.push(`    ${o.storageType.padEnd(11)} ${cost} ${fileNameOf(o.key)}${o.gzipAware ? ' (gzip-aware)' : ''}${o.profile === 'compact' ? ' [compact]' : ''}${o.reason ? `: ${o.reason}` : ''}`);
    }
    for (const w of s.warnings) lines.push(`  ! ${w}`);
  }
  return lines.join('\n');
}
