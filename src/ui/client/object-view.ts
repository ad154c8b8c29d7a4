/** `#/object?bucket=B&key=K`: the object inspector. */
import { api } from './api.js';
import { h, mount, type Child } from './dom.js';
import { formatBytes, formatCount, formatDate, formatPercent, formatRatio, savingsOf } from './format.js';
import { deleteObject } from './object-actions.js';
import { href } from './routes.js';
import type { ViewContext } from './view-context.js';
import { badge, card, crumbs, pageHead, panel, spaceLabel } from './widgets.js';

/** Draws one object's properties and metadata. */
export async function renderObject(ctx: ViewContext, bucket: string, key: string): Promise<void> {
  ctx.chrome('buckets');
  const o = await api.object(bucket, key);
  if (!ctx.isCurrent()) return;
  const prefix = o.deltaspace === '' ? '' : `${o.deltaspace}/`;
  const name = key.slice(prefix.length);
  const props: [string, Child, string?][] = [
    ['Key', h('code', {}, o.key), 'key'],
    ['Bucket', o.bucket],
    ['Content type', o.contentType ?? '—', 'content-type'],
    ['Original size', `${formatBytes(o.size)} (${formatCount(o.size)} bytes)`, 'size'],
    ['Stored size', `${formatBytes(o.storedSize)} (${formatCount(o.storedSize)} bytes)`, 'stored-size'],
    ['Storage type', badge(o.storageType, o.pending)],
    ...(o.reason ? [['Why stored whole', o.reason, 'reason'] as [string, Child, string]] : []),
    ['SHA-256', h('code', {}, o.sha256 ?? '—'), 'sha256'],
    ['ETag (MD5)', h('code', {}, o.etag)],
    ['Last modified', `${formatDate(o.lastModified)} (${o.lastModified})`],
    ['Deltaspace', h('a', { href: href('space', { bucket, space: o.deltaspace }) }, spaceLabel(o.deltaspace)), 'deltaspace'],
    ['Backend key', h('code', {}, o.backendKey)],
  ];
  if (o.referenceKey) {
    props.push(['Depends on reference', o.reference
      ? [h('code', {}, o.reference.key), ` · ${formatBytes(o.reference.size)}`, o.reference.sourceKey ? ` · from ${o.reference.sourceKey}` : '', o.deltaRatio !== undefined ? ` · delta is ${formatRatio(o.deltaRatio)} of it` : '']
      : [h('code', {}, o.referenceKey), ' (missing!)'], 'reference']);
    if (o.reference?.sha256) props.push(['Reference SHA-256', h('code', {}, o.reference.sha256)]);
  } else {
    props.push(['Depends on reference', 'none (stored as is)', 'reference']);
  }
  const dl = (entries: [string, Child, string?][]): HTMLElement =>
    h('dl', { class: 'props' }, entries.map(([k, v, id]) => [h('dt', {}, k), h('dd', id ? { 'data-prop': id } : {}, v)]));
  const meta = Object.entries(o.rawMetadata).sort(([a], [b]) => (a < b ? -1 : 1));
  const user = Object.entries(o.userMetadata);
  mount(ctx.app,
    crumbs(bucket, prefix, name),
    pageHead(name, o.contentType ?? 'object',
      h('a', { class: 'button primary', id: 'download', href: api.downloadUrl(bucket, key), download: '' }, 'Download'), ' ',
      h('button', { class: 'danger', id: 'delete', onclick: () => void deleteObject(bucket, key, () => { location.hash = href('browse', { bucket, prefix }); }) }, 'Delete'),
    ),
    h('div', { class: 'cards' },
      card('Original size', formatBytes(o.size), undefined, 'object-size', o.size),
      o.storageType === 'reference'
        ? card('Stored size', formatBytes(o.size), `as the deltaspace's baseline, plus a ${formatCount(o.storedSize)}-byte self-delta`, 'object-stored', o.size)
        : card('Stored size', formatBytes(o.storedSize), o.storageType === 'passthrough' ? 'stored as is' : 'delta on the backend', 'object-stored', o.storedSize),
      o.storageType === 'reference'
        ? card('Savings', 'baseline', 'later versions are deltas of it', 'object-savings', 'baseline')
        : card('Savings', formatPercent(savingsOf(o.size, o.storedSize)), undefined, 'object-savings', o.savingsPercent, true),
      card('Storage type', o.storageType, o.storageType === 'reference' ? 'first of its deltaspace' : undefined, 'object-type', o.storageType),
    ),
    panel('Properties', dl(props)),
    user.length ? panel('User metadata (x-amz-meta-*)', dl(user.map(([k, v]) => [k, h('code', {}, v)] as [string, Child]))) : null,
    panel('Backend metadata', meta.length ? dl(meta.map(([k, v]) => [k, h('code', {}, v)] as [string, Child])) : h('div', { class: 'empty' }, 'none')),
  );
}
