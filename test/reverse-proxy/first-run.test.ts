/**
 * What a new user meets when starting `deltaglider-proxy` (the built CLI, a real process):
 * loopback-only binding without credentials and the explicit opt-in to open it, --version,
 * the plain-text banner on a terminal and JSON lines otherwise.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBindPolicy, isLoopbackHost, OpenBindError } from '../../src/reverse-proxy/bind-policy.js';
import { DEFAULT_AUTHENTICATED_LISTEN_ADDR, DEFAULT_LISTEN_ADDR, loadConfig } from '../../src/reverse-proxy/config.js';
import { TOOL_VERSION } from '../../src/core/format/metadata.js';

const CLI = join(import.meta.dirname, '../../dist/reverse-proxy/cli.js');
const SCRIPT = '/usr/bin/script';

/** The environment of a user with no DGP_* settings of their own. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DGP_')));
  return { ...env, ...extra };
}

/** Runs the CLI until its first output line that matches `ready` (or its exit), then stops it. */
function startCli(t: { teardown(fn: () => void): void }, env: Record<string, string>, ready: RegExp, command: [string, string[]] = [process.execPath, [CLI]]): Promise<{ out: string; err: string; code: number | null }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dg-first-run-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(command[0], command[1], { env: cleanEnv({ DGP_DATA_DIR: dataDir, ...env }) });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) child.kill('SIGTERM');
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ out, err, code });
    });
  });
}

t.test('without credentials the default bind is loopback; with them, every interface', async (t) => {
  t.equal(loadConfig({}).listenAddr, DEFAULT_LISTEN_ADDR);
  t.equal(DEFAULT_LISTEN_ADDR, '127.0.0.1:9000');
  t.equal(loadConfig({ DGP_ACCESS_KEY_ID: 'k', DGP_SECRET_ACCESS_KEY: 's' }).listenAddr, DEFAULT_AUTHENTICATED_LISTEN_ADDR);
  t.equal(loadConfig({ DGP_ACCESS_KEY_ID: 'k', DGP_SECRET_ACCESS_KEY: 's', DGP_LISTEN_ADDR: '127.0.0.1:7000' }).listenAddr, '127.0.0.1:7000', 'an explicit address is kept');
  t.equal(loadConfig({}).allowOpenAccess, false, 'open access is off by default');
});

t.test('the bind policy refuses an open non-loopback port unless opted in', async (t) => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) t.ok(isLoopbackHost(host), `${host} is loopback`);
  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1']) t.notOk(isLoopbackHost(host), `${host} is not loopback`);
  const open = { accessKeyId: undefined, secretAccessKey: undefined, adminPassword: undefined, allowOpenAccess: false };
  t.same(checkBindPolicy({ ...open, listenAddr: '127.0.0.1:9000', uiAddr: undefined }).map((p) => [p.port, p.addr, p.open]), [['S3', '127.0.0.1:9000', false], ['UI', '127.0.0.1:9001', false]]);
  t.throws(() => checkBindPolicy({ ...open, listenAddr: '0.0.0.0:9000', uiAddr: 'off' }), OpenBindError, 'open S3 port refused');
  t.throws(() => checkBindPolicy({ ...open, listenAddr: '127.0.0.1:9000', uiAddr: '0.0.0.0:9001' }), /UI port.*DGP_ALLOW_OPEN_ACCESS/, 'open UI port refused');
  t.doesNotThrow(() => checkBindPolicy({ ...open, adminPassword: 'pw', listenAddr: '127.0.0.1:9000', uiAddr: '0.0.0.0:9001' }), 'a UI with a password may bind the network');
  t.same(checkBindPolicy({ ...open, accessKeyId: 'k', secretAccessKey: 's', listenAddr: '0.0.0.0:9000', uiAddr: undefined }).filter((p) => p.open), [], 'credentials protect both ports');
  t.same(checkBindPolicy({ ...open, allowOpenAccess: true, listenAddr: '0.0.0.0:9000', uiAddr: undefined }).filter((p) => p.open).map((p) => p.port), ['S3', 'UI'], 'the opt-in marks both ports open');
});

