/** The conformance verdict rules, above all: an expected failure that passes fails the run. */
import t from 'tap';
import { renderReport } from '../report.js';
import { judge, staleXfailMessage } from './verdict.js';

const CASE = { id: 'group.case', title: 'a case' };
const BOOM = new Error('boom');

t.test('an expected failure that passes fails the run and names the case, the target and the fix', async (t) => {
  const v = judge(CASE, 'plugin', 'the backend does not do it', undefined, 5);
  t.equal(v.ok, false);
  t.equal(v.message, 'stale xfail: group.case on plugin now passes; remove the annotation');
  t.equal(v.message, staleXfailMessage('group.case', 'plugin'));
  t.equal(v.result.status, 'fail');
  t.equal(v.result.unexpectedPass, true);
  t.match(v.result.reason, /^stale xfail: .*\(annotated: the backend does not do it\)$/);
});

t.test('an expected failure that fails passes the run and is recorded as xfail with its reason', async (t) => {
  const v = judge(CASE, 's3rver', 's3rver does not do it', BOOM, 5);
  t.equal(v.ok, true);
  t.same(v.result, { id: 'group.case', title: 'a case', status: 'xfail', reason: 's3rver does not do it', ms: 5 });
  t.match(v.message, /boom/);
});

t.test('a case without annotation passes when it conforms and fails with the error otherwise', async (t) => {
  const pass = judge(CASE, 'middleware', undefined, undefined, 1);
  t.equal(pass.ok, true);
  t.equal(pass.result.status, 'pass');
  const fail = judge(CASE, 'middleware', undefined, BOOM, 1);
  t.equal(fail.ok, false);
  t.equal(fail.result.status, 'fail');
  t.equal(fail.result.reason, 'Error: boom');
});

t.test('the matrix shows a stale annotation as a failure, not as a pass', async (t) => {
  const { result } = judge(CASE, 'plugin', 'reason', undefined, 1);
  const text = renderReport([{ target: 'plugin', title: 'plugin', finishedAt: '2026-01-01T00:00:00.000Z', results: [result] }]);
  t.match(text, '| `group.case` a case | **FAIL** (stale xfail) |');
  t.match(text, '| plugin | S3Client + deltaGlider() plugin -> s3rver | 0 | 1 | 0 | 0 |');
  t.notMatch(text, /\| pass \(stale xfail\)/);
});
