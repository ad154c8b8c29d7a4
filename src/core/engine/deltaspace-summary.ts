/**
 * The figures every surface shows for a deltaspace (savings, median delta ratio, grade),
 * computed once here; /stats, the report, the UI API and the UI only render them.
 */

/** Delta/reference ratio grades (upper bounds; a ratio at or above 50% is Poor). */
export type Grade = 'Excellent' | 'Good' | 'Fair' | 'Poor';

/** Excellent <= 5%, Good < 20%, Fair 20-50%, Poor >= 50%. */
export function gradeRatio(ratio: number): Grade {
  if (ratio <= 0.05) return 'Excellent';
  if (ratio < 0.2) return 'Good';
  if (ratio < 0.5) return 'Fair';
  return 'Poor';
}

/** Median of `values`; undefined for none. */
export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Savings of stored against original in percent, two decimals (0 when there is nothing). */
export function savingsPercent(original: number, stored: number): number {
  return original === 0 ? 0 : Math.round((1 - stored / original) * 10000) / 100;
}

/** What one deltaspace holds, as listed. */
export interface DeltaspaceFigures {
  originalBytes: number;
  /** Objects and baselines. */
  storedBytes: number;
  /** Baseline bytes on the backend. */
  referenceBytes: number;
  /** Baselines present (`reference.bin`, compact generations). */
  baselines: number;
  /** Stored size of each delta-stored object (the seeding object excluded). */
  deltaSizes: number[];
}

/** The rendered-everywhere summary of a deltaspace. */
export interface DeltaspaceSummary {
  /** Stored (baselines included) against original; meaningless while `baselineOnly`. */
  savingsPercent: number;
  /**
   * Only the seeding object and its baseline: nothing saved yet, nothing lost but the
   * self-delta's few bytes. Shown as "baseline only", not as a negative percentage.
   */
  baselineOnly: boolean;
  /** Median of delta size / baseline size; absent without deltas. */
  medianDeltaRatio?: number;
  grade?: Grade;
}

/**
 * A prefix is a deltaspace when it holds a baseline. Prefixes of passthrough objects only
 * (text files, eligible files never seeded) are just folders.
 */
export function isDeltaspace(figures: Pick<DeltaspaceFigures, 'baselines'>): boolean {
  return figures.baselines > 0;
}

/** Savings, median delta/reference ratio and grade of one deltaspace. */
export function summarizeDeltaspace(figures: DeltaspaceFigures): DeltaspaceSummary {
  const summary: DeltaspaceSummary = {
    savingsPercent: savingsPercent(figures.originalBytes, figures.storedBytes),
    baselineOnly: figures.baselines > 0 && figures.deltaSizes.length === 0,
  };
  const ratio = figures.referenceBytes > 0 ? median(figures.deltaSizes.map((d) => d / figures.referenceBytes)) : undefined;
  if (ratio !== undefined) {
    summary.medianDeltaRatio = ratio;
    summary.grade = gradeRatio(ratio);
  }
  return summary;
}
