/**
 * S3 (and Ceph RGW) ignore an `Expect` header other than `100-continue` (empty, or any
 * other value). Node's HTTP server answers such a request 417 Expectation Failed before
 * any request listener sees it, unless the server listens for `checkExpectation`; this
 * hands those requests to the server's ordinary request listeners instead.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { ignoreUnknownExpectations } from 'deltaglider/middleware';
 * const server = ignoreUnknownExpectations(createServer(app));
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

/** Routes requests with an unsupported `Expect` value to `server`'s request listeners; returns `server`. */
export function ignoreUnknownExpectations<S extends HttpServer | HttpsServer>(server: S): S {
  server.on('checkExpectation', (req, res) => server.emit('request', req, res));
  return server;
}
