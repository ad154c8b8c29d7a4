/**
 * deltaglider-proxy in front of s3rver, driven by the aws CLI.
 *
 * 1. starts s3rver (a local S3) in this process,
 * 2. starts `deltaglider-proxy` (the package's bin) with DGP_S3_ENDPOINT pointing at it,
 * 3. runs the aws CLI against the proxy: mb, cp of two versions, ls, cp back, cmp,
 * 4. prints the savings reported by the proxy's /_/stats endpoint.
 *
 * Set AWS_CLI to choose the aws binary (default: `aws` on PATH).
 */
import { execFile as execFileCb, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import S3rver from 's3rver';
import { makeRelease } from './release.mjs';

// Asynchronous on purpose: s3rver runs in this process and must keep answering.
const execFile = promisify(execFileCb);

const AWS = process.env.AWS_CLI ?? 'aws';
const work = await mkdtemp(join(tmpdir(), 'dg-example-proxy-'));

// 1. The backend.
await mkdir(join(work, 's3rver'));
const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(work, 's3rver') });
const { port: backendPort } = await s3rver.run();
const backend = `http://127.0.0.1:${backendPort}`;
console.log(`s3rver (backend) on ${backend}`);

// 2. The proxy, exactly as `npx deltaglider-proxy` would start it.
const require = createRequire(import.meta.url);
const pkgJson = require.resolve('deltaglider/package.json');
const cli = join(dirname(pkgJson), JSON.parse(await readFile(pkgJson, 'utf8')).bin['deltaglider-proxy']);
const port = await freePort();
const proxyUrl = `http://127.0.0.1:${port}`;
const keys = { id: 'demo-access-key', secret: 'demo-secret-key' };
const proxy = spawn(process.execPath, [cli], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    DGP_LISTEN_ADDR: `127.0.0.1:${port}`,
    DGP_UI_ADDR: 'off',
    DGP_S3_ENDPOINT: backend,
    DGP_BE_AWS_ACCESS_KEY_ID: 'S3RVER',
    DGP_BE_AWS_SECRET_ACCESS_KEY: 'S3RVER',
    // Clients must sign with these keys (SigV4).
    DGP_ACCESS_KEY_ID: keys.id,
    DGP_SECRET_ACCESS_KEY: keys.secret,
    DGP_TEMP_DIR: join(work, 'tmp'),
    DGP_LOG_LEVEL: 'warn',
  },
});

let exitCode = 0;
try {
  await waitForHealth(proxyUrl);
  console.log(`deltaglider-proxy on ${proxyUrl} -> ${backend}`);

  // 3. Plain aws CLI against the proxy.
  const awsEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: keys.id,
    AWS_SECRET_ACCESS_KEY: keys.secret,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    AWS_PAGER: '',
  };
  const aws = async (...args) => {
    console.log(`$ aws ${args.join(' ')}`);
    const { stdout } = await execFile(AWS, ['--endpoint-url', proxyUrl, ...args], { env: awsEnv });
    if (stdout.trim()) console.log(stdout.trimEnd());
  };
  const files = [];
  for (const version of ['2.3.0', '2.4.0']) {
    const file = join(work, `app-${version}.zip`);
    await writeFile(file, makeRelease(version));
    files.push(file);
  }
  await aws('s3', 'mb', 's3://releases');
  for (const f of files) await aws('s3', 'cp', '--only-show-errors', f, `s3://releases/app/`);
  await aws('s3', 'ls', 's3://releases/app/');
  let same = 0;
  for (const f of files) {
    const back = `${f}.downloaded`;
    await aws('s3', 'cp', '--only-show-errors', `s3://releases/app/${f.split('/').pop()}`, back);
    try {
      await execFile('cmp', [f, back]);
      same++;
    } catch {
      console.error(`cmp: ${back} differs from ${f}`);
    }
  }
  console.log(`cmp: ${same}/${files.length} downloads identical to the uploads`);

  // What the backend really holds (reference.bin + .delta files), listed without the proxy.
  const { stdout: rawListing } = await execFile(AWS, ['--endpoint-url', backend, 's3', 'ls', '--recursive', 's3://releases'], {
    env: { ...awsEnv, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
  });
  console.log(`backend s3rver holds:\n${rawListing.trimEnd()}`);

  // 4. Savings from the proxy's admin endpoint. It names every bucket, so with SigV4 on
  //    it is signed like any S3 request (curl 7.75+ signs with --aws-sigv4).
  const { stdout: statsJson } = await execFile('curl', ['-fsS', '--aws-sigv4', 'aws:amz:us-east-1:s3', '--user', `${keys.id}:${keys.secret}`, '-H', 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', `${proxyUrl}/_/stats`]);
  const stats = JSON.parse(statsJson);
  console.log(`stats: ${stats.objects} objects, ${stats.originalBytes} bytes uploaded, ${stats.storedBytes} bytes stored, savings ${stats.savingsPercent}%`);
  if (same !== files.length) exitCode = 1;
} catch (err) {
  console.error(err.stderr ? String(err.stderr) : err);
  exitCode = 1;
} finally {
  proxy.kill('SIGTERM');
  await new Promise((resolve) => (proxy.exitCode !== null ? resolve() : proxy.once('exit', resolve)));
  await s3rver.close();
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
  let lastHealth = "no answer";
  for (;;) {
    if (proxy.exitCode !== null) throw new Error(`deltaglider-proxy exited with code ${proxy.exitCode}`);
    try {
      const res = await fetch(`${url}/_/health`);
      if (res.ok) return;
      lastHealth = `${res.status} ${await res.text()}`;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`deltaglider-proxy did not become healthy at ${url}/_/health: ${lastHealth}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
