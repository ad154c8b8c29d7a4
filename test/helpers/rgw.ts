/**
 * Shared fixture: a real Ceph RADOS Gateway (scripts/rgw.sh) for tests.
 *
 * Order of preference: the RGW named by RGW_ENDPOINT (+ RGW_ACCESS_KEY_ID,
 * RGW_SECRET_ACCESS_KEY; `.ci/run` starts one and exports them), else one this
 * checkout shares between test processes, started on first use by
 * `scripts/rgw.sh start --watch` (the script's lock file serialises concurrent
 * tap processes; each registers its pid, and the script's watchdog stops the
 * cluster once no registered process is alive), else a skip reason when the
 * Ceph packages are not installed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';

const run = promisify(execFile);

/** scripts/rgw.sh of this checkout. */
export const RGW_SCRIPT = resolve(fileURLToPath(new URL('../../scripts/rgw.sh', import.meta.url)));

/** Binaries scripts/rgw.sh needs; a test skips when one is missing. */
const RGW_BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph'];

/** A start can take a while on a loaded 2-core machine (3-10 s measured). */
const RGW_START_TIMEOUT_MS = 180_000;

/** Where to reach an RGW and how to sign for it. */
export interface RgwEndpoint {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The cluster's state directory (for scripts/rgw.sh with RGW_DIR), when known. */
  dir?: string;
}

/** A private RGW a test owns: it may restart the gateway, and must stop it. */
export interface PrivateRgw extends RgwEndpoint {
  dir: string;
  /** SIGKILLs radosgw (the cluster and its data stay). */
  killGateway(): Promise<void>;
  /** Starts radosgw again on the same port. */
  startGateway(): Promise<void>;
  /** Stops every daemon and wipes the data. */
  stop(): Promise<void>;
}

function onPath(binary: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/**
 * Why RGW tests cannot run here, or undefined when they can. `ownCluster`: the
 * test starts a private cluster, so RGW_ENDPOINT alone is not enough.
 */
export function rgwUnavailable(options: { ownCluster?: boolean } = {}): string | undefined {
  if (process.env.RGW_ENDPOINT && !options.ownCluster) return undefined;
  const missing = RGW_BINARIES.filter((b) => !onPath(b));
  if (missing.length > 0) return `Ceph RGW not installed (missing ${missing.join(', ')}; apt-get install ceph-mon ceph-osd radosgw, or set RGW_ENDPOINT)`;
  return undefined;
}

function parseEnv(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of stdout.matchAll(/^export (\w+)=(.*)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

async function script(args: string[], dir?: string): Promise<string> {
  const env = dir ? { ...process.env, RGW_DIR: dir } : process.env;
  const { stdout } = await run(RGW_SCRIPT, args, { env, timeout: RGW_START_TIMEOUT_MS });
  return stdout;
}

function endpointOf(vars: Record<string, string>): RgwEndpoint {
  return {
    endpoint: vars.RGW_ENDPOINT!,
    accessKeyId: vars.RGW_ACCESS_KEY_ID!,
    secretAccessKey: vars.RGW_SECRET_ACCESS_KEY!,
    region: vars.RGW_REGION ?? 'us-east-1',
    dir: vars.RGW_DIR,
  };
}

let shared: Promise<RgwEndpoint> | undefined;

/**
 * The shared RGW for this test process (started on first call unless RGW_ENDPOINT
 * is set). Call rgwUnavailable() first and skip with its reason.
 */
export function sharedRgw(): Promise<RgwEndpoint> {
  shared ??= (async () => {
    if (process.env.RGW_ENDPOINT) return endpointOf(process.env as Record<string, string>);
    const rgw = endpointOf(parseEnv(await script(['start', '--watch'])));
    // Registered users keep the watchdog from stopping the cluster under us.
    const users = join(rgw.dir!, 'users');
    mkdirSync(users, { recursive: true });
    writeFileSync(join(users, String(process.pid)), '');
    process.once('exit', () => rmSync(join(users, String(process.pid)), { force: true }));
    return rgw;
  })();
  return shared;
}

/**
 * A cluster of the test's own (for restarting the gateway without disturbing
 * other tests). `conf` lines go into its ceph.conf. Stopped by stop(), and by
 * the watchdog if the test process dies first.
 */
export async function startPrivateRgw(conf: string[] = []): Promise<PrivateRgw> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-rgw-private-'));
  rmSync(dir, { recursive: true }); // the script creates it; mkdtemp only reserved a unique name
  const args = ['start', '--watch', ...conf.flatMap((c) => ['--conf', c])];
  const rgw = endpointOf(parseEnv(await script(args, dir)));
  writeFileSync(join(dir, 'users', String(process.pid)), '');
  return {
    ...rgw,
    dir,
    killGateway: async () => void (await script(['kill-gateway'], dir)),
    startGateway: async () => void (await script(['start-gateway'], dir)),
    async stop() {
      await script(['stop'], dir);
      rmSync(`${dir}.lock`, { force: true });
    },
  };
}

/** A plain S3 client (no plugin) for an RGW. */
export function rgwClient(rgw: RgwEndpoint): S3Client {
  return new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
