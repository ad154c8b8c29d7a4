/**
 * Runs every case against one target under tap, records the outcome per case
 * in test/conformance/.results/<target>.json and regenerates docs/CONFORMANCE.md
 * from all result files present.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { CASES } from '../cases/index.js';
import { RESULTS_DIR, writeReport } from '../report.js';
import type { CaseResult, ConformanceCase, TargetResults } from './case.js';
import { CaseContext, strictness } from './context.js';
import { TARGET_TITLES, type TargetId } from './results.js';
import { startTarget, type TargetEnv } from './targets.js';
import { judge } from './verdict.js';

/** A `-compact` target shares its surface's known limits (they come from the surface and backend, not the profile). */
function surfaceOf(id: TargetId): TargetId {
  return id.replace(/-compact$/, '') as TargetId;
}

function skipReason(c: ConformanceCase, env: TargetEnv): string | undefined {
  if (env.unavailable) return env.unavailable;
  const explicit = c.skip?.[env.id] ?? c.skip?.[surfaceOf(env.id)];
  if (explicit) return explicit;
  for (const need of c.needs ?? []) {
    if (need === 'ours' && !env.ours) return 'delta-specific: not applicable to a bare backend';
    if (need === 'http' && !env.http) return 'raw HTTP request: the SDK plugin only sees SDK calls';
    if (need === 'auth' && !env.authEnforced) return 'needs a target that checks signatures';
    if (need === 'auth' && !env.http) return 'the SDK plugin checks no signatures (its backend does; see the bare backend column)';
  }
  return undefined;
}

export async function runTarget(t: Test, id: TargetId): Promise<void> {
  const env = await startTarget(id);
  strictness.requestId = env.ours;
  strictness.message = env.ours;
  const results: CaseResult[] = [];
  const only = process.env.CONFORMANCE_ONLY;
  try {
    for (const c of CASES) {
      if (only && !only.split('|').some((part) => c.id.includes(part))) continue;
      const skip = skipReason(c, env);
      if (skip) {
        results.push({ id: c.id, title: c.title, status: 'skip', reason: skip, ms: 0 });
        t.test(`${c.id}: ${c.title}`, { skip }, async () => {});
        continue;
      }
      const xfail = c.xfail?.[env.id] ?? c.xfail?.[surfaceOf(env.id)];
      await t.test(`${c.id}: ${c.title}`, async (t) => {
        const ctx = new CaseContext(env);
        const started = performance.now();
        let error: unknown;
        try {
          if (c.bucket !== false) ctx.bucket = await ctx.newBucket(c.id.replace(/[^a-z0-9]+/gi, '-').slice(0, 40).replace(/-$/, ''));
          await c.run(ctx);
        } catch (err) {
          error = err;
        } finally {
          if (env.id.includes('rgw')) await ctx.removeBuckets();
          ctx.close();
        }
        const verdict = judge(c, env.id, xfail, error, Math.round(performance.now() - started));
        results.push(verdict.result);
        if (verdict.ok) t.pass(verdict.message);
        else t.fail(verdict.message, { stack: error instanceof Error ? error.stack : undefined });
      });
    }
  } finally {
    await env.close();
  }
  // Results and docs/CONFORMANCE.md are rewritten only when asked (`npm run conformance`):
  // a plain `npm test` leaves the working tree as it found it.
  if (!only && process.env.DG_RECORD_RESULTS === '1') {
    const out: TargetResults = { target: id, title: TARGET_TITLES[id], finishedAt: new Date().toISOString(), unavailable: env.unavailable, results };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(out, null, 2));
    renameSync(`${file}.tmp`, file);
    writeReport();
  }
}
