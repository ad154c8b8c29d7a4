/**
 * HTTP Range header resolution, as S3 does it: one range only, `bytes=a-b`,
 * `bytes=a-`, `bytes=-n`. A syntactically invalid header is ignored (full body);
 * a valid but unsatisfiable one is InvalidRange (416).
 */
import { InvalidRangeError } from '../errors.js';

/** Inclusive byte bounds, or undefined to serve the whole object. */
export function resolveRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined || header === '') return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const n = Number(b);
    if (n === 0) throw new InvalidRangeError(size);
    if (size === 0) throw new InvalidRangeError(size);
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== '' && Number(b) < start) return undefined;
  if (start >= size) throw new InvalidRangeError(size);
  return { start, end };
}
