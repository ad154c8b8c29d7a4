/**
 * What one case run means for the matrix and for the tap run: kept apart from
 * the runner so the rules (above all "a stale xfail fails") are tested without
 * starting a server.
 */
import type { CaseResult } from './results.js';
import type { TargetId } from './results.js';

export interface Verdict {
  /** The row written to the results file. */
  result: CaseResult;
  /** Whether the tap test passes. */
  ok: boolean;
  /** The tap assertion message. */
  message: string;
}

/** The message a stale annotation fails with: it names what to do. */
export function staleXfailMessage(caseId: string, target: TargetId): string {
  return `stale xfail: ${caseId} on ${target} now passes; remove the annotation`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Judges one run of a case. An expected failure that passes fails the run: an
 * annotation that is no longer true would otherwise hide the next regression
 * of that case on that target.
 */
export function judge(c: { id: string; title: string }, target: TargetId, xfail: string | undefined, error: unknown, ms: number): Verdict {
  const { id, title } = c;
  const failed = error !== undefined;
  if (xfail !== undefined) {
    if (!failed) {
      const message = staleXfailMessage(id, target);
      return { result: { id, title, status: 'fail', reason: `${message} (annotated: ${xfail})`, unexpectedPass: true, ms }, ok: false, message };
    }
    return { result: { id, title, status: 'xfail', reason: xfail, ms }, ok: true, message: `expected failure: ${xfail} (${describe(error).split('\n')[0]})` };
  }
  if (!failed) return { result: { id, title, status: 'pass', ms }, ok: true, message: 'conforms' };
  const message = describe(error);
  return { result: { id, title, status: 'fail', reason: message.split('\n').slice(0, 3).join(' '), ms }, ok: false, message };
}
