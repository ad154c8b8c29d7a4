import t from 'tap';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { listingEncoder, MAX_LIST_KEYS, parseDelimiter, parseEncodingType, parseMaxKeys, urlEncodeListingValue } from '../../src/s3/list-parameters.js';

t.test('encoding-type=url writes a space as + and a plus as %2B, as S3 does', async (t) => {
  t.equal(urlEncodeListingValue('dir/a b+c~ü&=%'), 'dir/a+b%2Bc~%C3%BC%26%3D%25');
  t.equal(urlEncodeListingValue('test_file(3).png'), 'test_file%283%29.png', 'the example of the S3 API reference');
  t.equal(urlEncodeListingValue('\ud800x'), '%EF%BF%BDx', 'a lone surrogate does not throw');
  t.equal(urlEncodeListingValue('ctl\u0001'), 'ctl%01');
  t.equal(listingEncoder('url')('a b'), 'a+b');
  t.equal(listingEncoder(undefined)('a b'), 'a b', 'no encoding type leaves values as they are');
});

t.test('max-keys is a non-negative integer capped at 1000, from a query string or an SDK number', async (t) => {
  t.equal(parseMaxKeys(undefined), MAX_LIST_KEYS);
  t.equal(parseMaxKeys('0'), 0);
  t.equal(parseMaxKeys('7'), 7);
  t.equal(parseMaxKeys(7), 7);
  t.equal(parseMaxKeys('5000'), 1000);
  for (const bad of ['abc', '-1', '1.5', '', -1, 2.5, Number.NaN]) t.throws(() => parseMaxKeys(bad), InvalidArgumentError, `max-keys ${String(bad)}`);
});

t.test('only the url encoding type exists', async (t) => {
  t.equal(parseEncodingType(undefined), undefined);
  t.equal(parseEncodingType('url'), 'url');
  t.throws(() => parseEncodingType('base64'), InvalidArgumentError);
  t.throws(() => parseEncodingType(''), InvalidArgumentError);
});

t.test('an empty delimiter is no delimiter', async (t) => {
  t.equal(parseDelimiter(''), undefined);
  t.equal(parseDelimiter(undefined), undefined);
  t.equal(parseDelimiter('/'), '/');
});
