/**
 * The built-in web UI, served on the UI port (S3 port + 1 by default).
 *
 * Routes:
 *   GET  /                 the single-page app (no data in it; it calls /api/)
 *   GET  /app.css          styles
 *   GET  /client/<m>.js    the app's ES modules (compiled from src/ui/client/*.ts)
 *   GET  /health           open (for monitors)
 *   GET  /stats, /metrics  session required when auth is on
 *   *    /api/...          JSON API (see api.ts); session required when auth is on
 *
 * Client modules come from dist/ui/client/*.js (`npm run build`). When only the
 * TypeScript sources are there (running from src/ under tsx, as the tests do),
 * they are transpiled on first request with the `typescript` package.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UiContext } from '../reverse-proxy/server.js';
import { ApiError, handleApi, sendError, sendJson } from './api.js';
import { SessionStore, setCookie } from './auth.js';
import { FAVICON_SVG, renderIndexHtml } from './page.js';
import { STYLES } from './styles.js';

export type { UiContext };

const CLIENT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'client');
const MAX_LOGIN_BODY = 16 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

interface ClientModule {
  mtimeMs: number;
  code: string;
}

/** Loads a client module: compiled JS when present, else the TS source transpiled. */
async function loadClientModule(name: string, cache: Map<string, ClientModule>): Promise<string | undefined> {
  const js = join(CLIENT_DIR, `${name}.js`);
  const ts = join(CLIENT_DIR, `${name}.ts`);
  const file = existsSync(js) ? js : existsSync(ts) ? ts : undefined;
  if (!file) return undefined;
  const mtimeMs = statSync(file).mtimeMs;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.code;
  let code = readFileSync(file, 'utf8');
  if (file === ts) {
    const ts = (await import('typescript')).default;
    code = ts.transpileModule(code, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, sourceMap: false },
      fileName: `${name}.ts`,
    }).outputText;
  }
  cache.set(file, { mtimeMs, code });
  return code;
}

function send(res: ServerResponse, status: number, type: string, body: string, cache = 'no-cache'): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', cache);
  res.setHeader('Content-Length', String(Buffer.byteLength(body)));
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_LOGIN_BODY) throw new ApiError(413, 'TooLarge', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ApiError(400, 'BadRequest', 'expected a JSON object');
}

/**
 * State-changing API calls must come from the UI itself: the session cookie is
 * SameSite=Strict, and on top of that a cross-origin `Origin` is refused and the
 * UI's custom header (which forces a CORS preflight) is required.
 */
function sameOrigin(req: IncomingMessage): boolean {
  if (req.headers['x-deltaglider-ui'] !== '1') return false;
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Builds the UI port's request handler. */
export function createUiHandler(context: UiContext): (req: IncomingMessage, res: ServerResponse) => void {
  const { engine, config, admin, logger } = context;
  const sessions = new SessionStore({
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    adminPassword: config.adminPassword,
    sessionTtlMinutes: config.sessionTtlMinutes ?? 60,
    secureCookie: Boolean(config.tlsEnabled),
  });
  const modules = new Map<string, ClientModule>();
  const html = renderIndexHtml();

  const unauthorized = (res: ServerResponse): void => sendJson(res, 401, { error: 'Unauthorized', message: 'log in first' });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'http://ui.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';

    if (path === '/' || path === '/index.html') {
      if (!read) return sendJson(res, 405, { error: 'MethodNotAllowed', message: 'GET only' });
      return send(res, 200, 'text/html; charset=utf-8', html);
    }
    if (path === '/app.css' && read) return send(res, 200, 'text/css; charset=utf-8', STYLES);
    if (path === '/favicon.svg' && read) return send(res, 200, 'image/svg+xml', FAVICON_SVG, 'max-age=86400');
    const map = /^\/client\/([a-z][a-z0-9-]*)\.js\.map$/.exec(path);
    if (map && read) {
      const file = join(CLIENT_DIR, `${map[1]}.js.map`);
      if (existsSync(file)) return send(res, 200, 'application/json; charset=utf-8', readFileSync(file, 'utf8'));
      return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    }
    const mod = /^\/client\/([a-z][a-z0-9-]*)\.js$/.exec(path);
    if (mod && read) {
      const code = await loadClientModule(mod[1] as string, modules);
      if (code === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
      return send(res, 200, 'text/javascript; charset=utf-8', code);
    }
    if (path === '/health') {
      if (await admin(req, res, 'health')) return;
    }
    if (path === '/stats' || path === '/metrics') {
      if (!sessions.check(req)) return unauthorized(res);
      if (await admin(req, res, path.slice(1))) return;
    }
    if (path.startsWith('/api/')) {
      const route = path.slice(5);
      if (route === 'session' && read) {
        return sendJson(res, 200, {
          authRequired: sessions.enabled,
          authenticated: sessions.check(req),
          methods: { keys: sessions.keysEnabled, password: sessions.passwordEnabled },
          backend: engine.store.description,
        });
      }
      if (route === 'login' && method === 'POST') {
        if (!sameOrigin(req)) return sendJson(res, 403, { error: 'Forbidden', message: 'cross-origin request refused' });
        if (!sessions.enabled) return sendJson(res, 200, { authenticated: true });
        const body = await readJson(req);
        if (!sessions.verify(body)) {
          logger.warn({ remote: req.socket.remoteAddress }, 'ui login failed');
          await new Promise((r) => setTimeout(r, 300)); // slows guessing
          return sendJson(res, 401, { error: 'InvalidCredentials', message: 'Wrong access key, secret or password.' });
        }
        const { cookie } = sessions.create();
        setCookie(res, cookie);
        return sendJson(res, 200, { authenticated: true });
      }
      if (route === 'logout' && method === 'POST') {
        if (!sameOrigin(req)) return sendJson(res, 403, { error: 'Forbidden', message: 'cross-origin request refused' });
        setCookie(res, sessions.destroy(req));
        return sendJson(res, 200, { authenticated: false });
      }
      if (!sessions.check(req)) return unauthorized(res);
      if (!read && !sameOrigin(req)) return sendJson(res, 403, { error: 'Forbidden', message: 'cross-origin request refused' });
      return handleApi(engine, req, res, route, url);
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found');
  };

  return (req, res) => {
    handle(req, res).catch((err) => {
      if (!(err instanceof ApiError)) logger.debug({ err, url: req.url }, 'ui request failed');
      sendError(res, err);
    });
  };
}
