/**
 * Safe-by-default binding: without authentication a port may listen on loopback only,
 * unless the operator opts in with DGP_ALLOW_OPEN_ACCESS. An open S3 endpoint on a
 * laptop on a shared network or on a cloud VM is write access for anyone who finds it;
 * the Rust DeltaGlider proxy refuses to start that way too.
 */
import { ConfigError, defaultUiAddr, type ProxyConfig } from './config.js';

/** Starting would expose an unauthenticated port beyond this machine, and nobody opted in. */
export class OpenBindError extends ConfigError {
  override name = 'OpenBindError';
}

/** A host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** The host part of `host:port` (`[::1]:9000` -> `::1`). */
export function hostOf(addr: string): string {
  return addr.slice(0, addr.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/** What a port is bound to and whether requests to it must authenticate. */
export interface PortExposure {
  /** `S3` or `UI`. */
  port: 'S3' | 'UI';
  addr: string;
  authenticated: boolean;
  /** Reachable from other machines with authentication off (allowed only with the opt-in). */
  open: boolean;
}

/**
 * Checks the S3 and UI bind addresses against the credentials. Throws OpenBindError
 * naming the setting to change; returns each port's exposure so start-up can state it.
 */
export function checkBindPolicy(config: Pick<ProxyConfig, 'listenAddr' | 'uiAddr' | 'accessKeyId' | 'secretAccessKey' | 'adminPassword' | 'allowOpenAccess'>): PortExposure[] {
  const s3Auth = config.accessKeyId !== undefined && config.secretAccessKey !== undefined;
  const ports: PortExposure[] = [{ port: 'S3', addr: config.listenAddr, authenticated: s3Auth, open: false }];
  if (config.uiAddr !== 'off') {
    ports.push({ port: 'UI', addr: config.uiAddr ?? defaultUiAddr(config.listenAddr), authenticated: s3Auth || config.adminPassword !== undefined, open: false });
  }
  for (const p of ports) {
    if (p.authenticated || isLoopbackHost(hostOf(p.addr))) continue;
    if (!config.allowOpenAccess) {
      const setting = p.port === 'S3' ? 'DGP_LISTEN_ADDR' : 'DGP_UI_ADDR';
      const credentials = p.port === 'S3' ? 'DGP_ACCESS_KEY_ID and DGP_SECRET_ACCESS_KEY' : 'DGP_ACCESS_KEY_ID and DGP_SECRET_ACCESS_KEY (or DGP_ADMIN_PASSWORD)';
      throw new OpenBindError(
        `refusing to listen on ${p.addr} (${p.port} port) with authentication off: anyone who can reach it could read, write and delete every object. ` +
          `Set ${credentials}, or bind loopback (${setting}=127.0.0.1:<port>), or set DGP_ALLOW_OPEN_ACCESS=true to accept an open endpoint.`,
      );
    }
    p.open = true;
  }
  return ports;
}
