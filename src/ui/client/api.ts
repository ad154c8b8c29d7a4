/** Calls to the UI's JSON API. A 401 anywhere sends the user to the login form. */
import type { DeltaspaceView, DeltaspaceViews } from '../api.js';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let onUnauthorized: () => void = () => undefined;

export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** Query string from defined values. */
export function qs(params: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) p.set(k, v);
  return p.toString();
}

export async function request<T>(method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(path, {
    method,
    body,
    credentials: 'same-origin',
    headers: { 'X-DeltaGlider-UI': '1', Accept: 'application/json', ...headers },
  });
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; message?: string };
    if (res.status === 401 && path !== '/api/login') onUnauthorized();
    throw new HttpError(res.status, e.error ?? 'Error', e.message ?? `${res.status} ${res.statusText}`);
  }
  return data as T;
}

export const get = <T>(path: string): Promise<T> => request<T>('GET', path);

export interface Session {
  authRequired: boolean;
  authenticated: boolean;
  methods: { keys: boolean; password: boolean };
  backend: string;
}

export interface Totals {
  objects: number;
  originalBytes: number;
  storedBytes: number;
  savingsPercent: number;
}

export interface BucketRow extends Totals {
  name: string;
  created?: string;
}

export interface BucketsResponse {
  totals: Totals & { buckets: number };
  buckets: BucketRow[];
}

export interface ObjectRow {
  key: string;
  size: number;
  storedSize: number;
  storageType: 'delta' | 'passthrough' | 'reference' | 'compressed';
  /** Stored as uploaded, deferred encoding still to run. */
  pending?: boolean;
  etag: string;
  lastModified: string;
  savingsPercent: number;
}

export interface ObjectsResponse {
  bucket: string;
  prefix: string;
  folders: string[];
  objects: ObjectRow[];
  isTruncated: boolean;
  nextToken?: string;
}

/** One deltaspace as the server describes it (the server's type, so the two cannot drift). */
export type Deltaspace = DeltaspaceView;

export interface DeltaspacesResponse extends DeltaspaceViews {
  bucket: string;
  prefix: string;
}

export interface ObjectDetail {
  bucket: string;
  key: string;
  size: number;
  storedSize: number;
  savingsPercent: number;
  storageType: ObjectRow['storageType'];
  /** A passthrough object the compactor has yet to encode (deferred encoding). */
  pending?: boolean;
  /** Stored whole: why (`compressed content (zip): ...`, `delta too large: 0.93`). */
  reason?: string;
  etag: string;
  lastModified: string;
  contentType?: string;
  sha256?: string;
  deltaspace: string;
  backendKey: string;
  referenceKey?: string;
  reference?: { key: string; size: number; sha256?: string; sourceKey?: string; lastModified: string };
  deltaRatio?: number;
  userMetadata: Record<string, string>;
  headers: Record<string, string>;
  rawMetadata: Record<string, string>;
}

export interface UploadResult {
  key: string;
  storageType: ObjectRow['storageType'];
  size: number;
  storedSize: number;
  savingsPercent: number;
}

export const api = {
  session: () => get<Session>('/api/session'),
  login: (body: Record<string, string>) => request<{ authenticated: boolean }>('POST', '/api/login', JSON.stringify(body), { 'Content-Type': 'application/json' }),
  logout: () => request<{ authenticated: boolean }>('POST', '/api/logout'),
  buckets: () => get<BucketsResponse>('/api/buckets'),
  objects: (bucket: string, prefix: string, token?: string) => get<ObjectsResponse>(`/api/objects?${qs({ bucket, prefix, token })}`),
  object: (bucket: string, key: string) => get<ObjectDetail>(`/api/object?${qs({ bucket, key })}`),
  deltaspaces: (bucket: string, prefix: string) => get<DeltaspacesResponse>(`/api/deltaspaces?${qs({ bucket, prefix })}`),
  downloadUrl: (bucket: string, key: string) => `/api/download?${qs({ bucket, key })}`,
  upload: (bucket: string, key: string, file: Blob) =>
    request<UploadResult>('PUT', `/api/upload?${qs({ bucket, key })}`, file, { 'Content-Type': file.type || 'application/octet-stream' }),
  remove: (bucket: string, key: string) => request<{ deleted: string }>('DELETE', `/api/object?${qs({ bucket, key })}`),
};
