/**
 * Runnable demo of publish.sh: starts deltaglider-proxy on its embedded filesystem
 * store in a temp directory, then "builds" three releases and publishes each with
 * publish.sh, as a CI pipeline would after every build.
 *
 * Set AWS_CLI to choose the aws binary (default: `aws` on PATH).
 */
import { execFile as execFileCb, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeRelease } from './release.mjs';

const execFile = promisify(execFileCb);
const here = dirname(fileURLToPath(import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'dg-example-ci-'));

// The proxy, as `npx deltaglider-proxy` would start it, storing under <work>/data.
const require = createRequire(import.meta.url);
const pkgJson = require.resolve('deltaglider/package.json');
const cli = join(dirname(pkgJson), JSON.parse(await readFile(pkgJson, 'utf8')).bin['deltaglider-proxy']);
const port = await freePort();
const endpoint = `http://127.0.0.1:${port}`;
const keys = { AWS_ACCESS_KEY_ID: 'ci-publisher', AWS_SECRET_ACCESS_KEY: 'ci-publisher-secret' };
const proxy = spawn(process.execPath, [cli], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    DGP_LISTEN_ADDR: `127.0.0.1:${port}`,
    DGP_UI_ADDR: 'off',
    DGP_DATA_DIR: join(work, 'data'),
    DGP_TEMP_DIR: join(work, 'tmp'),
    DGP_ACCESS_KEY_ID: keys.AWS_ACCESS_KEY_ID,
    DGP_SECRET_ACCESS_KEY: keys.AWS_SECRET_ACCESS_KEY,
    DGP_LOG_LEVEL: 'warn',
  },
});

let exitCode = 0;
try {
  await waitForHealth(endpoint);
  console.log(`deltaglider-proxy on ${endpoint} (embedded store in ${join(work, 'data')})`);
  const env = {
    ...process.env,
    ...keys,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
  };
  const versions = ['3.0.0', '3.0.1', '3.1.0'];
  for (const version of versions) {
    // The build: one release zip per version.
    const dist = join(work, 'build', version);
    await mkdir(dist, { recursive: true });
    const file = join(dist, `myapp-${version}-linux.zip`);
    await writeFile(file, makeRelease(version, 'myapp'));
    // The publish step. Every version goes to the same prefix (one deltaspace), so each
    // is stored as a delta against the first.
    console.log(`\n$ publish.sh ${endpoint} artifacts myapp/linux ${file}`);
    // Bucket totals once, after the last build (/_/stats is exact after every write).
    const last = version === versions.at(-1);
    const { stdout } = await execFile('bash', [join(here, 'publish.sh'), endpoint, 'artifacts', 'myapp/linux', file], { env: { ...env, PUBLISH_STATS: last ? '1' : '0' } });
    process.stdout.write(stdout);
  }
  // /_/stats names every bucket: with SigV4 on it is signed like any S3 request.
  const { stdout: statsJson } = await execFile('curl', ['-fsS', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${keys.AWS_ACCESS_KEY_ID}:${keys.AWS_SECRET_ACCESS_KEY}`, '-H', 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', `${endpoint}/_/stats`]);
  const stats = JSON.parse(statsJson);
  console.log(`\ntotal: ${stats.objects} artifacts, ${stats.originalBytes} bytes published, ${stats.storedBytes} bytes stored, savings ${stats.savingsPercent}%`);
} catch (err) {
  console.error(err.stderr ? String(err.stderr) : err);
  exitCode = 1;
} finally {
  proxy.kill('SIGTERM');
  await new Promise((resolve) => (proxy.exitCode !== null ? resolve() : proxy.once('exit', resolve)));
  await rm(work, { recursive: true, force: true });
}
process.exit(exitCode);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url) {
  const deadline = Date.now() + 20_000;
  let last = 'no answer';
  for (;;) {
    if (proxy.exitCode !== null) throw new Error(`deltaglider-proxy exited with code ${proxy.exitCode}`);
    try {
      const res = await fetch(`${url}/_/health`);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`deltaglider-proxy did not become healthy at ${url}/_/health: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
