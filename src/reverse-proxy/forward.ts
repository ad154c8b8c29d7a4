/**
 * Forwarding of the S3 operations deltaglider does not serve itself (tagging, ACLs,
 * versioning, CORS, ...) to the backend, re-signed with the backend's credentials.
 * The body is forwarded as sent, so it is signed as UNSIGNED-PAYLOAD.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createProxyServer } from 'http-proxy-3';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from './sha256.js';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { sendError } from '../s3/responses.js';
import { S3Error } from '../s3/error-table.js';

export interface ForwarderOptions {
  endpoint: string;
  region: string;
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
}

/** Headers that belong to the client's signature or hop, never forwarded. */
const DROP = new Set(['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'host', 'connection', 'expect']);

export function createForwarder(options: ForwarderOptions): (req: IncomingMessage, res: ServerResponse, bucket?: string, key?: string) => void {
  const target = new URL(options.endpoint);
  const proxy = createProxyServer({ target: options.endpoint, changeOrigin: true, xfwd: false });
  // Without an error listener the proxy would crash the process on a backend failure.
  proxy.on('error', (err: Error, req: IncomingMessage, res: unknown) => {
    const r = res as ServerResponse;
    if (typeof r?.setHeader === 'function') sendError(req, r, new S3Error('ServiceUnavailable', `backend unreachable: ${err.message}`), req.url ?? '/', 'forward');
  });
  const signer = new SignatureV4({ credentials: options.credentials, region: options.region, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });

  return (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of url.searchParams) {
        if (/^X-Amz-/i.test(k)) continue;
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || DROP.has(k)) continue;
        headers[k] = Array.isArray(v) ? v.join(',') : v;
      }
      headers.host = target.host;
      headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      const basePath = target.pathname.replace(/\/$/, '');
      const request = new HttpRequest({ method: req.method, protocol: target.protocol, hostname: target.hostname, port: target.port ? Number(target.port) : undefined, path: basePath + url.pathname, query, headers });
      const signed = await signer.sign(request);
      // Replace the client's auth headers with ours, keep everything else as sent.
      for (const k of Object.keys(req.headers)) if (DROP.has(k) && k !== 'host' && k !== 'connection') delete req.headers[k];
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
      const qs = search.toString().replace(/\+/g, '%20');
      req.url = url.pathname + (qs ? `?${qs}` : '');
      proxy.web(req, res, { target: options.endpoint, headers: signed.headers as Record<string, string> });
    })().catch((err: unknown) => sendError(req, res, err, req.url ?? '/', 'forward'));
  };
}
