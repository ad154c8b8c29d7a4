/**
 * The ways in the conformance suite runs against. Each target starts its own
 * servers and hands cases an S3Client factory, a raw HTTP requester aimed at the
 * surface under test, and (for our surfaces) a handle on the backend store so a
 * case can check what is really stored.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import express from 'express';
import { FileSystemStore, S3Store, type ObjectStore } from '../../../src/index.js';
import { deltaGliderMiddleware, ignoreUnknownExpectations } from '../../../src/middleware/index.js';
import { createReverseProxy } from '../../../src/reverse-proxy/index.js';
import { startS3rver, TEST_CREDENTIALS, type S3rverFixture } from '../../helpers/s3rver.js';
import { RGW_SURFACES, startRgwSurface } from './rgw-targets.js';

export { TARGET_IDS, TARGET_TITLES, type TargetId } from './results.js';
import type { TargetId } from './results.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type ChecksumMode = 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';

export interface ClientOptions {
  /** requestChecksumCalculation; default WHEN_REQUIRED. */
  checksums?: ChecksumMode;
  /** Sign with these instead of the target's credentials. */
  credentials?: Credentials;
}

export interface TargetEnv {
  id: TargetId;
  /** One of our surfaces (false only for bare s3rver). */
  ours: boolean;
  /** Raw HTTP requests reach the surface under test (false for the SDK plugin). */
  http: boolean;
  /** Credentials clients must sign with. */
  credentials: Credentials;
  /** True when the surface checks signatures. */
  authEnforced: boolean;
  /** Endpoint clients use (may include a path prefix such as /s3). */
  endpoint: URL;
  /** A new S3Client aimed at the surface (closed with the target). */
  client(options?: ClientOptions): S3Client;
  /** The store our surface writes to, for inspecting what is stored (undefined for bare s3rver). */
  backend?: ObjectStore;
  /** Shared s3rver endpoint, when the target has one. */
  s3rver?: S3rverFixture;
  /** The storage profile our surface writes with (bare s3rver: compatible, it writes nothing of ours). */
  profile: 'compatible' | 'compact';
  /** Set when the target cannot run at all (e.g. plugin not exported yet). */
  unavailable?: string;
  close(): Promise<void>;
}

const AUTH_CREDENTIALS: Credentials = { accessKeyId: 'DGPCONFORMANCE', secretAccessKey: 'conformance-secret-key-0123456789' };

function clientFactory(endpoint: URL, credentials: Credentials, clients: S3Client[], extra: (config: S3ClientConfig) => S3ClientConfig = (c) => c) {
  return (options: ClientOptions = {}): S3Client => {
    const client = new S3Client(
      extra({
        endpoint: endpoint.href.replace(/\/$/, ''),
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: options.credentials ?? credentials,
        requestChecksumCalculation: options.checksums ?? 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 1,
      }),
    );
    clients.push(client);
    return client;
  };
}

async function listen(server: Server): Promise<URL> {
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', () => ok()));
  const a = server.address() as AddressInfo;
  return new URL(`http://127.0.0.1:${a.port}`);
}

function s3Backend(s3: S3rverFixture): S3Store {
  return new S3Store({ endpoint: s3.endpoint, credentials: TEST_CREDENTIALS, forcePathStyle: true });
}

/** The SDK plugin's entry point, loaded at run time so the suite runs before it exists. */
async function loadPlugin(): Promise<{ deltaGlider: (options?: object) => unknown } | string> {
  const path = '../../../src/sdk-plugin/index.js'; // a variable: the module may not exist yet
  try {
    const mod = (await import(path)) as { deltaGlider?: unknown };
    if (typeof mod.deltaGlider !== 'function') return 'src/sdk-plugin/index.ts does not export deltaGlider() yet';
    return mod as { deltaGlider: (options?: object) => unknown };
  } catch (err) {
    return `src/sdk-plugin/index.ts cannot be loaded yet (${(err as Error).message.split('\n')[0]})`;
  }
}

export async function startTarget(id: TargetId): Promise<TargetEnv> {
  // A `-compact` target is the same surface writing with the compact storage profile.
  const profile = id.endsWith('-compact') ? 'compact' : 'compatible';
  const env = await startSurface(id.replace(/-compact$/, '') as TargetId, profile);
  return { ...env, id, profile };
}

