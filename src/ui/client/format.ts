/** Number and date formatting shared by the views (pure: also used by the tests). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 -> "1.50 KiB"; binary units, three significant digits. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${UNITS[u]}`;
}

/** Savings of stored against original, in percent (0 when there is nothing). */
export function savingsOf(original: number, stored: number): number {
  return original === 0 ? 0 : (1 - stored / original) * 100;
}

/** 97.345 -> "97.3%". */
export function formatPercent(pct: number): string {
  // Near-total savings must not round up to a misleading "100.0%".
  if (pct > 99 && pct < 100) return `${(Math.floor(pct * 100) / 100).toFixed(2)}%`;
  return `${pct.toFixed(1)}%`;
}

/** Delta/reference ratio 0.0123 -> "1.23%". */
export function formatRatio(ratio: number): string {
  const pct = ratio * 100;
  return `${pct < 10 ? pct.toFixed(2) : pct.toFixed(1)}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** ISO date -> "2024-05-01 13:45" (local time). */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
