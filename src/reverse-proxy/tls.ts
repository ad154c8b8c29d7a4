/**
 * TLS material: the configured PEM files, or a self-signed certificate generated
 * once with the openssl CLI and kept in the data directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadTls(options: { cert?: string; key?: string; dir: string }): { cert: Buffer; key: Buffer; selfSigned: boolean } {
  if (options.cert && options.key) return { cert: readFileSync(options.cert), key: readFileSync(options.key), selfSigned: false };
  mkdirSync(options.dir, { recursive: true });
  const cert = join(options.dir, 'self-signed.crt');
  const key = join(options.dir, 'self-signed.key');
  if (!existsSync(cert) || !existsSync(key)) {
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '825', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    } catch (err) {
      throw new Error(`DGP_TLS_ENABLED without DGP_TLS_CERT/DGP_TLS_KEY needs the openssl CLI to generate a self-signed certificate (apt-get install openssl): ${(err as Error).message}`);
    }
  }
  return { cert: readFileSync(cert), key: readFileSync(key), selfSigned: true };
}
