/**
 * The DeltaGlider web UI: a single-page app with hash routes.
 *
 *   #/                                 buckets with totals and a savings chart
 *   #/browse?bucket=B&prefix=P         objects and folders under a prefix, upload, delete
 *   #/space?bucket=B&space=S           one deltaspace: reference, deltas, median ratio grade
 *   #/object?bucket=B&key=K            object inspector
 */
import { api, HttpError, setUnauthorizedHandler, type Session } from './api.js';
import { renderBrowse } from './browse-view.js';
import { renderBuckets } from './buckets-view.js';
import { h, mount, type Child } from './dom.js';
import { renderLogin } from './login.js';
import { renderObject } from './object-view.js';
import { href, parseRoute } from './routes.js';
import { renderSpace } from './space-view.js';
import type { ViewContext } from './view-context.js';
import { errorView } from './widgets.js';

const app = document.getElementById('app') as HTMLElement;
const topnav = document.getElementById('topnav') as HTMLElement;
const topright = document.getElementById('topright') as HTMLElement;

let session: Session | undefined;
/** Bumped on every navigation so a slow render cannot overwrite a newer one. */
let generation = 0;

/** The sign-in form; after it, the route the user asked for. */
function showLogin(error?: string): void {
  renderLogin({ app, topnav, topright }, session?.methods, async () => {
    session = await api.session();
    void route();
  }, error);
}

/** The top bar: navigation, backend, sign-out. */
function renderChrome(active: string): void {
  mount(topnav, h('a', { href: href(''), class: active === 'buckets' ? 'active' : '' }, 'Buckets'), h('a', { href: '/metrics', target: '_blank', rel: 'noopener' }, 'Metrics'), h('a', { href: '/stats', target: '_blank', rel: 'noopener' }, 'Stats'));
  const right: Child[] = [h('span', { title: 'backend' }, session?.backend ?? '')];
  if (session?.authRequired) {
    right.push(h('button', {
      class: 'small', id: 'logout', onclick: () => {
        void api.logout().finally(() => {
          if (session) session.authenticated = false;
          showLogin();
        });
      },
    }, 'Sign out'));
  }
  mount(topright, right);
}

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
    showLogin();
    return;
  }
  const { route: r, params } = parseRoute();
  const ctx: ViewContext = { app, session, chrome: renderChrome, isCurrent: () => gen === generation, reload: () => void route() };
  try {
    const bucket = params.get('bucket') ?? '';
    if (r === 'browse' && bucket) await renderBrowse(ctx, bucket, params.get('prefix') ?? '', params.get('token') ?? undefined);
    else if (r === 'space' && bucket) await renderSpace(ctx, bucket, params.get('space') ?? '');
    else if (r === 'object' && bucket) await renderObject(ctx, bucket, params.get('key') ?? '');
    else await renderBuckets(ctx);
    document.title = `DeltaGlider${bucket ? ` · ${bucket}` : ''}`;
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) return;
    if (gen === generation) mount(app, errorView(err));
  }
}

setUnauthorizedHandler(() => {
  if (session) session.authenticated = false;
  showLogin('Your session has expired. Please sign in again.');
});
window.addEventListener('hashchange', () => void route());
void route();
