/**
 * docs/CONFORMANCE.md is written only by an explicit recorded run (`npm run conformance`),
 * so `npm test` leaves the tree clean; this test catches the drift that allows: a case
 * added, renamed or removed without the document being regenerated.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { CASES } from './cases/index.js';
import { REPORT_FILE } from './report.js';

t.test('docs/CONFORMANCE.md lists exactly the cases of the matrix', async (t) => {
  const doc = readFileSync(REPORT_FILE, 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `([^`]+)` /gm)].map((m) => m[1] as string));
  const defined = new Set(CASES.map((c) => c.id));
  const missing = [...defined].filter((id) => !documented.has(id));
  const stale = [...documented].filter((id) => !defined.has(id));
  t.same(missing, [], 'every case has a row (regenerate with `npm run conformance`)');
  t.same(stale, [], 'no row for a case that no longer exists (regenerate with `npm run conformance`)');
});
