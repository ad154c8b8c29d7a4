/** `#/`: every bucket with its totals, and the savings chart. */
import { api } from './api.js';
import { savingsChart } from './chart.js';
import { h, icon, mount } from './dom.js';
import { formatCount, formatDate } from './format.js';
import { href } from './routes.js';
import type { ViewContext } from './view-context.js';
import { bytesCell, legend, pageHead, panel, savingsCell, totalsCards } from './widgets.js';

/** Draws the bucket list. */
export async function renderBuckets(ctx: ViewContext): Promise<void> {
  ctx.chrome('buckets');
  const data = await api.buckets();
  if (!ctx.isCurrent()) return;
  const t = data.totals;
  const rows = data.buckets.map((b) =>
    h('tr', { 'data-bucket': b.name },
      h('td', { class: 'name' }, icon('bucket'), h('a', { href: href('browse', { bucket: b.name }) }, b.name)),
      h('td', { class: 'num', 'data-objects': b.objects }, formatCount(b.objects)),
      bytesCell(b.originalBytes),
      bytesCell(b.storedBytes),
      savingsCell(b.originalBytes, b.storedBytes),
      h('td', { class: 'muted' }, b.created ? formatDate(b.created) : ''),
    ),
  );
  const table = h('table', { id: 'bucket-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Bucket'), h('th', { class: 'num' }, 'Objects'), h('th', { class: 'num' }, 'Original'), h('th', { class: 'num' }, 'Stored'), h('th', { class: 'num' }, 'Savings'), h('th', {}, 'Created'))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No buckets yet. Create one with any S3 client (aws s3 mb s3://name).'))),
  );
  const chartRows = data.buckets.filter((b) => b.originalBytes > 0).map((b) => ({ label: b.name, original: b.originalBytes, stored: b.storedBytes }));
  mount(ctx.app,
    pageHead('Buckets', `${formatCount(t.buckets)} bucket${t.buckets === 1 ? '' : 's'} on ${ctx.session?.backend ?? 'the backend'}`),
    totalsCards(t.objects, t.originalBytes, t.storedBytes, `in ${formatCount(t.buckets)} bucket${t.buckets === 1 ? '' : 's'}`),
    panel('All buckets', table),
    chartRows.length ? panel('Savings by bucket', [h('div', { class: 'chart' }, savingsChart(chartRows, 'Stored vs original per bucket', 1100)), legend()], undefined, 'panel-body') : null,
  );
}
