/**
 * The plain-text start-up banner shown on a terminal: where the S3 endpoint and the UI
 * are, which store backs them and whether requests must authenticate.
 */
import type { PortExposure } from './bind-policy.js';

/** What the banner states. */
export interface BannerInfo {
  version: string;
  url: string;
  uiUrl?: string;
  store: string;
  auth: boolean;
  /** Ports bound beyond loopback with authentication off (DGP_ALLOW_OPEN_ACCESS). */
  open: PortExposure[];
  tls: string;
}

/** The banner text, ending with a newline. */
export function formatBanner(info: BannerInfo): string {
  const lines = [
    `deltaglider-proxy ${info.version}`,
    `  S3 endpoint  ${info.url}`,
    `  UI           ${info.uiUrl ?? 'off'}`,
    `  store        ${info.store}`,
    `  auth         ${info.auth ? 'on (SigV4, DGP_ACCESS_KEY_ID)' : 'off: any key and secret are accepted'}`,
  ];
  if (info.tls !== 'off') lines.push(`  tls          ${info.tls}`);
  for (const p of info.open) lines.push(`  WARNING      ${p.port} port ${p.addr} is open to the network with authentication off (DGP_ALLOW_OPEN_ACCESS)`);
  if (!info.auth && info.open.length === 0) lines.push('               (listening on loopback only: set DGP_ACCESS_KEY_ID/DGP_SECRET_ACCESS_KEY to serve the network)');
  return `${lines.join('\n')}\n\n`;
}
