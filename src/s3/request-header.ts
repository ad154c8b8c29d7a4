/** Reading a request header as one value. */
import type { IncomingMessage } from 'node:http';

/** The first value of a request header (node joins most repeats; a few arrive as arrays). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
