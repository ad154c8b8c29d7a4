/**
 * The UI port without a browser: access control (sessions, 401s, open /health),
 * the JSON API against the engine, and /metrics parsed as Prometheus text with
 * counters that move when S3 requests are made.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createReverseProxy, type ProxyConfig, type ReverseProxy } from '../../src/reverse-proxy/index.js';
import { gradeRatio, median } from '../../src/ui/api.js';
import { SessionStore, safeEqual } from '../../src/ui/auth.js';
import { versions } from '../helpers/data.js';

const CREDS = { accessKeyId: 'AKIAAPITEST', secretAccessKey: 'api-secret-456' };
const PASSWORD = 'correct horse battery staple';
const UI = { 'X-DeltaGlider-UI': '1' };

async function start(t: { teardown(fn: () => Promise<void>): void }, config: Partial<ProxyConfig>): Promise<{ proxy: ReverseProxy; url: string; ui: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-ui-api-'));
  const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: '127.0.0.1:0', dataDir, logLevel: 'silent', encode: 'inline', ...config } });
  const { url, uiUrl } = await proxy.listen();
  t.teardown(async () => {
    await proxy.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { proxy, url, ui: uiUrl! };
}

async function login(ui: string, body: Record<string, string>): Promise<{ status: number; cookie?: string; setCookie: string | null }> {
  const res = await fetch(`${ui}/api/login`, { method: 'POST', headers: { ...UI, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, setCookie, cookie: setCookie?.split(';')[0] };
}

// ------------------------------------------------------------ Prometheus text format

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  name: string;
  type?: string;
  help?: string;
  samples: Sample[];
}

/** A strict parser for the Prometheus text exposition format (0.0.4); throws on any malformed line. */
function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, samples: [] }));
    return f;
  };
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleRe = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`);
  const labelRe = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
  const parseValue = (raw: string, line: string): number => {
    // Prometheus reads these with Go's ParseFloat, which ignores case (prom-client
    // prints an empty gauge as "Nan").
    const word = raw.toLowerCase();
    if (word === '+inf' || word === 'inf') return Infinity;
    if (word === '-inf') return -Infinity;
    if (word === 'nan') return NaN;
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`bad value in: ${line}`);
    return Number(raw);
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`).exec(line);
      if (!m) continue; // plain comment
      const f = family(m[2]!);
      if (m[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]!)) throw new Error(`bad TYPE: ${line}`);
        if (f.samples.length > 0) throw new Error(`TYPE after samples: ${line}`);
        f.type = m[3];
      } else f.help = m[3];
      continue;
    }
    const m = sampleRe.exec(line);
    if (!m) throw new Error(`malformed sample line: ${line}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest.length > 0) {
      const l = labelRe.exec(rest);
      if (!l) throw new Error(`malformed labels in: ${line}`);
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      rest = rest.slice(l[0].length);
    }
    const name = m[1]!;
    const suffixed = /^(.*)_(bucket|sum|count|created)$/.exec(name);
    const base = families.has(name) ? name : suffixed && families.get(suffixed[1]!)?.type ? suffixed[1]! : name;
    family(base).samples.push({ name, labels, value: parseValue(m[3]!, line) });
  }
  for (const f of families.values()) {
    if (f.type === 'histogram') {
      const buckets = f.samples.filter((s) => s.name === `${f.name}_bucket`);
      for (const b of buckets) if (b.labels.le === undefined) throw new Error(`${f.name}: bucket without le`);
      if (buckets.length && !buckets.some((b) => b.labels.le === '+Inf')) throw new Error(`${f.name}: no +Inf bucket`);
    }
  }
  return families;
}

function sum(families: Map<string, Family>, name: string, filter: (l: Record<string, string>) => boolean = () => true): number {
  let total = 0;
  for (const f of families.values()) for (const s of f.samples) if (s.name === name && filter(s.labels)) total += s.value;
  return total;
}

// ------------------------------------------------------------ tests

t.test('unit: grades, median, timing-safe compare, session expiry', async (t) => {
  t.equal(gradeRatio(0), 'Excellent');
  t.equal(gradeRatio(0.05), 'Excellent');
  t.equal(gradeRatio(0.0501), 'Good');
  t.equal(gradeRatio(0.1999), 'Good');
  t.equal(gradeRatio(0.2), 'Fair');
  t.equal(gradeRatio(0.4999), 'Fair');
  t.equal(gradeRatio(0.5), 'Poor');
  t.equal(gradeRatio(3), 'Poor');
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 2, 3]), 2.5);
  t.equal(median([]), undefined);
  t.ok(safeEqual('abc', 'abc'));
  t.notOk(safeEqual('abc', 'abd'));
  t.notOk(safeEqual('abc', 'abcd'));

  const store = new SessionStore({ ...CREDS, sessionTtlMinutes: 5, secureCookie: true });
  t.ok(store.verify(CREDS));
  t.notOk(store.verify({ accessKeyId: CREDS.accessKeyId, secretAccessKey: 'nope' }));
  t.notOk(store.verify({ password: '' }), 'no password configured: a password never works');
  t.notOk(store.verify({ accessKeyId: [CREDS.accessKeyId], secretAccessKey: CREDS.secretAccessKey } as never), 'non-strings refused');
  const { token, cookie } = store.create();
  t.match(cookie, /HttpOnly/);
  t.match(cookie, /SameSite=Strict/);
  t.match(cookie, /Max-Age=300/);
  t.match(cookie, /Secure/);
  const req = { headers: { cookie: `other=1; dg_session=${token}` } } as unknown as IncomingMessage;
  t.ok(store.check(req), 'live session');
  t.notOk(store.check({ headers: { cookie: 'dg_session=forged' } } as unknown as IncomingMessage), 'unknown token');
  const realNow = Date.now;
  t.teardown(() => {
    Date.now = realNow;
  });
  Date.now = () => realNow() + 5 * 60_000 + 1;
  t.notOk(store.check(req), 'expired after sessionTtlMinutes');
  Date.now = realNow;
  t.notOk(store.check(req), 'and stays gone');
});

t.test('auth on: no data without a session', async (t) => {
  const { proxy, ui } = await start(t, { ...CREDS, adminPassword: PASSWORD, sessionTtlMinutes: 30 });
  await proxy.engine.createBucket('secret-bucket');
  await proxy.engine.putObject({ bucket: 'secret-bucket', key: 'a.txt', body: Readable.from([Buffer.from('hello')]) });

  const health = await fetch(`${ui}/health`);
  t.equal(health.status, 200, '/health stays open for monitors');
  t.equal(((await health.json()) as { status: string }).status, 'ok');
  for (const path of ['/stats', '/metrics', '/api/buckets', '/api/objects?bucket=secret-bucket', '/api/object?bucket=secret-bucket&key=a.txt', '/api/deltaspaces?bucket=secret-bucket', '/api/download?bucket=secret-bucket&key=a.txt']) {
    const res = await fetch(ui + path);
    const body = await res.text();
    t.equal(res.status, 401, `GET ${path} needs a session`);
    t.notMatch(body, /secret-bucket|hello/, `${path}: no data leaks`);
  }
  const put = await fetch(`${ui}/api/upload?bucket=secret-bucket&key=b.txt`, { method: 'PUT', headers: UI, body: 'x' });
  t.equal(put.status, 401, 'upload needs a session');
  const del = await fetch(`${ui}/api/object?bucket=secret-bucket&key=a.txt`, { method: 'DELETE', headers: UI });
  t.equal(del.status, 401, 'delete needs a session');
  t.ok(await proxy.engine.headObject({ bucket: 'secret-bucket', key: 'a.txt' }), 'nothing was deleted');
  await t.rejects(proxy.engine.headObject({ bucket: 'secret-bucket', key: 'b.txt' }), { code: 'NoSuchKey' }, 'nothing was uploaded');

  const page = await fetch(`${ui}/`);
  t.equal(page.status, 200, 'the app shell loads (it has the login form)');
  t.notMatch(await page.text(), /secret-bucket/);
  t.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const session = (await (await fetch(`${ui}/api/session`)).json()) as { authRequired: boolean; authenticated: boolean; methods: { keys: boolean; password: boolean } };
  t.same(session, { ...session, authRequired: true, authenticated: false, methods: { keys: true, password: true } });

  t.equal((await login(ui, { accessKeyId: CREDS.accessKeyId, secretAccessKey: 'wrong' })).status, 401, 'wrong secret');
  t.equal((await login(ui, { accessKeyId: 'wrong', secretAccessKey: CREDS.secretAccessKey })).status, 401, 'wrong key id');
  t.equal((await login(ui, { password: 'wrong' })).status, 401, 'wrong password');
  const noHeader = await fetch(`${ui}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(CREDS) });
  t.equal(noHeader.status, 403, 'a login without the UI header (e.g. a cross-site form) is refused');
  const crossOrigin = await fetch(`${ui}/api/login`, { method: 'POST', headers: { ...UI, Origin: 'http://evil.example', 'Content-Type': 'application/json' }, body: JSON.stringify(CREDS) });
  t.equal(crossOrigin.status, 403, 'cross-origin login refused');

  const byKeys = await login(ui, CREDS);
  t.equal(byKeys.status, 200, 'S3 keys log in');
  t.match(byKeys.setCookie ?? '', /^dg_session=[A-Za-z0-9_-]{40,};/);
  t.match(byKeys.setCookie ?? '', /HttpOnly/);
  t.match(byKeys.setCookie ?? '', /SameSite=Strict/);
  t.match(byKeys.setCookie ?? '', /Max-Age=1800/, 'expires after sessionTtlMinutes');
  const byPassword = await login(ui, { password: PASSWORD });
  t.equal(byPassword.status, 200, 'the admin password logs in');
  t.not(byPassword.cookie, byKeys.cookie, 'a fresh random token per session');

  const cookie = byKeys.cookie!;
  const buckets = await fetch(`${ui}/api/buckets`, { headers: { cookie } });
  t.equal(buckets.status, 200);
  t.match(await buckets.text(), /secret-bucket/);
  t.equal((await fetch(`${ui}/stats`, { headers: { cookie: byPassword.cookie! } })).status, 200, '/stats with a session');
  t.equal((await fetch(`${ui}/metrics`, { headers: { cookie } })).status, 200, '/metrics with a session');
  const noCsrf = await fetch(`${ui}/api/object?bucket=secret-bucket&key=a.txt`, { method: 'DELETE', headers: { cookie } });
  t.equal(noCsrf.status, 403, 'state changes need the UI header even with a cookie');

  const out = await fetch(`${ui}/api/logout`, { method: 'POST', headers: { ...UI, cookie } });
  t.equal(out.status, 200);
  t.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  t.equal((await fetch(`${ui}/api/buckets`, { headers: { cookie } })).status, 401, 'the session is gone after logout');
});

