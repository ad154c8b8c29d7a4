/**
 * Answers a request whose work can outlast a client's read timeout the way S3 answers
 * CompleteMultipartUpload: when the work has not finished after a moment, the 200 status
 * line, the headers and the XML declaration go out, then a space every few seconds, and
 * the result (or the error, as an S3 error document) ends the body. The aws CLI reads with
 * a 60 s timeout, and assembling and encoding a 1 GiB upload takes longer than that.
 *
 * Clients know the shape: botocore and the SDK v3 parse a 200 answer to these operations
 * and raise the `<Error>` it may hold.
 */
import type { ServerResponse } from 'node:http';
import { renderErrorXml, toS3Error } from './error-table.js';

/** Wait before committing to 200 and keep-alives; faster work gets an ordinary answer (with all its headers). */
export const DEFAULT_KEEP_ALIVE_FIRST_MS = 1000;
/** Interval between whitespace keep-alives (any byte resets a client's read timeout). */
export const DEFAULT_KEEP_ALIVE_INTERVAL_MS = 5000;

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** What the work produces: the XML answer and headers that go with it when they still can. */
export interface KeepAliveResult {
  xml: string;
  headers?: Record<string, string>;
}

/** Options of {@link sendXmlWithKeepAlive}. */
export interface KeepAliveOptions {
  /** Resource named in an error document. */
  resource: string;
  /** Request id named in an error document. */
  requestId: string;
  /** Default {@link DEFAULT_KEEP_ALIVE_FIRST_MS}. */
  firstMs?: number;
  /** Default {@link DEFAULT_KEEP_ALIVE_INTERVAL_MS}. */
  intervalMs?: number;
}

/** How the answer ended, for the request log (the status line may say 200 over an error body). */
export interface KeepAliveOutcome {
  /** The status the answer means: 200, or the error's status when an error body followed a 200. */
  status: number;
  error?: Error;
}

/**
 * Runs `work` and answers with its XML. Errors before anything was sent are rethrown
 * (the caller's ordinary error path answers them); errors after the 200 went out are
 * written into the body as an S3 error document.
 *
 * @example
 * await sendXmlWithKeepAlive(res, () => complete().then((r) => ({ xml: render(r) })), { resource, requestId });
 */
export async function sendXmlWithKeepAlive(res: ServerResponse, work: () => Promise<KeepAliveResult>, options: KeepAliveOptions): Promise<KeepAliveOutcome> {
  const firstMs = options.firstMs ?? DEFAULT_KEEP_ALIVE_FIRST_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_KEEP_ALIVE_INTERVAL_MS;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  const writable = (): boolean => !res.destroyed && !res.writableEnded;
  const tick = (): void => {
    if (!writable()) return;
    if (!started) {
      started = true;
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/xml');
      res.removeHeader('Content-Length');
      res.write(XML_DECLARATION);
    } else {
      res.write(' ');
    }
    timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, firstMs);
  let result: KeepAliveResult;
  try {
    result = await work();
  } catch (err) {
    clearTimeout(timer);
    if (!started) throw err;
    const info = toS3Error(err);
    if (writable()) res.end(withoutDeclaration(renderErrorXml({ code: info.code, message: info.message, resource: options.resource, requestId: options.requestId, extra: info.extra })));
    return { status: info.status, error: err instanceof Error ? err : new Error(String(err)) };
  }
  clearTimeout(timer);
  if (!started) {
    const body = Buffer.from(result.xml, 'utf8');
    for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/xml');
    res.setHeader('Content-Length', String(body.length));
    res.end(body);
  } else if (writable()) {
    res.end(withoutDeclaration(result.xml));
  }
  return { status: 200 };
}

function withoutDeclaration(xml: string): string {
  return xml.startsWith('<?xml') ? xml.slice(xml.indexOf('?>') + 2).replace(/^\n/, '') : xml;
}
