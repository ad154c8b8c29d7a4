/**
 * Runs every runnable starter in examples/ the way a user would (`npm start` in its
 * folder, no separate install: deps resolve from the root node_modules and the start
 * script links `deltaglider` to the repository root) and checks what it prints.
 * Needs `npm run build` first (the examples import the built package).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const examples = join(root, 'examples');
// The Debian aws CLI when present (what CI has), else whatever `aws` is on PATH.
const awsCli = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const haveAws = awsCli === '/usr/bin/aws' || (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'aws')));

interface Run {
  code: number | null;
  output: string;
}

function npmStart(example: string, args: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      'npm',
      ['start', '--silent', ...(args.length ? ['--', ...args] : [])],
      { cwd: join(examples, example), env: { ...process.env, AWS_CLI: awsCli, NODE_NO_WARNINGS: '1' }, timeout: 100_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
    child.stdin?.end();
  });
}

t.before(() => {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
});

t.test('sdk-plugin uploads three release zips and verifies every download', { skip: existsSync(join(root, 'dist', 'sdk-plugin', 'index.js')) ? false : 'dist/sdk-plugin/index.js not built yet (src/sdk-plugin has no index.ts)' }, async (t) => {
  const run = await npmStart('sdk-plugin');
  t.equal(run.code, 0, run.output);
  t.match(run.output, /verified 3\/3 downloads/);
  t.match(run.output, /in bucket: app\/reference\.bin/);
  const m = /bytes sent: (\d+), bytes stored: (\d+), savings: ([\d.]+)%/.exec(run.output);
  t.ok(m, 'prints bytes sent and stored');
  t.ok(m && Number(m[3]) > 50, `savings above 50% (got ${m?.[3]}%)`);
});

t.test('express-middleware serves its own route and an S3 endpoint at /s3 (--self-test)', async (t) => {
  const run = await npmStart('express-middleware', ['--self-test']);
  t.equal(run.code, 0, run.output);
  t.match(run.output, /app listening on http:\/\/127\.0\.0\.1:\d+/);
  t.match(run.output, /GET \/hello -> \{"hello":"world"/);
  t.match(run.output, /PUT\+GET web\/site-1\.zip: \d+ bytes, sha256 matches/);
  t.match(run.output, /PUT\+GET web\/site-2\.zip: \d+ bytes, sha256 matches/);
  t.match(run.output, /backend holds web\/reference\.bin/);
  t.match(run.output, /backend holds web\/site-2\.zip\.delta/);
  t.match(run.output, /self-test passed/);
});

t.test('reverse-proxy-s3rver round-trips two versions with the aws CLI and reports savings', { skip: haveAws ? false : 'no aws CLI' }, async (t) => {
  const run = await npmStart('reverse-proxy-s3rver');
  t.equal(run.code, 0, run.output);
  t.match(run.output, /make_bucket: releases/);
  t.match(run.output, /app-2\.3\.0\.zip/);
  t.match(run.output, /cmp: 2\/2 downloads identical/);
  t.match(run.output, /app\/app-2\.4\.0\.zip\.delta/);
  const m = /stats: 2 objects, \d+ bytes uploaded, \d+ bytes stored, savings ([\d.]+)%/.exec(run.output);
  t.ok(m, 'prints the savings from /_/stats');
  // Two versions: one full reference plus a small delta, so close to (not above) 50%.
  t.ok(m && Number(m[1]) > 45, `savings above 45% (got ${m?.[1]}%)`);
});

t.test('ci-artifacts publishes three builds through the proxy and reports savings', { skip: haveAws ? false : 'no aws CLI' }, async (t) => {
  const run = await npmStart('ci-artifacts');
  t.equal(run.code, 0, run.output);
  t.equal(run.output.match(/^published 1 file\(s\): \d+ bytes sent, \d+ bytes stored, -?[\d.]+% saved$/gm)?.length, 3, 'one savings line per publish');
  t.match(run.output, /bucket artifacts: 3 objects/);
  const m = /total: 3 artifacts, \d+ bytes published, \d+ bytes stored, savings ([\d.]+)%/.exec(run.output);
  t.ok(m, 'prints the total savings');
  t.ok(m && Number(m[1]) > 50, `savings above 50% (got ${m?.[1]}%)`);
});
