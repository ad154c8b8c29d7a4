/**
 * The servers the benchmark talks to, each in its own process so the load
 * generator does not share an event loop with them: s3rver, the reverse proxy
 * (`node dist/reverse-proxy/cli.js`) and the middleware in a node:http server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_ELIGIBLE_EXTENSIONS } from '../../src/index.js';
import { BENCH_DIR, ROOT, freePort, startJsonChild, stopChild, waitForPort } from './common.js';

export const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface Running {
  url: string;
  endpoint: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startS3rver(): Promise<Running> {
  const c = await startJsonChild(['--openssl-legacy-provider', join(BENCH_DIR, 'lib', 's3rver-child.mjs')]);
  const endpoint = c.info.endpoint as string;
  return { url: endpoint, endpoint, pid: c.child.pid!, child: c.child, stop: c.stop };
}

export interface ProxyStart {
  s3Endpoint?: string;
  dataDir?: string;
  extraExtensions?: string[];
  /** Leave eligibility on the proxy's defaults (by content), instead of the FORMAT.md extension list the other sections use. */
  defaults?: boolean;
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/** `node dist/reverse-proxy/cli.js` configured through DGP_* variables. */
export async function startProxy(o: ProxyStart): Promise<Running> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_NO_WARNINGS: '1',
    DGP_LISTEN_ADDR: `127.0.0.1:${port}`,
    DGP_UI_ADDR: 'off',
    DGP_LOG_LEVEL: 'silent',
    ...(o.defaults ? {} : { DGP_ELIGIBLE_EXTENSIONS: [...DEFAULT_ELIGIBLE_EXTENSIONS, ...(o.extraExtensions ?? [])].join(',') }),
    ...(o.s3Endpoint
      ? { DGP_S3_ENDPOINT: o.s3Endpoint, DGP_BE_AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, DGP_BE_AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey }
      : { DGP_DATA_DIR: o.dataDir! }),
    ...o.env,
  };
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), join(ROOT, 'dist', 'reverse-proxy', 'cli.js')], { stdio: ['ignore', 'ignore', 'inherit'], env });
  await waitForPort(port, child);
  const url = `http://127.0.0.1:${port}`;
  return { url, endpoint: url, pid: child.pid!, child, stop: () => stopChild(child) };
}

/** deltaGliderMiddleware in a plain node:http server (bench/lib/middleware-child.mjs; DG_TEMP_DIR in `env` sets its temp dir). */
export async function startMiddleware(kind: 's3' | 'fs', where: string, env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const c = await startJsonChild([join(BENCH_DIR, 'lib', 'middleware-child.mjs'), kind, where], env);
  const url = c.info.url as string;
  return { url, endpoint: url, pid: c.child.pid!, child: c.child, stop: c.stop };
}
