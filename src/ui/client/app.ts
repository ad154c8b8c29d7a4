/**
 * The DeltaGlider web UI: a single-page app with hash routes.
 *
 *   #/                                 buckets with totals and a savings chart
 *   #/browse?bucket=B&prefix=P         objects and folders under a prefix, upload, delete
 *   #/space?bucket=B&space=S           one deltaspace: reference, deltas, median ratio grade
 *   #/object?bucket=B&key=K            object inspector
 */
import { api, HttpError, setUnauthorizedHandler, type Deltaspace, type ObjectRow, type Session } from './api.js';
import { savingsChart } from './chart.js';
import { h, icon, mount, type Child } from './dom.js';
import { formatBytes, formatCount, formatDate, formatPercent, formatRatio, savingsOf } from './format.js';

const app = document.getElementById('app') as HTMLElement;
const topnav = document.getElementById('topnav') as HTMLElement;
const topright = document.getElementById('topright') as HTMLElement;
const toastEl = document.getElementById('toast') as HTMLElement;

let session: Session | undefined;
/** Bumped on every navigation so a slow render cannot overwrite a newer one. */
let generation = 0;

// ------------------------------------------------------------------ helpers

function href(route: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(params).toString();
  return `#/${route}${q ? `?${q}` : ''}`;
}

function parseRoute(): { route: string; params: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const i = raw.indexOf('?');
  return { route: i < 0 ? raw : raw.slice(0, i), params: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)) };
}

let toastTimer: number | undefined;
function toast(message: string, bad = false): void {
  toastEl.textContent = message;
  toastEl.className = `toast show${bad ? ' bad' : ''}`;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    toastEl.className = 'toast';
  }, 4000);
}

function bytesCell(bytes: number, cls = 'num'): HTMLTableCellElement {
  return h('td', { class: cls, 'data-bytes': bytes, title: `${formatCount(bytes)} bytes` }, formatBytes(bytes));
}

function savingsCell(original: number, stored: number): HTMLTableCellElement {
  const pct = savingsOf(original, stored);
  const clamped = Math.max(0, Math.min(100, pct));
  const meter = h('span', { class: 'meter' }, h('span'));
  (meter.firstChild as HTMLElement).style.width = `${clamped}%`;
  return h('td', { class: 'num', 'data-savings': pct.toFixed(2) }, h('span', { class: `savings${pct <= 0 ? ' none' : ''}` }, meter, h('span', { class: 'pct' }, formatPercent(pct))));
}

/** The savings cell of a seeding object or a baseline-only deltaspace: its bytes are the baseline, nothing to save against. */
function baselineCell(hint: string): HTMLTableCellElement {
  return h('td', { class: 'num', 'data-savings': 'baseline', title: hint }, h('span', { class: 'savings none' }, h('span', { class: 'pct' }, 'baseline')));
}

/** Stored and savings cells of an object row: the seeding object costs its baseline, shown at its original size. */
function objectCostCells(o: ObjectRow): HTMLTableCellElement[] {
  if (o.storageType !== 'reference') return [bytesCell(o.storedSize), savingsCell(o.size, o.storedSize)];
  const stored = bytesCell(o.size);
  stored.title = `held by the deltaspace's baseline (reference.bin), counted on the deltaspace row; plus a ${formatCount(o.storedSize)}-byte self-delta`;
  return [stored, baselineCell('this upload seeded the deltaspace: its bytes are the baseline every later version is a delta of')];
}

function badge(type: ObjectRow['storageType'], pending?: boolean): HTMLElement {
  if (pending) return h('span', { class: 'badge pending', title: 'stored as uploaded and readable; the compactor will store it as a delta' }, 'pending');
  return h('span', { class: `badge ${type}`, title: type === 'reference' ? 'the deltaspace baseline: stored once, deltas point at it' : type === 'delta' ? 'stored as a VCDIFF delta against the reference' : type === 'compressed' ? 'stored compressed on its own (compact profile)' : 'stored as is' }, type);
}

