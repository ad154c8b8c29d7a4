/**
 * PutBucketLifecycleConfiguration bodies: every filter form S3 accepts, and S3's own
 * errors for what it refuses. Unsafe-but-valid rules parse (the core refuses them).
 */
import t from 'tap';
import { parseLifecycleConfiguration } from '../../src/s3/lifecycle-xml.js';
import { assertSafeLifecycleRules } from '../../src/core/lifecycle/lifecycle-rule.js';

const doc = (rules: string): string => `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</LifecycleConfiguration>`;

t.test('filter forms: Filter/Prefix, legacy Prefix, And with sizes, empty Filter', async (t) => {
  const rules = parseLifecycleConfiguration(
    doc(
      '<Rule><ID>a</ID><Filter><Prefix>releases/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>90</Days></Expiration></Rule>' +
        '<Rule><ID>b</ID><Prefix>logs/</Prefix><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>' +
        '<Rule><Filter><And><Prefix>tmp/</Prefix><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>20</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>' +
        '<Rule><Filter></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>',
    ),
  );
  t.same(rules, [
    { id: 'a', enabled: true, prefix: 'releases/', tagCount: 0, transitionCount: 0, noncurrentActionCount: 0, expiration: { days: 90 }, objectSizeGreaterThan: undefined, objectSizeLessThan: undefined },
    { id: 'b', enabled: false, prefix: 'logs/', tagCount: 0, transitionCount: 0, noncurrentActionCount: 0, expiration: { date: '2030-01-01T00:00:00.000Z' } },
    { enabled: true, prefix: 'tmp/', tagCount: 0, transitionCount: 0, noncurrentActionCount: 0, objectSizeGreaterThan: 10, objectSizeLessThan: 20, abortIncompleteMultipartUploadDays: 2 },
    { enabled: true, prefix: '', tagCount: 0, transitionCount: 0, noncurrentActionCount: 0, expiration: { expiredObjectDeleteMarker: true }, objectSizeGreaterThan: undefined, objectSizeLessThan: undefined },
  ]);
  t.doesNotThrow(() => assertSafeLifecycleRules(rules), 'all of them are safe');
});

t.test('S3 errors: bad XML, no rules, bad Status, Days < 1, Date not at midnight, two expirations, no action, duplicate IDs', async (t) => {
  const bad: [string, string][] = [
    ['<Nope/>', 'MalformedXML'],
    [doc(''), 'MalformedXML'],
    [doc('<Rule><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>'), 'MalformedXML'],
    [doc('<Rule><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>'), 'InvalidArgument'],
    [doc('<Rule><Status>Enabled</Status><Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration></Rule>'), 'InvalidArgument'],
    [doc('<Rule><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>'), 'MalformedXML'],
    [doc('<Rule><Status>Enabled</Status><Prefix>a/</Prefix></Rule>'), 'InvalidArgument'],
    [doc('<Rule><Prefix>a/</Prefix><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>'), 'MalformedXML'],
    [doc('<Rule><ID>x</ID><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule><Rule><ID>x</ID><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>'), 'InvalidArgument'],
  ];
  for (const [xml, code] of bad) t.throws(() => parseLifecycleConfiguration(xml), { code }, xml);
});

t.test('unsafe rules parse, then the core refuses them naming the rule', async (t) => {
  const transition = parseLifecycleConfiguration(doc('<Rule><ID>cold</ID><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>'));
  t.throws(() => assertSafeLifecycleRules(transition), { code: 'UnsafeConfiguration', message: /rule "cold" has a Transition/ });
  const tags = parseLifecycleConfiguration(doc('<Rule><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>l</Key><Value>w</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>'));
  t.equal(tags[0]!.tagCount, 2);
  t.throws(() => assertSafeLifecycleRules(tags), { code: 'UnsafeConfiguration', message: /object tags/ });
});