t.test('auth off: no login, the API answers', async (t) => {
  const { proxy, ui } = await start(t, { accessKeyId: undefined, secretAccessKey: undefined, adminPassword: undefined });
  await proxy.engine.createBucket('open');
  const session = (await (await fetch(`${ui}/api/session`)).json()) as { authRequired: boolean; authenticated: boolean };
  t.equal(session.authRequired, false);
  t.equal(session.authenticated, true);
  t.equal((await fetch(`${ui}/api/buckets`)).status, 200);
  t.equal((await fetch(`${ui}/metrics`)).status, 200);
  t.equal((await fetch(`${ui}/stats`)).status, 200);
});

t.test('the JSON API against the engine', async (t) => {
  const { proxy, ui } = await start(t, { ...CREDS });
  const { cookie } = await login(ui, CREDS);
  const headers = { cookie: cookie!, ...UI };
  const api = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(ui + path, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
    return { status: res.status, body: await res.json() };
  };
  await proxy.engine.createBucket('rel');
  const vs = versions(200_000, 4, 9);
  for (const [i, v] of vs.entries()) {
    const r = await api(`/api/upload?bucket=rel&key=${encodeURIComponent(`app/v${i}.zip`)}`, { method: 'PUT', body: new Uint8Array(v), headers: { 'Content-Type': 'application/zip' } });
    t.equal(r.status, 200, `upload v${i}`);
    t.equal(r.body.storageType, i === 0 ? 'reference' : 'delta');
  }
  const list = await api('/api/objects?bucket=rel&prefix=');
  t.same(list.body.folders, ['app/']);
  const inner = await api('/api/objects?bucket=rel&prefix=app%2F');
  t.same(inner.body.objects.map((o: { key: string }) => o.key), ['app/v0.zip', 'app/v1.zip', 'app/v2.zip', 'app/v3.zip']);
  const engineList = await proxy.engine.listObjects({ bucket: 'rel', prefix: 'app/' });
  t.same(inner.body.objects.map((o: { storedSize: number }) => o.storedSize), engineList.objects.map((o) => o.storedSize));

  const obj = await api('/api/object?bucket=rel&key=app%2Fv2.zip');
  t.equal(obj.body.sha256, createHash('sha256').update(vs[2]!).digest('hex'));
  t.equal(obj.body.contentType, 'application/zip');
  t.equal(obj.body.referenceKey, 'app/reference.bin');
  t.equal(obj.body.reference.size, vs[0]!.length);
  t.equal(obj.body.deltaspace, 'app');
  t.ok(obj.body.rawMetadata['dg-file-sha256'], 'raw metadata');
  t.equal(obj.body.reason, undefined, 'a delta needs no explanation');
  t.equal((await api('/api/upload?bucket=rel&key=app%2Fnotes.txt', { method: 'PUT', body: 'short' })).status, 200);
  const whole = await api('/api/object?bucket=rel&key=app%2Fnotes.txt');
  t.equal(whole.body.storageType, 'passthrough');
  t.equal(whole.body.reason, 'not eligible: 5 bytes, under the 65536-byte floor', 'the inspector says why an object is stored whole');

  const spaces = await api('/api/deltaspaces?bucket=rel&prefix=');
  const sp = spaces.body.deltaspaces[0];
  t.equal(sp.deltaspace, 'app');
  t.equal(sp.deltas, 3);
  t.equal(sp.referenceBytes, vs[0]!.length);
  const ratios = engineList.objects.filter((o) => o.storageType === 'delta').map((o) => o.storedSize / vs[0]!.length);
  t.equal(sp.medianDeltaRatio, median(ratios));
  t.equal(sp.grade, gradeRatio(median(ratios)!));

  const dl = await fetch(`${ui}/api/download?bucket=rel&key=app%2Fv3.zip`, { headers });
  t.equal(dl.status, 200);
  t.match(dl.headers.get('content-disposition') ?? '', /attachment; filename="v3.zip"/);
  t.ok(Buffer.from(await dl.arrayBuffer()).equals(vs[3]!), 'download is the original');

  t.equal((await api('/api/object?bucket=rel&key=nope.zip')).status, 404);
  t.equal((await api('/api/objects?bucket=nope')).status, 404);
  t.equal((await api('/api/objects')).status, 400, 'missing bucket parameter');
  t.equal((await api('/api/upload?bucket=rel&key=x%2Freference.bin', { method: 'PUT', body: 'x' })).status, 400, 'reserved key');
  const del = await api('/api/object?bucket=rel&key=app%2Fv3.zip', { method: 'DELETE' });
  t.equal(del.status, 200);
  await t.rejects(proxy.engine.headObject({ bucket: 'rel', key: 'app/v3.zip' }), { code: 'NoSuchKey' });
  t.equal((await api('/api/object?bucket=rel&key=app%2Fv3.zip', { method: 'DELETE' })).status, 404, 'deleting a missing key says so');
});