function gradeBadge(space: Deltaspace): Child {
  return space.grade ? h('span', { class: `grade ${space.grade}` }, space.grade) : h('span', { class: 'muted' }, '—');
}

function card(label: string, value: string, hint: string | undefined, testId: string, raw: number | string, highlight = false): HTMLElement {
  return h('div', { class: `card${highlight ? ' highlight' : ''}`, 'data-testid': testId, 'data-value': raw },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value),
    hint ? h('div', { class: 'hint' }, hint) : null,
  );
}

function totalsCards(objects: number, original: number, stored: number, objectsHint?: string): HTMLElement {
  const pct = savingsOf(original, stored);
  return h('div', { class: 'cards' },
    card('Objects', formatCount(objects), objectsHint, 'total-objects', objects),
    card('Original size', formatBytes(original), 'what clients stored', 'total-original', original),
    card('Stored size', formatBytes(stored), 'on the backend, references included', 'total-stored', stored),
    card('Savings', formatPercent(pct), original > stored ? `${formatBytes(original - stored)} saved` : 'nothing saved yet', 'total-savings', pct.toFixed(2), true),
  );
}

function crumbs(bucket?: string, prefix = '', tail?: string): HTMLElement {
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

function pageHead(title: string, subtitle: Child, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'page-head' },
    h('div', {}, h('h1', {}, title), subtitle ? h('div', { class: 'subtitle' }, subtitle) : null),
    h('div', { class: 'actions' }, actions),
  );
}

function panel(title: Child, body: Child, extra?: Child, bodyClass = ''): HTMLElement {
  return h('section', { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', {}, title), extra ?? null),
    h('div', { class: bodyClass }, body),
  );
}

function spaceLabel(space: string): string {
  return space === '' ? '(bucket root)' : `${space}/`;
}

function errorView(err: unknown): HTMLElement {
  const msg = err instanceof HttpError ? `${err.code}: ${err.message}` : (err as Error).message;
  return h('div', { class: 'panel' }, h('div', { class: 'empty' }, `Could not load this page. ${msg}`));
}

// ------------------------------------------------------------------ login

function renderLogin(error?: string): void {
  topnav.replaceChildren();
  topright.replaceChildren();
  const methods = session?.methods ?? { keys: true, password: false };
  let mode: 'keys' | 'password' = methods.keys ? 'keys' : 'password';
  const errorBox = h('div', { class: 'error', role: 'alert' }, error ?? '');
  if (!error) errorBox.hidden = true;
  const fields = h('div');
  const tabs = h('div', { class: 'tabs' });
  const draw = (): void => {
    mount(fields, mode === 'keys'
      ? [
          h('label', { for: 'login-key' }, 'Access key ID'),
          h('input', { id: 'login-key', name: 'accessKeyId', autocomplete: 'username', required: true, autofocus: true }),
          h('label', { for: 'login-secret' }, 'Secret access key'),
          h('input', { id: 'login-secret', name: 'secretAccessKey', type: 'password', autocomplete: 'current-password', required: true }),
        ]
      : [
          h('label', { for: 'login-password' }, 'Admin password'),
          h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, autofocus: true }),
        ]);
    mount(tabs,
      h('button', { type: 'button', class: mode === 'keys' ? 'active' : '', onclick: () => { mode = 'keys'; draw(); } }, 'S3 keys'),
      h('button', { type: 'button', class: mode === 'password' ? 'active' : '', onclick: () => { mode = 'password'; draw(); } }, 'Admin password'),
    );
  };
  draw();
  const form = h('form', { class: 'login', id: 'login-form' },
    h('h1', {}, 'Sign in'),
    h('p', {}, methods.keys && methods.password ? 'Use the proxy’s S3 access keys or the admin password.' : methods.keys ? 'Use the proxy’s S3 access key and secret.' : 'Enter the admin password.'),
    methods.keys && methods.password ? tabs : null,
    fields,
    errorBox,
    h('button', { type: 'submit', class: 'primary submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data: Record<string, string> = {};
    for (const input of Array.from(form.querySelectorAll('input'))) data[input.name] = input.value;
    const submit = form.querySelector('button[type=submit]') as HTMLButtonElement;
    submit.disabled = true;
    api.login(data).then(
      async () => {
        session = await api.session();
        void route();
      },
      (err: unknown) => {
        submit.disabled = false;
        errorBox.hidden = false;
        errorBox.textContent = err instanceof HttpError ? err.message : 'Sign-in failed.';
      },
    );
  });
  mount(app, h('div', { class: 'login-wrap' }, form));
  (form.querySelector('input') as HTMLInputElement | null)?.focus();
}

