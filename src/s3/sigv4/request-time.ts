/** The request timestamp: ISO 8601 basic format both ways, and the clock-skew check. */
import { S3Error } from '../error-table.js';
import { DEFAULT_MAX_SKEW_MS } from './constants.js';
import type { SigV4Options } from './types.js';

const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** `yyyymmddThhmmssZ` to a Date; undefined when malformed or out of range. */
export function parseLongDate(value: string): Date | undefined {
  const m = LONG_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  // Reject dates that rolled over (e.g. month 13) instead of silently normalising.
  if (date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '') !== value) return undefined;
  return date;
}

/** A Date in the `yyyymmddThhmmssZ` form of the string to sign. */
export function formatLongDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The server time for this verification, in epoch milliseconds. */
export function nowMs(options: SigV4Options): number {
  const { now } = options;
  return now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime();
}

/** Refuses a request time further from the server time than the allowed skew. */
export function checkSkew(date: Date, options: SigV4Options): void {
  const now = nowMs(options);
  const max = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(now - date.getTime()) > max) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      extra: {
        RequestTime: formatLongDate(date),
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: String(max),
      },
    });
  }
}
