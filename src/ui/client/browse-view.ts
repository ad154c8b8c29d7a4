/** `#/browse?bucket=B&prefix=P`: folders and objects under a prefix, its deltaspaces, upload. */
import { api, type Deltaspace } from './api.js';
import { savingsChart } from './chart.js';
import { h, icon, mount } from './dom.js';
import { formatCount, formatDate, formatPercent, formatRatio } from './format.js';
import { deleteObject, uploadControls } from './object-actions.js';
import { href } from './routes.js';
import type { ViewContext } from './view-context.js';
import { badge, baselineCell, bytesCell, crumbs, gradeBadge, legend, objectCostCells, pageHead, panel, spaceLabel, totalsCards } from './widgets.js';

function spacesTable(bucket: string, spaces: Deltaspace[]): HTMLElement {
  const rows = spaces.map((sp) =>
    h('tr', { 'data-space': sp.deltaspace },
      h('td', { class: 'name' }, icon('layers'), h('a', { href: href('space', { bucket, space: sp.deltaspace }) }, spaceLabel(sp.deltaspace))),
      bytesCell(sp.referenceBytes, 'num reference'),
      h('td', { class: 'num', 'data-deltas': sp.deltas }, formatCount(sp.deltas)),
      bytesCell(sp.storedBytes, 'num stored'),
      sp.baselineOnly
        ? baselineCell('only the baseline so far: the next version of this artifact is stored as a delta')
        : h('td', { class: 'num', 'data-savings': sp.savingsPercent.toFixed(2) }, h('span', { class: 'pct' }, formatPercent(sp.savingsPercent))),
      h('td', { class: 'num', 'data-ratio': sp.medianDeltaRatio ?? '' }, sp.medianDeltaRatio !== undefined ? [formatRatio(sp.medianDeltaRatio), ' '] : '', gradeBadge(sp)),
    ),
  );
  return h('table', { id: 'space-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Deltaspace'), h('th', { class: 'num' }, 'Reference'), h('th', { class: 'num' }, 'Deltas'), h('th', { class: 'num', title: 'deltas and the reference' }, 'Stored'), h('th', { class: 'num' }, 'Savings'), h('th', { class: 'num' }, 'Median ratio'))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No deltaspaces here.'))),
  );
}
/** Draws one page of a folder. */
export async function renderBrowse(ctx: ViewContext, bucket: string, prefix: string, token?: string): Promise<void> {
  ctx.chrome('buckets');
  const [list, spaces] = await Promise.all([api.objects(bucket, prefix, token), api.deltaspaces(bucket, prefix)]);
  if (!ctx.isCurrent()) return;
  const reload = ctx.reload;
  const { originalBytes: original, storedBytes: stored, objects } = spaces.totals;

  const folderRows = list.folders.map((f) =>
    h('tr', { class: 'folder', 'data-folder': f },
      h('td', { class: 'name' }, icon('folder'), h('a', { href: href('browse', { bucket, prefix: f }) }, f.slice(prefix.length))),
      h('td', { class: 'num muted' }, '—'), h('td', { class: 'num muted' }, '—'), h('td', {}), h('td', {}), h('td', {}), h('td', {}),
    ),
  );
  const objectRows = list.objects.map((o) => {
    const [storedTd, savingsTd] = objectCostCells(o);
    return h('tr', { class: 'object', 'data-key': o.key, 'data-type': o.storageType },
      h('td', { class: 'name' }, icon('file'), h('a', { href: href('object', { bucket, key: o.key }) }, o.key.slice(prefix.length))),
      bytesCell(o.size),
      storedTd,
      h('td', {}, badge(o.storageType, o.pending)),
      savingsTd,
      h('td', { class: 'muted' }, formatDate(o.lastModified)),
      h('td', { class: 'num' },
        h('a', { class: 'button small', href: api.downloadUrl(bucket, o.key), download: '', title: 'Download' }, 'Download'), ' ',
        h('button', { class: 'small danger', 'data-action': 'delete', onclick: () => void deleteObject(bucket, o.key, reload) }, 'Delete'),
      ),
    );
  });
  const table = h('table', { id: 'object-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', { class: 'num' }, 'Original'), h('th', { class: 'num' }, 'Stored'), h('th', {}, 'Storage'), h('th', { class: 'num' }, 'Savings'), h('th', {}, 'Last modified'), h('th', {}))),
    h('tbody', {}, folderRows.length + objectRows.length ? [folderRows, objectRows] : h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'Empty. Drop files here to upload them.'))),
  );
  const chartRows = spaces.deltaspaces.map((sp) => ({ label: spaceLabel(sp.deltaspace), original: sp.originalBytes, stored: sp.storedBytes, note: sp.baselineOnly ? 'baseline only' : undefined }));
  const uploader = uploadControls(bucket, prefix, reload);
  const title = prefix ? prefix.replace(/\/$/, '').split('/').pop() ?? prefix : bucket;
  mount(ctx.app,
    crumbs(bucket, prefix),
    pageHead(title, prefix ? `Folder in ${bucket}` : 'Bucket'),
    totalsCards(objects, original, stored, `${formatCount(spaces.deltaspaces.length)} deltaspace${spaces.deltaspaces.length === 1 ? '' : 's'}`),
    chartRows.length
      ? h('div', { class: 'grid-2 spaces' },
          panel('Savings by deltaspace', [h('div', { class: 'chart', id: 'savings-chart' }, savingsChart(chartRows, 'Stored vs original per deltaspace')), legend()], undefined, 'panel-body'),
          panel('Deltaspaces', spacesTable(bucket, spaces.deltaspaces)),
        )
      : null,
    uploader.zone(panel([prefix ? `Contents of ${prefix}` : 'Contents', token ? h('span', { class: 'muted' }, ' (continued)') : null], table, uploader.head)),
    list.isTruncated && list.nextToken ? h('div', { class: 'more' }, h('a', { class: 'button', href: href('browse', { bucket, prefix, token: list.nextToken }) }, 'Next 1,000 entries →')) : null,
  );
}
