/**
 * When a rule expires an object: S3's day rounding to midnight UTC, Date rules, size and
 * prefix filters, disabled rules; shortened days are not rounded.
 */
import t from 'tap';
import { expiresAt, isExpired, MS_PER_DAY } from '../../../src/core/lifecycle/expiry.js';
import type { LifecycleRule } from '../../../src/core/lifecycle/lifecycle-rule.js';

const base: LifecycleRule = { enabled: true, prefix: 'releases/', tagCount: 0, transitionCount: 0, noncurrentActionCount: 0 };

t.test('Days: Last-Modified plus the days, rounded up to the next midnight UTC', async (t) => {
  const rule = { ...base, expiration: { days: 1 } };
  t.equal(new Date(expiresAt(rule, new Date('2026-01-01T10:30:00Z'))!).toISOString(), '2026-01-03T00:00:00.000Z');
  t.equal(new Date(expiresAt(rule, new Date('2026-01-01T00:00:00Z'))!).toISOString(), '2026-01-02T00:00:00.000Z', 'exactly midnight stays');
  t.equal(expiresAt(rule, new Date(5_000), 10_000), 15_000, 'a shortened day is not rounded');
});

t.test('Date: every selected object expires from that moment on', async (t) => {
  const rule = { ...base, expiration: { date: '2030-01-01T00:00:00Z' } };
  const o = { key: 'releases/a.zip', size: 10, lastModified: new Date('2029-12-31T23:00:00Z') };
  t.notOk(isExpired(rule, o, Date.parse('2029-12-31T23:59:59Z')));
  t.ok(isExpired(rule, o, Date.parse('2030-01-01T00:00:00Z')));
});

t.test('filters: prefix, sizes (strict bounds, original size), and Disabled rules never expire', async (t) => {
  const old = new Date('2000-01-01T00:00:00Z');
  const now = Date.parse('2026-01-01T00:00:00Z');
  const rule = { ...base, expiration: { days: 1 }, objectSizeGreaterThan: 100, objectSizeLessThan: 1000 };
  t.ok(isExpired(rule, { key: 'releases/a.zip', size: 500, lastModified: old }, now));
  t.notOk(isExpired(rule, { key: 'other/a.zip', size: 500, lastModified: old }, now), 'outside the prefix');
  t.notOk(isExpired(rule, { key: 'releases/a.zip', size: 100, lastModified: old }, now), 'not greater than 100');
  t.notOk(isExpired(rule, { key: 'releases/a.zip', size: 1000, lastModified: old }, now), 'not less than 1000');
  t.notOk(isExpired({ ...rule, enabled: false }, { key: 'releases/a.zip', size: 500, lastModified: old }, now), 'disabled');
  t.notOk(isExpired({ ...base, abortIncompleteMultipartUploadDays: 1 }, { key: 'releases/a.zip', size: 500, lastModified: old }, now), 'no Expiration action');
  t.equal(MS_PER_DAY, 86_400_000);
});
