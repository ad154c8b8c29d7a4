/** Inline SVG savings chart: per row, the original size as a grey track and the stored size as a bar on the same scale. */
import { s } from './dom.js';
import { formatBytes, formatPercent, savingsOf } from './format.js';

export interface ChartRow {
  label: string;
  original: number;
  stored: number;
  /** Shown instead of "x% saved" (a baseline has nothing to save against). */
  note?: string;
}

const LABEL_W = 128;
const VALUE_W = 92;
const ROW_H = 44;
const BAR_H = 16;

/** `width` is the viewBox width: pick about the rendered width so text stays ~12px. */
export function savingsChart(rows: ChartRow[], title = 'Stored vs original', W = 520): SVGElement {
  const max = Math.max(1, ...rows.map((r) => Math.max(r.original, r.stored)));
  const barW = W - LABEL_W - VALUE_W - 8;
  const height = rows.length * ROW_H + 8;
  const svg = s('svg', { viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': title, class: 'savings-chart' }, s('title', {}, title));
  rows.forEach((r, i) => {
    const y = i * ROW_H + 6;
    const ow = Math.max(2, (r.original / max) * barW);
    const sw = r.stored === 0 ? 0 : Math.max(2, (r.stored / max) * barW);
    const pct = savingsOf(r.original, r.stored);
    const label = r.label.length > 18 ? `…${r.label.slice(-17)}` : r.label;
    svg.append(
      s('g', { class: 'chart-row', 'data-label': r.label, 'data-original': r.original, 'data-stored': r.stored },
        s('title', {}, `${r.label}: ${formatBytes(r.stored)} stored of ${formatBytes(r.original)} (${r.note ?? `${formatPercent(pct)} saved`})`),
        s('text', { x: 0, y: y + 13, 'font-weight': 600 }, label),
        s('text', { x: 0, y: y + 28, class: 'axis' }, `${formatBytes(r.original)} → ${formatBytes(r.stored)}`),
        s('rect', { x: LABEL_W, y: y + 4, width: barW, height: BAR_H, rx: 4, fill: '#f1f5f9' }),
        s('rect', { x: LABEL_W, y: y + 4, width: ow, height: BAR_H, rx: 4, fill: '#cbd5e1' }),
        sw > 0 ? s('rect', { x: LABEL_W, y: y + 4, width: sw, height: BAR_H, rx: 4, fill: '#4f46e5' }) : null,
        s('text', { x: W - 4, y: y + 17, 'text-anchor': 'end', 'font-weight': 700, fill: pct >= 50 ? '#059669' : pct > 0 ? '#0f172a' : '#94a3b8' }, r.note ?? `${formatPercent(pct)} saved`),
      ),
    );
  });
  return svg;
}
