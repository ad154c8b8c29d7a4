import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { MalformedXMLError } from '../../src/core/errors.js';
import type { ListObjectsResult, ObjectSummary } from '../../src/core/engine/types.js';
import { parseCompleteMultipartUpload, parseCreateBucketConfiguration, parseDeleteObjects } from '../../src/s3/xml-parse.js';
import {
  S3_XMLNS,
  escapeXml,
  quoteEtag,
  renderCompleteMultipartUploadResult,
  renderCopyObjectResult,
  renderCopyPartResult,
  renderDeleteResult,
  renderInitiateMultipartUploadResult,
  renderListAllMyBucketsResult,
  renderListMultipartUploadsResult,
  renderListObjectsV1Result,
  renderListObjectsV2Result,
  renderListPartsResult,
  renderLocationConstraint,
} from '../../src/s3/xml-render.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const when = new Date('2024-05-06T07:08:09.010Z');
const obj = (key: string, etag = 'd41d8cd98f00b204e9800998ecf8427e'): ObjectSummary => ({
  key,
  size: 42,
  etag,
  lastModified: when,
  storageType: 'delta',
  storedSize: 7,
});
const page = (objects: ObjectSummary[], commonPrefixes: string[] = [], more: Partial<ListObjectsResult> = {}): ListObjectsResult => ({
  objects,
  commonPrefixes,
  isTruncated: false,
  ...more,
});

// Read back what we render the way an SDK would (entities decoded, text kept verbatim).
const reader = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, isArray: (n) => ['Contents', 'CommonPrefixes', 'Deleted', 'Error', 'Part', 'Upload', 'Bucket'].includes(n) });

