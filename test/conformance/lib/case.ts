/**
 * A conformance case: written once, run against every target.
 */
import type { CaseContext } from './context.js';
import type { TargetId } from './results.js';

export type Requirement =
  /** Raw HTTP requests must reach the surface (not the SDK plugin). */
  | 'http'
  /** Only on our surfaces (delta behaviour, reserved keys, backend inspection). */
  | 'ours'
  /** Only where signatures are checked. */
  | 'auth';

export interface ConformanceCase {
  /** Stable id: `group.name`. */
  id: string;
  title: string;
  needs?: Requirement[];
  /** Targets where the case is known to fail, each with the reason. */
  xfail?: Partial<Record<TargetId, string>>;
  /** Targets the case does not apply to, with the reason. */
  skip?: Partial<Record<TargetId, string>>;
  /** Default true: create ctx.bucket before running. */
  bucket?: boolean;
  run(ctx: CaseContext): Promise<void>;
}

export type { CaseStatus, CaseResult, TargetResults } from './results.js';

