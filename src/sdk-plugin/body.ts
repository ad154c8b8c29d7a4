/**
 * Request bodies of every type the SDK accepts, as one Node Readable for the engine
 * (which spools it to disk, so nothing here buffers a stream in memory).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PluginUsageError } from './errors.js';

function isWebStream(v: unknown): v is WebReadableStream {
  return typeof v === 'object' && v !== null && typeof (v as { getReader?: unknown }).getReader === 'function';
}

function isBlob(v: unknown): v is Blob {
  return typeof Blob !== 'undefined' && v instanceof Blob;
}

/**
 * Buffer, Uint8Array (and other ArrayBufferViews), ArrayBuffer, string, Node Readable,
 * web ReadableStream, Blob, or nothing (an empty object).
 */
export function toReadable(body: unknown): Readable {
  if (body === undefined || body === null) return Readable.from([]);
  if (typeof body === 'string') return Readable.from([Buffer.from(body, 'utf8')]);
  if (Buffer.isBuffer(body)) return Readable.from([body]);
  if (ArrayBuffer.isView(body)) return Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
  if (body instanceof ArrayBuffer) return Readable.from([Buffer.from(body)]);
  if (body instanceof Readable) return body;
  if (isBlob(body)) return Readable.fromWeb(body.stream() as unknown as WebReadableStream);
  if (isWebStream(body)) return Readable.fromWeb(body);
  // Any other async iterable of chunks (e.g. a stream-like object from another library).
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return Readable.from(body as AsyncIterable<unknown>, { objectMode: false });
  }
  throw new PluginUsageError(`unsupported Body type ${Object.prototype.toString.call(body)}`);
}

/** The declared length of a body when it is known without reading it. */
export function knownLength(body: unknown): number | undefined {
  if (body === undefined || body === null) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (isBlob(body)) return body.size;
  return undefined;
}