t.test('escaping and encodings', async (t) => {
  t.equal(escapeXml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f');
  t.equal(escapeXml('tab\tcr\rnl\nnul\u0001'), 'tab&#x9;cr&#xD;nl&#xA;nul&#x1;');
  t.equal(escapeXml('ünï 😀'), 'ünï 😀');
  t.equal(quoteEtag('abc'), '"abc"');
  t.equal(quoteEtag('"abc"'), '"abc"');
  t.equal(quoteEtag('abc-3'), '"abc-3"');
});

t.test('ListObjectsV2: exact document', async (t) => {
  const xml = renderListObjectsV2Result({
    bucket: 'bkt',
    prefix: 'p/',
    delimiter: '/',
    maxKeys: 2,
    continuationToken: 'tok0',
    result: page([obj('p/a&b.txt')], ['p/sub/'], { isTruncated: true, nextContinuationToken: 'tok1' }),
  });
  t.equal(
    xml,
    DECL +
      `<ListBucketResult xmlns="${S3_XMLNS}"><Name>bkt</Name><Prefix>p/</Prefix><Delimiter>/</Delimiter><MaxKeys>2</MaxKeys>` +
      '<IsTruncated>true</IsTruncated><ContinuationToken>tok0</ContinuationToken><NextContinuationToken>tok1</NextContinuationToken><KeyCount>2</KeyCount>' +
      '<Contents><Key>p/a&amp;b.txt</Key><LastModified>2024-05-06T07:08:09.010Z</LastModified><ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>42</Size><StorageClass>STANDARD</StorageClass></Contents>' +
      '<CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes></ListBucketResult>',
  );
});

t.test('ListObjectsV2: encoding-type=url, owner only with fetch-owner', async (t) => {
  const owner = { id: 'owner-id', displayName: 'me' };
  const base = {
    bucket: 'bkt',
    prefix: 'a b/',
    delimiter: '/',
    startAfter: 'a b/ü',
    maxKeys: 1000,
    encodingType: 'url' as const,
    owner,
    result: page([obj('a b/c+d\u0001.txt')], ['a b/x y/']),
  };
  const doc = reader.parse(renderListObjectsV2Result(base)).ListBucketResult;
  t.equal(doc.Prefix, 'a+b/');
  t.equal(doc.Delimiter, '/');
  t.equal(doc.StartAfter, 'a+b/%C3%BC');
  t.equal(doc.EncodingType, 'url');
  t.equal(doc.Contents[0].Key, 'a+b/c%2Bd%01.txt');
  t.equal(doc.CommonPrefixes[0].Prefix, 'a+b/x+y/');
  t.equal(doc.Contents[0].Owner, undefined, 'no owner without fetch-owner');
  const withOwner = reader.parse(renderListObjectsV2Result({ ...base, fetchOwner: true })).ListBucketResult;
  t.same(withOwner.Contents[0].Owner, { ID: 'owner-id', DisplayName: 'me' });
  const plainXml = renderListObjectsV2Result({ ...base, encodingType: undefined });
  t.match(plainXml, '<Key>a b/c+d&#x1;.txt</Key>', 'control character written as a numeric reference');
  const plain = reader.parse(plainXml).ListBucketResult;
  t.equal(plain.EncodingType, undefined);
  t.equal(plain.KeyCount, '2');
});

t.test('ListObjects V1: Marker, NextMarker only with delimiter, Owner always', async (t) => {
  const owner = { id: 'oid', displayName: 'name' };
  const truncated = page([obj('k1')], [], { isTruncated: true, nextMarker: 'k1' });
  const noDelim = reader.parse(renderListObjectsV1Result({ bucket: 'b', maxKeys: 1, marker: 'k0', owner, result: truncated })).ListBucketResult;
  t.equal(noDelim.Marker, 'k0');
  t.equal(noDelim.NextMarker, undefined);
  t.equal(noDelim.IsTruncated, 'true');
  t.same(noDelim.Contents[0].Owner, { ID: 'oid', DisplayName: 'name' });
  t.equal(noDelim.Prefix, '');
  const delim = reader.parse(renderListObjectsV1Result({ bucket: 'b', maxKeys: 1, delimiter: '/', encodingType: 'url', result: { ...truncated, nextMarker: 'k 1' } })).ListBucketResult;
  t.equal(delim.NextMarker, 'k+1');
  t.equal(delim.Marker, '');
  t.equal(delim.Contents[0].Owner, undefined);
});

t.test('DeleteResult verbose and quiet', async (t) => {
  const result = { deleted: ['a', 'b&c'], errors: [{ key: 'x<y', code: 'AccessDenied', message: 'Access Denied' }] };
  t.equal(
    renderDeleteResult(result),
    DECL + `<DeleteResult xmlns="${S3_XMLNS}"><Deleted><Key>a</Key></Deleted><Deleted><Key>b&amp;c</Key></Deleted><Error><Key>x&lt;y</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>`,
  );
  const quiet = reader.parse(renderDeleteResult(result, { quiet: true })).DeleteResult;
  t.equal(quiet.Deleted, undefined);
  t.equal(quiet.Error.length, 1);
});

t.test('small documents', async (t) => {
  t.equal(
    renderCopyObjectResult({ etag: 'e', lastModified: when }),
    DECL + `<CopyObjectResult xmlns="${S3_XMLNS}"><LastModified>2024-05-06T07:08:09.010Z</LastModified><ETag>&quot;e&quot;</ETag></CopyObjectResult>`,
  );
  t.match(renderCopyPartResult({ etag: 'e', lastModified: when }), /<CopyPartResult xmlns=.*><LastModified>/);
  t.equal(
    renderInitiateMultipartUploadResult({ bucket: 'b', key: 'k&', uploadId: 'u1' }),
    DECL + `<InitiateMultipartUploadResult xmlns="${S3_XMLNS}"><Bucket>b</Bucket><Key>k&amp;</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`,
  );
  t.equal(
    renderCompleteMultipartUploadResult({ location: 'http://h/b/k', bucket: 'b', key: 'k', etag: 'abc-2' }),
    DECL +
      `<CompleteMultipartUploadResult xmlns="${S3_XMLNS}"><Location>http://h/b/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>&quot;abc-2&quot;</ETag></CompleteMultipartUploadResult>`,
  );
  t.equal(renderLocationConstraint('eu-west-1'), DECL + `<LocationConstraint xmlns="${S3_XMLNS}">eu-west-1</LocationConstraint>`);
  t.equal(renderLocationConstraint('us-east-1'), DECL + `<LocationConstraint xmlns="${S3_XMLNS}"/>`);
  t.equal(renderLocationConstraint(), DECL + `<LocationConstraint xmlns="${S3_XMLNS}"/>`);
  const buckets = reader.parse(
    renderListAllMyBucketsResult({ owner: { id: 'o', displayName: 'd' }, buckets: [{ name: 'b1', creationDate: when }, { name: 'b2', creationDate: when }] }),
  ).ListAllMyBucketsResult;
  t.same(buckets.Owner, { ID: 'o', DisplayName: 'd' });
  t.same(buckets.Buckets.Bucket.map((b: { Name: string }) => b.Name), ['b1', 'b2']);
  t.equal(buckets.Buckets.Bucket[0].CreationDate, '2024-05-06T07:08:09.010Z');
});

t.test('ListPartsResult and ListMultipartUploadsResult', async (t) => {
  const parts = reader.parse(
    renderListPartsResult({
      bucket: 'b',
      key: 'k',
      uploadId: 'u',
      maxParts: 2,
      isTruncated: true,
      partNumberMarker: 1,
      owner: { id: 'o' },
      parts: [
        { partNumber: 2, etag: 'e2', size: 5 * 1024 * 1024, lastModified: when },
        { partNumber: 3, etag: 'e3', size: 10, lastModified: when },
      ],
    }),
  ).ListPartsResult;
  t.equal(parts.PartNumberMarker, '1');
  t.equal(parts.NextPartNumberMarker, '3');
  t.equal(parts.IsTruncated, 'true');
  t.equal(parts.Part[0].ETag, '"e2"');
  t.equal(parts.Part[1].Size, '10');
  t.same(parts.Initiator, { ID: 'o' });

  const uploads = reader.parse(
    renderListMultipartUploadsResult({
      bucket: 'b',
      prefix: 'a b',
      maxUploads: 1000,
      isTruncated: false,
      encodingType: 'url',
      uploads: [{ bucket: 'b', key: 'a b/c', uploadId: 'u1', initiated: when }],
      commonPrefixes: ['a b/'],
    }),
  ).ListMultipartUploadsResult;
  t.equal(uploads.Upload[0].Key, 'a+b/c');
  t.equal(uploads.Upload[0].UploadId, 'u1');
  t.equal(uploads.Upload[0].Initiated, '2024-05-06T07:08:09.010Z');
  t.equal(uploads.Prefix, 'a+b');
  t.equal(uploads.CommonPrefixes[0].Prefix, 'a+b/');
});

t.test('parseDeleteObjects', async (t) => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Quiet>true</Quiet>
  <Object><Key>a&amp;b&lt;c&gt;&quot;&apos;&#x41;&#66;</Key></Object>
  <Object><Key> leading and trailing </Key><VersionId>v1</VersionId></Object>
  <Object><Key>123</Key></Object>
  <Object><Key><![CDATA[<raw>&amp;]]></Key></Object>
</Delete>`;
  t.same(parseDeleteObjects(xml), { quiet: true, keys: [`a&b<c>"'AB`, ' leading and trailing ', '123', '<raw>&amp;'] });
  t.same(parseDeleteObjects(Buffer.from('<Delete><Object><Key>k</Key></Object></Delete>')), { quiet: false, keys: ['k'] });
  t.same(parseDeleteObjects('<Delete><Quiet>False</Quiet><Object><Key>k</Key></Object></Delete>').quiet, false);

  const keys = (n: number) => `<Delete>${'<Object><Key>k</Key></Object>'.repeat(n)}</Delete>`;
  t.equal(parseDeleteObjects(keys(1000)).keys.length, 1000);
  const bad: [string, string | Buffer][] = [
    ['1001 keys', keys(1001)],
    ['no keys', '<Delete></Delete>'],
    ['empty body', ''],
    ['garbage', 'not xml at all'],
    ['unclosed', '<Delete><Object><Key>k</Key></Object>'],
    ['wrong root', '<Remove><Object><Key>k</Key></Object></Remove>'],
    ['missing Key', '<Delete><Object><VersionId>1</VersionId></Object></Delete>'],
    ['bad Quiet', '<Delete><Quiet>yes</Quiet><Object><Key>k</Key></Object></Delete>'],
    ['unknown entity', '<Delete><Object><Key>&nbsp;</Key></Object></Delete>'],
    ['bare ampersand', '<Delete><Object><Key>a & b</Key></Object></Delete>'],
    ['Key with element', '<Delete><Object><Key><b>x</b></Key></Object></Delete>'],
    ['two roots', '<Delete><Object><Key>k</Key></Object></Delete><Delete/>'],
    [
      'billion laughs',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Delete><Object><Key>&lol3;</Key></Object></Delete>',
    ],
    ['external entity', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&xxe;</Key></Object></Delete>'],
    ['char ref to surrogate', '<Delete><Object><Key>&#xD800;</Key></Object></Delete>'],
  ];
  for (const [name, body] of bad) t.throws(() => parseDeleteObjects(body), MalformedXMLError, name);
  t.throws(() => parseDeleteObjects(keys(10), { maxBytes: 100 }), MalformedXMLError, 'over the size limit');
  t.throws(() => parseDeleteObjects(`<Delete><Object><Key>${'x'.repeat(3 * 1024 * 1024)}</Key></Object></Delete>`), MalformedXMLError, 'default 2 MB limit');
});

t.test('parseCompleteMultipartUpload', async (t) => {
  const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Part><PartNumber>1</PartNumber><ETag>"etag1"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
    <Part><ETag>&quot;etag2&quot;</ETag><PartNumber> 2 </PartNumber></Part>
    <Part><PartNumber>10000</PartNumber><ETag>etag3</ETag></Part>
  </CompleteMultipartUpload>`;
  t.same(parseCompleteMultipartUpload(xml), [
    { partNumber: 1, etag: 'etag1' },
    { partNumber: 2, etag: 'etag2' },
    { partNumber: 10000, etag: 'etag3' },
  ]);
  const bad: [string, string][] = [
    ['garbage', '{"parts":[]}'],
    ['no parts', '<CompleteMultipartUpload></CompleteMultipartUpload>'],
    ['missing ETag', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>'],
    ['missing PartNumber', '<CompleteMultipartUpload><Part><ETag>e</ETag></Part></CompleteMultipartUpload>'],
    ['part 0', '<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>'],
    ['part 10001', '<CompleteMultipartUpload><Part><PartNumber>10001</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>'],
    ['non-numeric', '<CompleteMultipartUpload><Part><PartNumber>1x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>'],
    ['empty ETag', '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>""</ETag></Part></CompleteMultipartUpload>'],
    ['wrong root', '<Delete><Part><PartNumber>1</PartNumber><ETag>e</ETag></Part></Delete>'],
  ];
  for (const [name, body] of bad) t.throws(() => parseCompleteMultipartUpload(body), MalformedXMLError, name);
});

t.test('parseCreateBucketConfiguration', async (t) => {
  t.same(parseCreateBucketConfiguration(undefined), {});
  t.same(parseCreateBucketConfiguration(''), {});
  t.same(parseCreateBucketConfiguration('  \n'), {});
  t.same(parseCreateBucketConfiguration('<CreateBucketConfiguration/>'), {});
  t.same(
    parseCreateBucketConfiguration('<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>'),
    { locationConstraint: 'eu-west-1' },
  );
  t.same(parseCreateBucketConfiguration('<CreateBucketConfiguration><LocationConstraint></LocationConstraint></CreateBucketConfiguration>'), {});
  t.throws(() => parseCreateBucketConfiguration('<Nope/>'), MalformedXMLError);
  t.throws(() => parseCreateBucketConfiguration('<CreateBucketConfiguration>'), MalformedXMLError);
});
