/**
 * The conditional request fields (If-Match, If-None-Match, If-Modified-Since,
 * If-Unmodified-Since and their x-amz-copy-source-if-* twins), read the same way
 * whether they came as HTTP headers or as SDK command input.
 */
import type { Conditions } from '../core/engine/types.js';

/** One request's condition fields as the adapter found them (strings, or Dates from the SDK). */
export interface ConditionValues {
  ifMatch?: unknown;
  ifNoneMatch?: unknown;
  ifModifiedSince?: unknown;
  ifUnmodifiedSince?: unknown;
}

/** A date field: a Date, or an HTTP date string; an unparseable or empty value is no condition, as S3 ignores it. */
export function parseHttpDate(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const d = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The engine's Conditions for these fields, or undefined when none is set. */
export function conditionsOf(values: ConditionValues): Conditions | undefined {
  const c: Conditions = {
    ifMatch: typeof values.ifMatch === 'string' ? values.ifMatch : undefined,
    ifNoneMatch: typeof values.ifNoneMatch === 'string' ? values.ifNoneMatch : undefined,
    ifModifiedSince: parseHttpDate(values.ifModifiedSince),
    ifUnmodifiedSince: parseHttpDate(values.ifUnmodifiedSince),
  };
  return Object.values(c).some((v) => v !== undefined) ? c : undefined;
}
