import t from 'tap';
import { conditionsOf, parseHttpDate } from '../../src/s3/conditions.js';

t.test('no condition field set is no conditions at all', async (t) => {
  t.equal(conditionsOf({}), undefined);
  t.equal(conditionsOf({ ifMatch: undefined, ifModifiedSince: '' }), undefined);
});

t.test('header strings and SDK Dates read the same', async (t) => {
  const when = new Date('2024-05-06T07:08:09.000Z');
  t.same(conditionsOf({ ifMatch: '"e"', ifModifiedSince: when.toUTCString() }), { ifMatch: '"e"', ifNoneMatch: undefined, ifModifiedSince: when, ifUnmodifiedSince: undefined });
  t.same(conditionsOf({ ifNoneMatch: '*', ifUnmodifiedSince: when }), { ifMatch: undefined, ifNoneMatch: '*', ifModifiedSince: undefined, ifUnmodifiedSince: when });
});

t.test('an unparseable date is ignored, as S3 ignores it', async (t) => {
  t.equal(parseHttpDate('not a date'), undefined);
  t.equal(conditionsOf({ ifModifiedSince: 'yesterday-ish' }), undefined);
  t.equal(parseHttpDate(new Date(Number.NaN)), undefined);
});