t.test('/metrics parses as Prometheus text and counters move with S3 traffic', async (t) => {
  const { proxy, url, ui } = await start(t, { ...CREDS });
  const { cookie } = await login(ui, CREDS);
  const scrape = async (): Promise<Map<string, Family>> => {
    const res = await fetch(`${ui}/metrics`, { headers: { cookie: cookie! } });
    t.equal(res.status, 200);
    t.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return parsePrometheus(await res.text());
  };
  await proxy.engine.createBucket('metrics-bucket');
  await proxy.engine.putObject({ bucket: 'metrics-bucket', key: 'a.txt', body: Readable.from([Buffer.alloc(1000, 97)]) });
  const before = await scrape();
  t.equal(before.get('deltaglider_requests_total')?.type, 'counter');
  t.equal(before.get('deltaglider_request_duration_seconds')?.type, 'histogram');
  t.ok([...before.keys()].some((n) => n.startsWith('deltaglider_process_') || n.startsWith('deltaglider_nodejs_') && before.get(n)!.samples.length > 0), 'process metrics');
  t.ok((before.get('deltaglider_request_duration_seconds')?.samples.length ?? 0) >= 0, 'histogram family parsed');
  const reqBefore = sum(before, 'deltaglider_requests_total');
  const outBefore = sum(before, 'deltaglider_bytes_out_total');

  const s3 = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: CREDS, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  t.teardown(() => s3.destroy());
  await s3.send(new ListBucketsCommand({}));
  await s3.send(new ListObjectsV2Command({ Bucket: 'metrics-bucket' }));
  await s3.send(new HeadObjectCommand({ Bucket: 'metrics-bucket', Key: 'a.txt' }));
  const got = await s3.send(new GetObjectCommand({ Bucket: 'metrics-bucket', Key: 'a.txt' }));
  t.equal((await got.Body!.transformToByteArray()).length, 1000);
  await t.rejects(s3.send(new GetObjectCommand({ Bucket: 'metrics-bucket', Key: 'missing.txt' })));

  const after = await scrape();
  t.equal(sum(after, 'deltaglider_requests_total') - reqBefore, 5, 'five S3 requests counted');
  t.ok(sum(after, 'deltaglider_requests_total', (l) => l.op === 'GetObject' && l.status === '200') >= 1, 'GetObject 200');
  t.ok(sum(after, 'deltaglider_requests_total', (l) => l.op === 'GetObject' && l.status === '404') >= 1, 'GetObject 404');
  t.ok(sum(after, 'deltaglider_requests_total', (l) => l.op === 'ListBuckets') >= 1, 'ListBuckets');
  t.ok(sum(after, 'deltaglider_bytes_out_total') - outBefore >= 1000, 'bytes out moved by at least the body');
  t.ok(sum(after, 'deltaglider_request_duration_seconds_count') >= 5, 'durations observed');
  t.ok(sum(after, 'deltaglider_put_decisions_total', (l) => l.storage_type === 'passthrough') >= 1, 'put decisions');
  t.throws(() => parsePrometheus('bad line here{'), 'the parser is strict');
});
