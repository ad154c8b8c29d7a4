/**
 * Conformance targets on a real Ceph RADOS Gateway (test/helpers/rgw.ts): bare
 * RGW as the reference column, and every way in over it with SigV4 on both
 * sides (clients sign for our surface; our surface signs for RGW).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import express from 'express';
import { S3Store } from '../../../src/index.js';
import { deltaGliderMiddleware, ignoreUnknownExpectations } from '../../../src/middleware/index.js';
import { createReverseProxy } from '../../../src/reverse-proxy/index.js';
import { rgwUnavailable, sharedRgw, type RgwEndpoint } from '../../helpers/rgw.js';
import type { TargetId } from './results.js';
import type { ClientOptions, Credentials, TargetEnv } from './targets.js';

/** What clients of the proxy sign with (the proxy checks it, then re-signs for RGW). */
const PROXY_CREDENTIALS: Credentials = { accessKeyId: 'DGPRGWCONFORMANCE', secretAccessKey: 'rgw-conformance-secret-0123456789' };

/** The RGW surfaces, without the `-compact` suffix. */
export const RGW_SURFACES = ['rgw', 'plugin-rgw', 'middleware-rgw', 'proxy-rgw'] as const;

function makeClients(endpoint: URL, credentials: Credentials, region: string) {
  const clients: S3Client[] = [];
  const make = (options: ClientOptions = {}, extra: Partial<S3ClientConfig> = {}): S3Client => {
    const client = new S3Client({
      endpoint: endpoint.href.replace(/\/$/, ''),
      region,
      forcePathStyle: true,
      credentials: options.credentials ?? credentials,
      requestChecksumCalculation: options.checksums ?? 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      ...extra,
    });
    clients.push(client);
    return client;
  };
  return { make, close: () => { for (const c of clients.splice(0)) c.destroy(); } };
}

async function listen(server: Server): Promise<URL> {
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', () => ok()));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

function rgwStore(rgw: RgwEndpoint): S3Store {
  return new S3Store({ endpoint: rgw.endpoint, region: rgw.region, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey }, forcePathStyle: true });
}

function unavailableTarget(id: TargetId, reason: string): Omit<TargetEnv, 'profile'> {
  const endpoint = new URL('http://127.0.0.1:9');
  return { id, ours: id !== 'rgw', http: true, credentials: PROXY_CREDENTIALS, authEnforced: false, endpoint, unavailable: reason, client: () => { throw new Error(reason); }, async close() {} };
}

/** Starts one RGW surface (`surface` without `-compact`) writing with `profile`. */
export async function startRgwSurface(id: TargetId, surface: (typeof RGW_SURFACES)[number], profile: 'compatible' | 'compact', loadPlugin: () => Promise<{ deltaGlider: (options?: object) => unknown } | string>): Promise<Omit<TargetEnv, 'profile'>> {
  const skip = rgwUnavailable();
  if (skip) return unavailableTarget(id, skip);
  const rgw = await sharedRgw();
  const rgwCredentials: Credentials = { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey };
  const rgwUrl = new URL(rgw.endpoint);
  switch (surface) {
    case 'rgw': {
      const c = makeClients(rgwUrl, rgwCredentials, rgw.region);
      return { id, ours: false, http: true, credentials: rgwCredentials, authEnforced: true, endpoint: rgwUrl, client: (o) => c.make(o), async close() { c.close(); } };
    }
    case 'plugin-rgw': {
      const backend = rgwStore(rgw);
      const plugin = await loadPlugin();
      const c = makeClients(rgwUrl, rgwCredentials, rgw.region);
      return {
        id, ours: true, http: false, credentials: rgwCredentials, authEnforced: true, endpoint: rgwUrl, backend,
        unavailable: typeof plugin === 'string' ? plugin : undefined,
        client(options) {
          const client = c.make(options);
          if (typeof plugin !== 'string') client.middlewareStack.use(plugin.deltaGlider({ profile }) as Parameters<S3Client['middlewareStack']['use']>[0]);
          return client;
        },
        async close() { c.close(); backend.client.destroy(); },
      };
    }
    case 'middleware-rgw': {
      const backend = rgwStore(rgw);
      const app = express();
      const mw = deltaGliderMiddleware({ backend, passUnhandled: false, profile, credentials: [PROXY_CREDENTIALS] });
      app.use('/s3', mw);
      const server = ignoreUnknownExpectations(createServer(app));
      const endpoint = new URL('/s3', await listen(server));
      const c = makeClients(endpoint, PROXY_CREDENTIALS, rgw.region);
      return {
        id, ours: true, http: true, credentials: PROXY_CREDENTIALS, authEnforced: true, endpoint, backend,
        client: (o) => c.make(o),
        async close() {
          c.close();
          await new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); });
          await mw.engine.close();
          backend.client.destroy();
        },
      };
    }
    case 'proxy-rgw': {
      const proxy = await createReverseProxy({
        config: {
          listenAddr: '127.0.0.1:0', uiAddr: 'off', logLevel: 'silent', s3Endpoint: rgw.endpoint, s3Region: rgw.region,
          beAccessKeyId: rgw.accessKeyId, beSecretAccessKey: rgw.secretAccessKey,
          accessKeyId: PROXY_CREDENTIALS.accessKeyId, secretAccessKey: PROXY_CREDENTIALS.secretAccessKey,
          profile,
          encode: 'inline', // the cases check what a PUT stores at once
        },
      });
      const { url } = await proxy.listen();
      const endpoint = new URL(url);
      const backend = rgwStore(rgw);
      const c = makeClients(endpoint, PROXY_CREDENTIALS, rgw.region);
      return {
        id, ours: true, http: true, credentials: PROXY_CREDENTIALS, authEnforced: true, endpoint, backend,
        client: (o) => c.make(o),
        async close() { c.close(); await proxy.close(); backend.client.destroy(); },
      };
    }
  }
}
