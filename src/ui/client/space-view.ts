/** `#/space?bucket=B&space=S`: one deltaspace, its reference, deltas and median ratio grade. */
import { api } from './api.js';
import { savingsChart } from './chart.js';
import { h, icon, mount } from './dom.js';
import { formatBytes, formatCount, formatPercent, formatRatio } from './format.js';
import { href } from './routes.js';
import type { ViewContext } from './view-context.js';
import { badge, bytesCell, card, crumbs, gradeBadge, legend, objectCostCells, pageHead, panel, spaceLabel } from './widgets.js';

/** Draws one deltaspace. */
export async function renderSpace(ctx: ViewContext, bucket: string, space: string): Promise<void> {
  ctx.chrome('buckets');
  const prefix = space === '' ? '' : `${space}/`;
  const [spaces, list] = await Promise.all([api.deltaspaces(bucket, prefix), api.objects(bucket, prefix)]);
  if (!ctx.isCurrent()) return;
  const sp = spaces.deltaspaces.find((d) => d.deltaspace === space);
  const head = [crumbs(bucket, prefix, 'deltaspace'), pageHead(spaceLabel(space), `Deltaspace in ${bucket}`, h('a', { class: 'button', href: href('browse', { bucket, prefix }) }, 'Browse folder'))];
  if (!sp) {
    mount(ctx.app, head, h('div', { class: 'panel' }, h('div', { class: 'empty' }, 'Not a deltaspace: no baseline under this prefix, so its objects are stored as is.')));
    return;
  }
  const ratioCard = h('div', { class: 'card', 'data-testid': 'median-ratio', 'data-value': sp.medianDeltaRatio ?? '' },
    h('div', { class: 'label' }, 'Median delta / reference'),
    h('div', { class: 'value' }, sp.medianDeltaRatio !== undefined ? formatRatio(sp.medianDeltaRatio) : '—', ' ', gradeBadge(sp)),
    h('div', { class: 'hint' }, 'Excellent ≤5% · Good <20% · Fair 20–50% · Poor ≥50%'),
  );
  const rows = list.objects.map((o) => {
    const [storedTd, savingsTd] = objectCostCells(o);
    const ratio = o.storageType === 'delta' && sp.referenceBytes > 0 ? formatRatio(o.storedSize / sp.referenceBytes) : o.storageType === 'reference' ? 'baseline' : '—';
    return h('tr', { 'data-key': o.key },
      h('td', { class: 'name' }, icon('file'), h('a', { href: href('object', { bucket, key: o.key }) }, o.key.slice(prefix.length))),
      bytesCell(o.size),
      storedTd,
      h('td', {}, badge(o.storageType, o.pending)),
      h('td', { class: 'num' }, ratio),
      savingsTd,
    );
  });
  mount(ctx.app, head,
    h('div', { class: 'cards' },
      card('Reference size', formatBytes(sp.referenceBytes), 'the baseline every delta needs', 'reference-size', sp.referenceBytes),
      card('Deltas', formatCount(sp.deltas), `${formatCount(sp.objects)} objects in total`, 'delta-count', sp.deltas),
      ratioCard,
      sp.baselineOnly
        ? card('Savings', 'baseline only', `${formatBytes(sp.storedBytes)} stored of ${formatBytes(sp.originalBytes)}: the next version is stored as a delta`, 'space-savings', 'baseline')
        : card('Savings', formatPercent(sp.savingsPercent), `${formatBytes(sp.storedBytes)} stored of ${formatBytes(sp.originalBytes)}, reference included`, 'space-savings', sp.savingsPercent, true),
    ),
    panel('Stored vs original', [h('div', { class: 'chart', id: 'space-chart' }, savingsChart([
      { label: 'Whole deltaspace', original: sp.originalBytes, stored: sp.storedBytes, note: sp.baselineOnly ? 'baseline only' : undefined },
      ...list.objects.slice(0, 12).map((o) => (o.storageType === 'reference' ? { label: o.key.slice(prefix.length), original: o.size, stored: o.size, note: 'baseline' } : { label: o.key.slice(prefix.length), original: o.size, stored: o.storedSize })),
    ], 'Stored vs original per object', 1100)), legend()], undefined, 'panel-body'),
    panel('Objects in this deltaspace', h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', { class: 'num' }, 'Original'), h('th', { class: 'num' }, 'Stored'), h('th', {}, 'Storage'), h('th', { class: 'num' }, 'Delta / reference'), h('th', { class: 'num' }, 'Savings'))),
      h('tbody', {}, rows),
    )),
  );
}
