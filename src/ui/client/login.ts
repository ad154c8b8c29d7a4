/** The sign-in form: S3 keys, the admin password, or a choice of both. */
import { api, HttpError, type Session } from './api.js';
import { h, mount } from './dom.js';

/** Where the form is drawn. */
export interface LoginTarget {
  app: HTMLElement;
  topnav: HTMLElement;
  topright: HTMLElement;
}

/** Draws the sign-in form; `signedIn` runs after a successful login. */
export function renderLogin(target: LoginTarget, methods: Session['methods'] | undefined, signedIn: () => Promise<void>, error?: string): void {
  const { app, topnav, topright } = target;
  topnav.replaceChildren();
  topright.replaceChildren();
  methods ??= { keys: true, password: false };
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
      () => void signedIn(),
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
