/**
 * The proxy's logger: pino, writing JSON lines for collectors or plain text lines for a
 * person at a terminal (DGP_LOG_FORMAT, `auto` picks by whether stdout is a TTY).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogFormat } from './config.js';

/** pino's numeric levels, as written in each JSON line. */
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line carries that a person reading text does not need repeated. */
const HIDDEN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'svc', 'err']);

/** `auto` resolved: text on a terminal, JSON otherwise. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean | undefined): 'json' | 'text' {
  return format === 'auto' ? (isTTY ? 'text' : 'json') : format;
}

function textValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

/** One pino JSON line rendered as `HH:MM:SS LEVEL message key=value ...` (stack on its own lines). */
export function formatLogLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString().slice(11, 19);
  const level = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  const fields = Object.entries(o)
    .filter(([k, v]) => !HIDDEN_FIELDS.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${textValue(v)}`);
  const err = o.err as { message?: string; stack?: string } | undefined;
  const lines = [`${time} ${level} ${String(o.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}`];
  if (err) lines.push(`    ${(err.stack ?? err.message ?? '').replace(/\n/g, '\n    ')}`);
  return `${lines.join('\n')}\n`;
}

/** A pino destination that writes text lines to `out`. */
export function textLogDestination(out: { write(chunk: string): unknown }): DestinationStream {
  return { write: (line: string) => void out.write(formatLogLine(line)) };
}

/** The proxy's logger at `level`, in `format` (already resolved). */
export function createProxyLogger(level: string, format: 'json' | 'text', out: { write(chunk: string): unknown } = process.stdout): Logger {
  const options = { level, base: { svc: 'deltaglider-proxy' } };
  return format === 'text' ? pino(options, textLogDestination(out)) : pino(options, out as DestinationStream);
}