function renderChrome(active: string): void {
  mount(topnav, h('a', { href: href(''), class: active === 'buckets' ? 'active' : '' }, 'Buckets'), h('a', { href: '/metrics', target: '_blank', rel: 'noopener' }, 'Metrics'), h('a', { href: '/stats', target: '_blank', rel: 'noopener' }, 'Stats'));
  const right: Child[] = [h('span', { title: 'backend' }, session?.backend ?? '')];
  if (session?.authRequired) {
    right.push(h('button', {
      class: 'small', id: 'logout', onclick: () => {
        void api.logout().finally(() => {
          if (session) session.authenticated = false;
          renderLogin();
        });
      },
    }, 'Sign out'));
  }
  mount(topright, right);
}

// ------------------------------------------------------------------ buckets

async function renderBuckets(gen: number): Promise<void> {
  renderChrome('buckets');
  const data = await api.buckets();
  if (gen !== generation) return;
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
  mount(app,
    pageHead('Buckets', `${formatCount(t.buckets)} bucket${t.buckets === 1 ? '' : 's'} on ${session?.backend ?? 'the backend'}`),
    totalsCards(t.objects, t.originalBytes, t.storedBytes, `in ${formatCount(t.buckets)} bucket${t.buckets === 1 ? '' : 's'}`),
    panel('All buckets', table),
    chartRows.length ? panel('Savings by bucket', [h('div', { class: 'chart' }, savingsChart(chartRows, 'Stored vs original per bucket', 1100)), legend()], undefined, 'panel-body') : null,
  );
}

function legend(): HTMLElement {
  const sw = (color: string): HTMLElement => {
    const i = h('i');
    i.style.background = color;
    return i;
  };
  return h('div', { class: 'legend' }, h('span', {}, sw('#cbd5e1'), 'Original size'), h('span', {}, sw('#4f46e5'), 'Stored size (deltas + reference)'));
}

// ------------------------------------------------------------------ browse

/** The contents panel doubles as the drop zone; the header holds the file control. */
function uploadControls(bucket: string, prefix: string, done: () => void): { zone: (panel: HTMLElement) => HTMLElement; head: HTMLElement } {
  const input = h('input', { type: 'file', id: 'upload-input', multiple: true, hidden: true, 'aria-label': 'Choose files to upload' });
  const status = h('span', { class: 'progress', id: 'upload-status' });
  const pick = h('button', { type: 'button', class: 'primary', id: 'upload-button', onclick: () => input.click() }, 'Upload files…');
  const head = h('div', { class: 'upload-head' }, status, h('span', { class: 'muted drop-hint' }, 'Drop files anywhere on this list, or'), pick, input);
  const upload = async (files: File[]): Promise<void> => {
    if (files.length === 0) return;
    pick.disabled = true;
    try {
      for (const [i, file] of files.entries()) {
        status.textContent = `Uploading ${file.name}${files.length > 1 ? ` (${i + 1}/${files.length})` : ''}…`;
        const r = await api.upload(bucket, prefix + file.name, file);
        toast(`Uploaded ${file.name}: ${formatBytes(r.size)} stored as ${r.storageType} (${formatBytes(r.storedSize)}, ${formatPercent(savingsOf(r.size, r.storedSize))} saved)`);
      }
      status.textContent = '';
    } catch (err) {
      status.textContent = '';
      toast(`Upload failed: ${(err as Error).message}`, true);
    } finally {
      pick.disabled = false;
      input.value = '';
      done();
    }
  };
  input.addEventListener('change', () => void upload(Array.from(input.files ?? [])));
  const zone = (panelEl: HTMLElement): HTMLElement => {
    panelEl.id = 'dropzone';
    panelEl.classList.add('dropzone');
    panelEl.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      panelEl.classList.add('over');
    });
    panelEl.addEventListener('dragleave', (ev) => {
      if (!panelEl.contains(ev.relatedTarget as Node | null)) panelEl.classList.remove('over');
    });
    panelEl.addEventListener('drop', (ev) => {
      ev.preventDefault();
      panelEl.classList.remove('over');
      void upload(Array.from(ev.dataTransfer?.files ?? []));
    });
    return panelEl;
  };
  return { zone, head };
}

