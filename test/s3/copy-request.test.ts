import t from 'tap';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { resolveCopyDirective } from '../../src/s3/copy-request.js';
import { S3Error } from '../../src/s3/error-table.js';

const other = { sourceBucket: 'b', sourceKey: 'src', bucket: 'b', key: 'dst' };
const self = { sourceBucket: 'b', sourceKey: 'k', bucket: 'b', key: 'k' };

t.test('the directive defaults to COPY and is read in any case', async (t) => {
  t.equal(resolveCopyDirective(other), 'COPY');
  t.equal(resolveCopyDirective({ ...other, metadataDirective: 'replace' }), 'REPLACE');
});

t.test('an unknown directive is InvalidArgument', async (t) => {
  t.throws(() => resolveCopyDirective({ ...other, metadataDirective: 'MERGE' }), InvalidArgumentError);
});

t.test('copying an object onto itself is refused unless its metadata is replaced', async (t) => {
  t.throws(() => resolveCopyDirective(self), S3Error);
  t.throws(() => resolveCopyDirective(self), { message: /copy an object to itself/ });
  t.equal(resolveCopyDirective({ ...self, metadataDirective: 'REPLACE' }), 'REPLACE');
  t.equal(resolveCopyDirective({ ...self, bucket: 'other' }), 'COPY', 'same key in another bucket is a copy');
});
