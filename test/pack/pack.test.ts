/**
 * The published package works from its tarball: `npm pack` (of the current dist/),
 * install into an empty project, then the bin and every subpath export, resolved
 * from that project's node_modules and never from the source tree.
 * Needs `npm run build` first. Dependencies come from the npm cache when present
 * (--prefer-offline), from the registry otherwise.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

t.test('the packed tarball installs and exposes the bin and every entry point', { timeout: 240_000 }, async (t) => {
  t.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/ is built (npm run build)');
  const work = await mkdtemp(join(tmpdir(), 'dg-pack-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

  // --ignore-scripts: pack what is built; `prepare` would rebuild dist/ under other tests.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, env: npmEnv, maxBuffer: 64 * 1024 * 1024 });
  const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tgz = join(work, info!.filename);
  const files = info!.files.map((f) => f.path);
  t.ok(files.includes('dist/reverse-proxy/cli.js'), 'the tarball ships the bin');
  t.ok(files.includes('dist/sdk-plugin/index.js'), 'the tarball ships the sdk-plugin entry');
  t.notOk(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('examples/')), 'no sources, tests or examples');

  const app = join(work, 'app');
  await run('mkdir', ['-p', app]);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'pack-smoke', private: true, type: 'module' }));
  await run('npm', ['install', tgz, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: app, env: npmEnv, timeout: 180_000 });
  t.ok(readdirSync(join(app, 'node_modules', 'deltaglider', 'dist')).length > 0, 'installed from the tarball');

  const help = await run('npx', ['--no-install', 'deltaglider-proxy', '--help'], { cwd: app, env: npmEnv });
  t.match(help.stdout, /Usage: deltaglider-proxy/);
  t.match(help.stdout, /DGP_LISTEN_ADDR/);

  const probe = `
    const out = {};
    const check = async (spec, name) => {
      const url = import.meta.resolve(spec);
      const mod = await import(spec);
      out[spec] = { type: typeof mod[name], url };
    };
    await check('deltaglider', 'DeltaGliderEngine');
    await check('deltaglider', 'S3Store');
    await check('deltaglider/sdk-plugin', 'deltaGlider');
    await check('deltaglider/middleware', 'deltaGliderMiddleware');
    await check('deltaglider/reverse-proxy', 'createReverseProxy');
    console.log(JSON.stringify(out));
  `;
  const res = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: app, env: npmEnv });
  const found = JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, { type: string; url: string }>;
  for (const [spec, name] of [['deltaglider', 'S3Store'], ['deltaglider/sdk-plugin', 'deltaGlider'], ['deltaglider/middleware', 'deltaGliderMiddleware'], ['deltaglider/reverse-proxy', 'createReverseProxy']] as const) {
    t.equal(found[spec]?.type, 'function', `${spec} exports ${name}`);
    t.ok(found[spec]?.url.startsWith(`file://${app}/node_modules/deltaglider/`), `${spec} resolves inside the installed package (${found[spec]?.url})`);
  }
});