async function startSurface(id: TargetId, profile: 'compatible' | 'compact'): Promise<Omit<TargetEnv, 'profile'>> {
  const clients: S3Client[] = [];
  const closeClients = (): void => {
    for (const c of clients.splice(0)) c.destroy();
  };
  if ((RGW_SURFACES as readonly string[]).includes(id)) return startRgwSurface(id, id as (typeof RGW_SURFACES)[number], profile, loadPlugin);
  switch (id) {
    default:
      throw new Error(`unknown conformance target ${id}`);
    case 's3rver': {
      const s3 = await startS3rver();
      const endpoint = new URL(s3.endpoint);
      return {
        id, ours: false, http: true, credentials: TEST_CREDENTIALS, authEnforced: false, endpoint, s3rver: s3,
        client: clientFactory(endpoint, TEST_CREDENTIALS, clients),
        async close() { closeClients(); await s3.close(); },
      };
    }
    case 'plugin': {
      const s3 = await startS3rver();
      const endpoint = new URL(s3.endpoint);
      const backend = s3Backend(s3);
      const plugin = await loadPlugin();
      const make = clientFactory(endpoint, TEST_CREDENTIALS, clients);
      return {
        id, ours: true, http: false, credentials: TEST_CREDENTIALS, authEnforced: false, endpoint, s3rver: s3, backend,
        unavailable: typeof plugin === 'string' ? plugin : undefined,
        client(options) {
          const client = make(options);
          if (typeof plugin !== 'string') client.middlewareStack.use(plugin.deltaGlider({ profile }) as Parameters<S3Client['middlewareStack']['use']>[0]);
          return client;
        },
        async close() { closeClients(); backend.client.destroy(); await s3.close(); },
      };
    }
    case 'middleware': {
      const s3 = await startS3rver();
      const backend = s3Backend(s3);
      const app = express();
      const mw = deltaGliderMiddleware({ backend, passUnhandled: false, profile });
      app.use('/s3', mw);
      const server = ignoreUnknownExpectations(createServer(app));
      const base = await listen(server);
      const endpoint = new URL('/s3', base);
      return {
        id, ours: true, http: true, credentials: TEST_CREDENTIALS, authEnforced: false, endpoint, s3rver: s3, backend,
        client: clientFactory(endpoint, TEST_CREDENTIALS, clients),
        async close() {
          closeClients();
          await new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); });
          await mw.engine.close();
          backend.client.destroy();
          await s3.close();
        },
      };
    }
    case 'proxy-s3':
    case 'proxy-auth': {
      const s3 = await startS3rver();
      const auth = id === 'proxy-auth';
      const proxy = await createReverseProxy({
        config: {
          listenAddr: '127.0.0.1:0', uiAddr: 'off', logLevel: 'silent', s3Endpoint: s3.endpoint,
          beAccessKeyId: TEST_CREDENTIALS.accessKeyId, beSecretAccessKey: TEST_CREDENTIALS.secretAccessKey,
          accessKeyId: auth ? AUTH_CREDENTIALS.accessKeyId : undefined,
          secretAccessKey: auth ? AUTH_CREDENTIALS.secretAccessKey : undefined,
          profile,
          encode: 'inline', // the cases check what a PUT stores at once
        },
      });
      const { url } = await proxy.listen();
      const endpoint = new URL(url);
      const backend = s3Backend(s3);
      const credentials = auth ? AUTH_CREDENTIALS : TEST_CREDENTIALS;
      return {
        id, ours: true, http: true, credentials, authEnforced: auth, endpoint, s3rver: s3, backend,
        client: clientFactory(endpoint, credentials, clients),
        async close() { closeClients(); await proxy.close(); backend.client.destroy(); await s3.close(); },
      };
    }
    case 'proxy-fs': {
      const dataDir = await mkdtemp(join(tmpdir(), 'dg-conf-fs-'));
      const proxy = await createReverseProxy({ config: { listenAddr: '127.0.0.1:0', uiAddr: 'off', logLevel: 'silent', dataDir, s3Endpoint: undefined, profile, encode: 'inline' } });
      const { url } = await proxy.listen();
      const endpoint = new URL(url);
      const backend = new FileSystemStore(dataDir);
      return {
        id, ours: true, http: true, credentials: TEST_CREDENTIALS, authEnforced: false, endpoint, backend,
        client: clientFactory(endpoint, TEST_CREDENTIALS, clients),
        async close() { closeClients(); await proxy.close(); await rm(dataDir, { recursive: true, force: true }); },
      };
    }
  }
}
