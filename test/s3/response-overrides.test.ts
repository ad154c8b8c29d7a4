import t from 'tap';
import type { ObjectInfo } from '../../src/core/engine/types.js';
import { objectHeaderValues, RESPONSE_OVERRIDE_PARAMS } from '../../src/s3/response-overrides.js';

const info = {
  contentType: 'application/zip',
  headers: { cacheControl: 'no-cache', expires: 'Thu, 01 Jan 2026 00:00:00 GMT' },
} as unknown as ObjectInfo;

t.test('without overrides the stored headers are answered', async (t) => {
  t.same(objectHeaderValues(info, {}), { contentType: 'application/zip', cacheControl: 'no-cache', contentDisposition: undefined, contentEncoding: undefined, contentLanguage: undefined, expires: 'Thu, 01 Jan 2026 00:00:00 GMT' });
});

t.test('an override wins, even over a header the object does not have', async (t) => {
  const h = objectHeaderValues(info, { contentType: 'text/plain', contentDisposition: 'attachment' });
  t.equal(h.contentType, 'text/plain');
  t.equal(h.contentDisposition, 'attachment');
  t.equal(h.cacheControl, 'no-cache');
});

t.test('every override has its response-* query parameter', async (t) => {
  t.same(Object.values(RESPONSE_OVERRIDE_PARAMS).sort(), ['response-cache-control', 'response-content-disposition', 'response-content-encoding', 'response-content-language', 'response-content-type', 'response-expires']);
});
