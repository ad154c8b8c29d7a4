/**
 * Web UI sessions. Auth is on when the proxy has S3 credentials or an admin
 * password configured: the login form takes either the S3 key pair or the
 * password, and a session is a random token in an HttpOnly, SameSite=Strict
 * cookie that expires after `sessionTtlMinutes`. Sessions live in memory, so a
 * restart logs everyone out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const SESSION_COOKIE = 'dg_session';

export interface AuthSettings {
  accessKeyId?: string;
  secretAccessKey?: string;
  adminPassword?: string;
  sessionTtlMinutes: number;
  /** Adds `Secure` to the cookie (the UI is served over TLS). */
  secureCookie: boolean;
}

export interface LoginInput {
  accessKeyId?: unknown;
  secretAccessKey?: unknown;
  password?: unknown;
}

/** Compares two strings in time independent of where they differ (and of their lengths). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

export class SessionStore {
  readonly #sessions = new Map<string, number>();
  readonly #settings: AuthSettings;

  constructor(settings: AuthSettings) {
    this.#settings = settings;
  }

  /** True when a login is needed (credentials or a password are configured). */
  get enabled(): boolean {
    return this.keysEnabled || this.passwordEnabled;
  }

  get keysEnabled(): boolean {
    return Boolean(this.#settings.accessKeyId && this.#settings.secretAccessKey);
  }

  get passwordEnabled(): boolean {
    return Boolean(this.#settings.adminPassword);
  }

  /** Checks a login; every configured secret is compared (timing-safe) whatever was sent. */
  verify(input: LoginInput): boolean {
    const s = this.#settings;
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    let ok = false;
    if (s.accessKeyId && s.secretAccessKey) {
      const idOk = safeEqual(str(input.accessKeyId), s.accessKeyId);
      const secretOk = safeEqual(str(input.secretAccessKey), s.secretAccessKey);
      ok = (idOk && secretOk && typeof input.accessKeyId === 'string') || ok;
    }
    if (s.adminPassword) {
      const pwOk = safeEqual(str(input.password), s.adminPassword);
      ok = (pwOk && typeof input.password === 'string') || ok;
    }
    return ok;
  }

  /** Starts a session; returns the Set-Cookie value. */
  create(): { token: string; cookie: string } {
    this.#sweep();
    const token = randomBytes(32).toString('base64url');
    const ttlMs = this.#settings.sessionTtlMinutes * 60_000;
    this.#sessions.set(token, Date.now() + ttlMs);
    return { token, cookie: this.#cookie(token, Math.floor(ttlMs / 1000)) };
  }

  /** Ends the request's session; returns a Set-Cookie that clears the cookie. */
  destroy(req: IncomingMessage): string {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) this.#sessions.delete(token);
    return this.#cookie('', 0);
  }

  /** Whether the request carries a live session (always true when auth is off). */
  check(req: IncomingMessage): boolean {
    if (!this.enabled) return true;
    const token = readCookie(req, SESSION_COOKIE);
    if (!token) return false;
    const expires = this.#sessions.get(token);
    if (expires === undefined) return false;
    if (Date.now() >= expires) {
      this.#sessions.delete(token);
      return false;
    }
    return true;
  }

  #cookie(value: string, maxAgeSeconds: number): string {
    const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
    if (this.#settings.secureCookie) parts.push('Secure');
    return parts.join('; ');
  }

  #sweep(): void {
    const now = Date.now();
    for (const [token, expires] of this.#sessions) if (expires <= now) this.#sessions.delete(token);
  }
}

/** One cookie's value from the Cookie header. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Sets the clear-cookie header on a response. */
export function setCookie(res: ServerResponse, cookie: string): void {
  res.setHeader('Set-Cookie', cookie);
}
