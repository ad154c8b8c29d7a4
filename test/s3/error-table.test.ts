import t from 'tap';
import * as core from '../../src/core/errors.js';
import { S3Error, renderErrorXml, s3ErrorStatus, toS3Error, type S3ErrorCode } from '../../src/s3/error-table.js';

t.test('core errors map to S3 codes and statuses', async (t) => {
  const cases: [core.DeltaGliderError, string, number][] = [
    [new core.NoSuchKeyError('k'), 'NoSuchKey', 404],
    [new core.NoSuchBucketError('b'), 'NoSuchBucket', 404],
    [new core.NoSuchUploadError('u'), 'NoSuchUpload', 404],
    [new core.BucketNotEmptyError('b'), 'BucketNotEmpty', 409],
    [new core.BucketAlreadyOwnedByYouError('b'), 'BucketAlreadyOwnedByYou', 409],
    [new core.InvalidBucketNameError('B'), 'InvalidBucketName', 400],
    [new core.ReservedKeyError('x/reference.bin', 'reference.bin is reserved for delta storage'), 'InvalidArgument', 400],
    [new core.InvalidKeyError('', 'key must not be empty'), 'InvalidArgument', 400],
    [new core.InvalidKeyError('k'.repeat(1025), 'key too long'), 'KeyTooLongError', 400],
    [new core.InvalidKeyError('ü'.repeat(513), 'key too long'), 'KeyTooLongError', 400],
    [new core.InvalidArgumentError('max-keys must be a number'), 'InvalidArgument', 400],
    [new core.InvalidRangeError(100), 'InvalidRange', 416],
    [new core.InvalidPartNumberError(4), 'InvalidPartNumber', 416],
    [new core.InvalidRequestError('Cannot specify both Range header and partNumber query parameter'), 'InvalidRequest', 400],
    [new core.PartLayoutUnknownError('k', 3), 'NotImplemented', 501],
    [new core.PreconditionFailedError(), 'PreconditionFailed', 412],
    [new core.NotModifiedError('e', new Date()), 'NotModified', 304],
    [new core.EntityTooLargeError(10, 5), 'EntityTooLarge', 400],
    [new core.EntityTooSmallError(), 'EntityTooSmall', 400],
    [new core.InvalidPartError(), 'InvalidPart', 400],
    [new core.InvalidPartOrderError(), 'InvalidPartOrder', 400],
    [new core.BadDigestError(), 'BadDigest', 400],
    [new core.MalformedXMLError(), 'MalformedXML', 400],
    [new core.IncompleteBodyError(10, 5), 'IncompleteBody', 400],
    [new core.IntegrityError('sha mismatch on ref abc'), 'InternalError', 500],
    [new core.DeltaTooLargeError(10), 'InternalError', 500],
    [new core.CodecUnavailableError('install xdelta3'), 'InternalError', 500],
    [new core.CodecFailedError('exit 2'), 'InternalError', 500],
    [new core.BackendError('ECONNRESET'), 'ServiceUnavailable', 503],
    [new core.DeltaGliderError('Internal', 'boom'), 'InternalError', 500],
  ];
  for (const [err, code, status] of cases) {
    const info = toS3Error(err);
    t.equal(info.code, code, `${err.code} -> ${code}`);
    t.equal(info.status, status, `${err.code} -> ${status}`);
    t.type(info.message, 'string');
  }
  t.equal(toS3Error(new core.ReservedKeyError('k', 'collides with the reference')).message, 'collides with the reference', 'reserved key keeps our reason');
  t.same(toS3Error(new core.InvalidRangeError(1234)).extra, { ActualObjectSize: '1234' });
  t.match(toS3Error(new core.IntegrityError('sha mismatch on ref abc')).message, /failed integrity verification/);
  t.notMatch(toS3Error(new core.IntegrityError('sha mismatch on ref abc')).message, /abc/, 'no internals leaked');
  t.equal(toS3Error(new core.CodecUnavailableError('install xdelta3')).message, 'install xdelta3');
  t.notMatch(toS3Error(new core.BackendError('ECONNRESET 10.0.0.1')).message, /10\.0\.0\.1/);
});

t.test('unknown errors are a generic 500', async (t) => {
  for (const err of [new Error('secret path /etc/x'), 'string', undefined, null, { code: 'NoSuchKey' }, new TypeError('x')]) {
    const info = toS3Error(err);
    t.equal(info.code, 'InternalError');
    t.equal(info.status, 500);
    t.notMatch(info.message, /secret/);
  }
  // A DeltaGliderError with a code the table does not know (e.g. from a newer core).
  const odd = new core.DeltaGliderError('Internal', 'x');
  (odd as { code: string }).code = 'SomethingNew';
  t.equal(toS3Error(odd).code, 'InternalError');
});

t.test('S3Error statuses and defaults', async (t) => {
  const expected: [S3ErrorCode, number][] = [
    ['SignatureDoesNotMatch', 403],
    ['InvalidAccessKeyId', 403],
    ['AccessDenied', 403],
    ['RequestTimeTooSkewed', 403],
    ['MissingSecurityHeader', 400],
    ['AuthorizationHeaderMalformed', 400],
    ['AuthorizationQueryParametersError', 400],
    ['XAmzContentSHA256Mismatch', 400],
    ['InvalidDigest', 400],
    ['IncompleteBody', 400],
    ['MethodNotAllowed', 405],
    ['NotImplemented', 501],
    ['InvalidRequest', 400],
    ['MissingContentLength', 411],
    ['RequestHeaderSectionTooLarge', 400],
    ['KeyTooLongError', 400],
    ['InvalidURI', 400],
    ['InvalidArgument', 400],
  ];
  for (const [code, status] of expected) {
    const err = new S3Error(code);
    t.equal(err.status, status, code);
    t.equal(s3ErrorStatus(code), status);
    t.ok(err.message.length > 0);
    t.same(toS3Error(err), { code, status, message: err.message });
  }
  const expired = new S3Error('AccessDenied', 'Request has expired', { extra: { Expires: 'x' }, cause: new Error('c') });
  t.same(toS3Error(expired), { code: 'AccessDenied', status: 403, message: 'Request has expired', extra: { Expires: 'x' } });
  t.ok(expired instanceof Error);
  t.notOk((expired as unknown) instanceof core.DeltaGliderError);
});

t.test('renderErrorXml', async (t) => {
  t.equal(
    renderErrorXml({ code: 'NoSuchKey', message: 'The specified key does not exist.', resource: '/b/a&b<c>', requestId: 'req-1' }),
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Resource>/b/a&amp;b&lt;c&gt;</Resource><RequestId>req-1</RequestId></Error>',
  );
  t.equal(
    renderErrorXml({ code: 'InvalidRange', message: 'm "q"', resource: '/b/k', requestId: 'r', extra: { ActualObjectSize: '5', 'bad name!': 'skipped' } }),
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRange</Code><Message>m &quot;q&quot;</Message><ActualObjectSize>5</ActualObjectSize><Resource>/b/k</Resource><RequestId>r</RequestId></Error>',
  );
  t.equal(
    renderErrorXml({ code: 'AccessDenied', message: 'Access Denied', requestId: 'r' }),
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>r</RequestId></Error>',
  );
});
