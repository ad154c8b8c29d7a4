/** Building blocks every view shares: size and savings cells, badges, cards, breadcrumbs, panels. */
import { HttpError, type Deltaspace, type ObjectRow } from './api.js';
import { h, type Child } from './dom.js';
import { formatBytes, formatCount, formatPercent, savingsOf } from './format.js';
import { href } from './routes.js';

/** A table cell showing a byte count (exact count in the tooltip). */
export function bytesCell(bytes: number, cls = 'num'): HTMLTableCellElement {
  return h('td', { class: cls, 'data-bytes': bytes, title: `${formatCount(bytes)} bytes` }, formatBytes(bytes));
}

/** A table cell with the savings percentage and its meter. */
export function savingsCell(original: number, stored: number): HTMLTableCellElement {
  const pct = savingsOf(original, stored);
  const clamped = Math.max(0, Math.min(100, pct));
  const meter = h('span', { class: 'meter' }, h('span'));
  (meter.firstChild as HTMLElement).style.width = `${clamped}%`;
  return h('td', { class: 'num', 'data-savings': pct.toFixed(2) }, h('span', { class: `savings${pct <= 0 ? ' none' : ''}` }, meter, h('span', { class: 'pct' }, formatPercent(pct))));
}

/** The savings cell of a seeding object or a baseline-only deltaspace: its bytes are the baseline, nothing to save against. */
export function baselineCell(hint: string): HTMLTableCellElement {
  return h('td', { class: 'num', 'data-savings': 'baseline', title: hint }, h('span', { class: 'savings none' }, h('span', { class: 'pct' }, 'baseline')));
}

/** Stored and savings cells of an object row: the seeding object costs its baseline, shown at its original size. */
export function objectCostCells(o: ObjectRow): HTMLTableCellElement[] {
  if (o.storageType !== 'reference') return [bytesCell(o.storedSize), savingsCell(o.size, o.storedSize)];
  const stored = bytesCell(o.size);
  stored.title = `held by the deltaspace's baseline (reference.bin), counted on the deltaspace row; plus a ${formatCount(o.storedSize)}-byte self-delta`;
  return [stored, baselineCell('this upload seeded the deltaspace: its bytes are the baseline every later version is a delta of')];
}

/** The storage-type badge of an object (or "pending" before the compactor ran). */
export function badge(type: ObjectRow['storageType'], pending?: boolean): HTMLElement {
  if (pending) return h('span', { class: 'badge pending', title: 'stored as uploaded and readable; the compactor will store it as a delta' }, 'pending');
  return h('span', { class: `badge ${type}`, title: type === 'reference' ? 'the deltaspace baseline: stored once, deltas point at it' : type === 'delta' ? 'stored as a VCDIFF delta against the reference' : type === 'compressed' ? 'stored compressed on its own (compact profile)' : 'stored as is' }, type);
}

/** A deltaspace's median-ratio grade, or a dash when it has none. */
export function gradeBadge(space: Deltaspace): Child {
  return space.grade ? h('span', { class: `grade ${space.grade}` }, space.grade) : h('span', { class: 'muted' }, '—');
}

/** A summary card; `testId` and `raw` let tests read the exact value. */
export function card(label: string, value: string, hint: string | undefined, testId: string, raw: number | string, highlight = false): HTMLElement {
  return h('div', { class: `card${highlight ? ' highlight' : ''}`, 'data-testid': testId, 'data-value': raw },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value),
    hint ? h('div', { class: 'hint' }, hint) : null,
  );
}

/** The four totals cards: objects, original, stored, savings. */
export function totalsCards(objects: number, original: number, stored: number, objectsHint?: string): HTMLElement {
  const pct = savingsOf(original, stored);
  return h('div', { class: 'cards' },
    card('Objects', formatCount(objects), objectsHint, 'total-objects', objects),
    card('Original size', formatBytes(original), 'what clients stored', 'total-original', original),
    card('Stored size', formatBytes(stored), 'on the backend, references included', 'total-stored', stored),
    card('Savings', formatPercent(pct), original > stored ? `${formatBytes(original - stored)} saved` : 'nothing saved yet', 'total-savings', pct.toFixed(2), true),
  );
}

/** The breadcrumb trail from the bucket list down to a prefix (and a tail). */
export function crumbs(bucket?: string, prefix = '', tail?: string): HTMLElement {
  const parts: Child[] = [h('a', { href: href('') }, 'Buckets')];
  if (bucket !== undefined) {
    parts.push(h('span', { class: 'sep' }, '/'), h('a', { href: href('browse', { bucket }) }, bucket));
    let acc = '';
    for (const seg of prefix.split('/').filter(Boolean)) {
      acc += `${seg}/`;
      parts.push(h('span', { class: 'sep' }, '/'), h('a', { href: href('browse', { bucket, prefix: acc }) }, seg));
    }
  }
  if (tail) parts.push(h('span', { class: 'sep' }, '/'), h('span', {}, tail));
  return h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' }, parts);
}

/** The page title, subtitle and action buttons. */
export function pageHead(title: string, subtitle: Child, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'page-head' },
    h('div', {}, h('h1', {}, title), subtitle ? h('div', { class: 'subtitle' }, subtitle) : null),
    h('div', { class: 'actions' }, actions),
  );
}

/** A titled panel around `body`. */
export function panel(title: Child, body: Child, extra?: Child, bodyClass = ''): HTMLElement {
  return h('section', { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', {}, title), extra ?? null),
    h('div', { class: bodyClass }, body),
  );
}

/** A deltaspace as shown: its prefix, or "(bucket root)". */
export function spaceLabel(space: string): string {
  return space === '' ? '(bucket root)' : `${space}/`;
}

/** The panel shown when a page could not be loaded. */
export function errorView(err: unknown): HTMLElement {
  const msg = err instanceof HttpError ? `${err.code}: ${err.message}` : (err as Error).message;
  return h('div', { class: 'panel' }, h('div', { class: 'empty' }, `Could not load this page. ${msg}`));
}

/** The legend of the savings charts. */
export function legend(): HTMLElement {
  const sw = (color: string): HTMLElement => {
    const i = h('i');
    i.style.background = color;
    return i;
  };
  return h('div', { class: 'legend' }, h('span', {}, sw('#cbd5e1'), 'Original size'), h('span', {}, sw('#4f46e5'), 'Stored size (deltas + reference)'));
}