t.test('the CLI', { skip: existsSync(CLI) ? false : `${CLI} is missing: run npm run build` }, async (t) => {

  t.test('--version and -v print the version and exit 0', async (t) => {
    for (const flag of ['--version', '-v']) {
      const r = spawnSync(process.execPath, [CLI, flag], { env: cleanEnv({}), encoding: 'utf8' });
      t.equal(r.status, 0, `${flag} exits 0`);
      t.equal(r.stdout, `deltaglider-proxy ${TOOL_VERSION}\n`, flag);
    }
    const bad = spawnSync(process.execPath, [CLI, '--nope'], { env: cleanEnv({}), encoding: 'utf8' });
    t.equal(bad.status, 2);
    t.match(bad.stderr, /unknown argument --nope \(see deltaglider-proxy --help\)/);
    t.ok(bad.stderr.split('\n').length < 4, 'an unknown argument does not dump the whole help');
  });

  t.test('a non-loopback bind without credentials is refused at start, exit 2', async (t) => {
    const r = await startCli(t, { DGP_LISTEN_ADDR: '0.0.0.0:0' }, /listening/);
    t.equal(r.code, 2);
    t.match(r.err, /refusing to listen on 0\.0\.0\.0:0 \(S3 port\) with authentication off/);
    t.match(r.err, /DGP_ALLOW_OPEN_ACCESS=true/);
    t.equal(r.out, '', 'nothing was served');
    const ui = await startCli(t, { DGP_LISTEN_ADDR: '127.0.0.1:0', DGP_UI_ADDR: '0.0.0.0:0' }, /listening/);
    t.equal(ui.code, 2);
    t.match(ui.err, /0\.0\.0\.0:0 \(UI port\)/);
  });

  t.test('with DGP_ALLOW_OPEN_ACCESS it starts open and says so', async (t) => {
    const r = await startCli(t, { DGP_LISTEN_ADDR: '0.0.0.0:0', DGP_ALLOW_OPEN_ACCESS: 'true', DGP_LOG_FORMAT: 'json' }, /AUTHENTICATION IS OFF[^\n]*\n[^\n]*AUTHENTICATION IS OFF[^\n]*\n/);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const listening = lines.find((l) => l.msg === 'deltaglider-proxy listening');
    t.equal(listening?.bound, '0.0.0.0');
    const warnings = lines.filter((l) => l.level === 40 && /AUTHENTICATION IS OFF on a network address/.test(String(l.msg)));
    t.same(warnings.map((w) => w.port), ['S3', 'UI'], 'one warning per open port');
  });

  t.test('DGP_LOG_FORMAT=text prints the banner: S3 URL, UI URL, store, auth', async (t) => {
    const r = await startCli(t, { DGP_LISTEN_ADDR: '127.0.0.1:0', DGP_LOG_FORMAT: 'text' }, /auth .*\n.*\n\n/);
    t.match(r.out, new RegExp(`^deltaglider-proxy ${TOOL_VERSION.replace(/\./g, '\\.')}\n`));
    t.match(r.out, /S3 endpoint {2}http:\/\/127\.0\.0\.1:\d+ \(this machine only\)/);
    t.match(r.out, /UI {11}http:\/\/127\.0\.0\.1:\d+ /);
    t.match(r.out, /store {8}filesystem /);
    t.match(r.out, /auth {9}off: any key and secret are accepted/);
    t.notMatch(r.out, /^\{/m, 'no JSON lines');
  });

  t.test('with credentials the banner says auth is on', async (t) => {
    const r = await startCli(t, { DGP_LISTEN_ADDR: '127.0.0.1:0', DGP_LOG_FORMAT: 'text', DGP_ACCESS_KEY_ID: 'k', DGP_SECRET_ACCESS_KEY: 's' }, /auth .*\n\n/);
    t.match(r.out, /auth {9}on \(SigV4/);
  });

  t.test('not on a terminal, start-up is one JSON line', async (t) => {
    const r = await startCli(t, { DGP_LISTEN_ADDR: '127.0.0.1:0' }, /listening/);
    const first = JSON.parse(r.out.split('\n')[0] as string) as Record<string, unknown>;
    t.equal(first.msg, 'deltaglider-proxy listening');
    t.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.match(first.uiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.equal(first.auth, false);
  });

  t.test('on a real terminal (a pty from script(1)) the default is the text banner', { skip: existsSync(SCRIPT) ? false : `${SCRIPT} is missing (apt-get install bsdutils)` }, async (t) => {
    const r = await startCli(t, { DGP_LISTEN_ADDR: '127.0.0.1:0' }, /auth .*\r?\n.*\r?\n\r?\n/, [SCRIPT, ['-qfec', `${process.execPath} ${CLI}`, '/dev/null']]);
    t.match(r.out, /S3 endpoint {2}http:\/\/127\.0\.0\.1:\d+/);
    t.notMatch(r.out, /"msg":"deltaglider-proxy listening"/);
  });
});