async function deleteObject(bucket: string, key: string, after: () => void): Promise<void> {
  if (!confirm(`Delete ${key}?\nThis cannot be undone.`)) return;
  try {
    await api.remove(bucket, key);
    toast(`Deleted ${key}`);
    after();
  } catch (err) {
    toast(`Delete failed: ${(err as Error).message}`, true);
  }
}

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

async function renderBrowse(gen: number, bucket: string, prefix: string, token?: string): Promise<void> {
  renderChrome('buckets');
  const [list, spaces] = await Promise.all([api.objects(bucket, prefix, token), api.deltaspaces(bucket, prefix)]);
  if (gen !== generation) return;
  const reload = (): void => void route();
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
  mount(app,
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

// ------------------------------------------------------------------ deltaspace

async function renderSpace(gen: number, bucket: string, space: string): Promise<void> {
  renderChrome('buckets');
  const prefix = space === '' ? '' : `${space}/`;
  const [spaces, list] = await Promise.all([api.deltaspaces(bucket, prefix), api.objects(bucket, prefix)]);
  if (gen !== generation) return;
  const sp = spaces.deltaspaces.find((d) => d.deltaspace === space);
  const head = [crumbs(bucket, prefix, 'deltaspace'), pageHead(spaceLabel(space), `Deltaspace in ${bucket}`, h('a', { class: 'button', href: href('browse', { bucket, prefix }) }, 'Browse folder'))];
  if (!sp) {
    mount(app, head, h('div', { class: 'panel' }, h('div', { class: 'empty' }, 'Not a deltaspace: no baseline under this prefix, so its objects are stored as is.')));
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
  mount(app, head,
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

// ------------------------------------------------------------------ object

async function renderObject(gen: number, bucket: string, key: string): Promise<void> {
  renderChrome('buckets');
  const o = await api.object(bucket, key);
  if (gen !== generation) return;
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
  mount(app,
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

// ------------------------------------------------------------------ router

async function route(): Promise<void> {
  const gen = ++generation;
  if (!session) {
    try {
      session = await api.session();
    } catch (err) {
      mount(app, errorView(err));
      return;
    }
  }
  if (session.authRequired && !session.authenticated) {
    renderLogin();
    return;
  }
  const { route: r, params } = parseRoute();
  try {
    const bucket = params.get('bucket') ?? '';
    if (r === 'browse' && bucket) await renderBrowse(gen, bucket, params.get('prefix') ?? '', params.get('token') ?? undefined);
    else if (r === 'space' && bucket) await renderSpace(gen, bucket, params.get('space') ?? '');
    else if (r === 'object' && bucket) await renderObject(gen, bucket, params.get('key') ?? '');
    else await renderBuckets(gen);
    document.title = `DeltaGlider${bucket ? ` · ${bucket}` : ''}`;
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) return;
    if (gen === generation) mount(app, errorView(err));
  }
}

setUnauthorizedHandler(() => {
  if (session) session.authenticated = false;
  renderLogin('Your session has expired. Please sign in again.');
});
window.addEventListener('hashchange', () => void route());
void route();
