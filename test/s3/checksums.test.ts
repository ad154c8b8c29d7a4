import t from 'tap';
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadDigestError } from '../../src/core/errors.js';
import { S3Error } from '../../src/s3/error-table.js';
import {
  BodyDigester,
  Crc64Nvme,
  DigestVerifyStream,
  checksumAlgorithmsFromTrailer,
  combineExpectedDigests,
  crc32,
  crc32c,
  digesterOptionsFor,
  expectedDigestsFromHeaders,
  expectedDigestsFromTrailers,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
} from '../../src/s3/checksums.js';

const CHECK = Buffer.from('123456789');

function be32(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
}

t.test('CRC check values (catalogue "123456789")', async (t) => {
  t.equal(crc32(CHECK), 0xcbf43926);
  t.equal(crc32c(CHECK), 0xe3069283);
  const c = new Crc64Nvme();
  c.update(CHECK);
  t.equal(c.digest().toString('hex'), 'ae8b14860a799888');
  t.equal(crc32c(Buffer.alloc(0)), 0);
  t.equal(crc32(Buffer.alloc(0)), 0);
  // Incremental == one-shot, across the 8-byte slicing boundary.
  const data = randomBytes(1000);
  for (const split of [0, 1, 7, 8, 9, 500, 999, 1000]) {
    t.equal(crc32c(data.subarray(split), crc32c(data.subarray(0, split))), crc32c(data), `crc32c split ${split}`);
    t.equal(crc32(data.subarray(split), crc32(data.subarray(0, split))), crc32(data), `crc32 split ${split}`);
    const a = new Crc64Nvme();
    a.update(data.subarray(0, split));
    a.update(data.subarray(split));
    const b = new Crc64Nvme();
    b.update(data);
    t.same(a.digest(), b.digest(), `crc64 split ${split}`);
  }
});

t.test('matches the AWS SDK implementations when they are installed', async (t) => {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('@aws-sdk/checksums/crc' as string)) as Record<string, unknown>;
  } catch {
    t.pass('@aws-sdk/checksums not installed; cross-check skipped');
    return;
  }
  type Ctor = new () => { update(d: Uint8Array): void; digest(): Promise<Uint8Array> };
  const data = randomBytes(4097);
  const sdk = async (ctor: Ctor) => {
    const h = new ctor();
    h.update(data);
    return Buffer.from(await h.digest()).toString('base64');
  };
  const ours = (alg: ChecksumAlgorithm) => {
    const d = new BodyDigester({ algorithms: [alg] });
    d.update(data);
    return d.digest().checksums[alg];
  };
  t.equal(ours('crc32c'), await sdk(mod.Crc32cJs as Ctor));
  t.equal(ours('crc64nvme'), await sdk(mod.Crc64NvmeJs as Ctor));
  t.equal(ours('crc32'), await sdk(mod.Crc32Js as Ctor));
});

t.test('BodyDigester computes and verifies every algorithm', async (t) => {
  const body = randomBytes(70000);
  const expected = {
    contentMd5: createHash('md5').update(body).digest('base64'),
    checksums: {
      sha1: createHash('sha1').update(body).digest('base64'),
      sha256: createHash('sha256').update(body).digest('base64'),
      crc32: be32(crc32(body)),
      crc32c: be32(crc32c(body)),
    } as Partial<Record<ChecksumAlgorithm, string>>,
  };
  const c64 = new Crc64Nvme();
  c64.update(body);
  expected.checksums.crc64nvme = c64.digest().toString('base64');

  const d = new BodyDigester(digesterOptionsFor(expected));
  for (let i = 0; i < body.length; i += 1234) d.update(body.subarray(i, i + 1234));
  t.doesNotThrow(() => d.verify(expected));
  t.same(d.digest().checksums, expected.checksums);
  t.equal(d.digest().md5, expected.contentMd5);

  for (const alg of Object.keys(expected.checksums) as ChecksumAlgorithm[]) {
    const bad = { checksums: { [alg]: expected.checksums.crc32 === expected.checksums[alg] ? be32(1) : expected.checksums[alg]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } };
    const dd = new BodyDigester({ algorithms: [alg] });
    dd.update(body);
    t.throws(() => dd.verify(bad), BadDigestError, `${alg} mismatch is BadDigest`);
  }
  const dm = new BodyDigester({ md5: true });
  dm.update(body);
  t.throws(() => dm.verify({ contentMd5: createHash('md5').update('x').digest('base64') }), { code: 'BadDigest' });
  const none = new BodyDigester({ algorithms: ['crc32'] });
  none.update(body);
  t.throws(() => none.verify({ checksums: { sha256: expected.checksums.sha256! } }), S3Error, 'unannounced algorithm is refused, not skipped');
});

t.test('headers: parsing and error codes', async (t) => {
  const md5 = createHash('md5').update('hello').digest('base64');
  t.same(expectedDigestsFromHeaders({ 'content-md5': md5 }), { contentMd5: md5 });
  t.same(expectedDigestsFromHeaders({ 'x-amz-checksum-crc32c': be32(1), 'x-amz-sdk-checksum-algorithm': 'CRC32C' }), {
    checksums: { crc32c: be32(1) },
  });
  t.same(expectedDigestsFromHeaders({ 'x-amz-checksum-type': 'FULL_OBJECT', 'x-amz-checksum-algorithm': 'CRC32' }), {});

  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err instanceof S3Error ? err.s3Code : String(err);
    }
    return 'no error';
  };
  t.equal(code(() => expectedDigestsFromHeaders({ 'content-md5': 'not base64!' })), 'InvalidDigest');
  t.equal(code(() => expectedDigestsFromHeaders({ 'content-md5': Buffer.alloc(15).toString('base64') })), 'InvalidDigest');
  t.equal(code(() => expectedDigestsFromHeaders({ 'x-amz-checksum-crc32': Buffer.alloc(8).toString('base64') })), 'InvalidRequest');
  t.equal(code(() => expectedDigestsFromHeaders({ 'x-amz-checksum-md5': md5 })), 'InvalidRequest', 'unsupported algorithm');
  t.equal(code(() => expectedDigestsFromHeaders({ 'x-amz-sdk-checksum-algorithm': 'XXHASH64' })), 'InvalidRequest');
  t.equal(code(() => expectedDigestsFromHeaders({ 'x-amz-checksum-crc32': be32(1), 'x-amz-checksum-crc32c': be32(2) })), 'InvalidRequest');

  t.equal(parseChecksumAlgorithm('CRC64NVME'), 'crc64nvme');
  t.equal(parseChecksumAlgorithm('md5'), undefined);
  t.same(checksumAlgorithmsFromTrailer('x-amz-checksum-crc32'), ['crc32']);
  t.same(checksumAlgorithmsFromTrailer(undefined), []);
  t.equal(code(() => checksumAlgorithmsFromTrailer('x-amz-foo')), 'InvalidRequest');
  t.same(expectedDigestsFromTrailers({ 'x-amz-checksum-crc32': be32(5) }), { checksums: { crc32: be32(5) } });
  t.equal(code(() => expectedDigestsFromTrailers({ 'x-amz-checksum-crc32': 'AAAA' })), 'InvalidRequest');
  t.same(combineExpectedDigests({ contentMd5: md5 }, { checksums: { crc32: be32(5) } }), { contentMd5: md5, checksums: { crc32: be32(5) } });
});

t.test('DigestVerifyStream passes data through and fails at the end on mismatch', async (t) => {
  const body = randomBytes(100000);
  const good = { checksums: { crc32: be32(crc32(body)) } };
  const out: Buffer[] = [];
  await pipeline(Readable.from([body.subarray(0, 3), body.subarray(3)]), new DigestVerifyStream(good, { algorithms: ['crc32'] }), async (src) => {
    for await (const c of src) out.push(c as Buffer);
  });
  t.same(Buffer.concat(out), body);

  // Expected digest supplied lazily (aws-chunked trailer case).
  let late: Partial<Record<ChecksumAlgorithm, string>> = {};
  const lazy = new DigestVerifyStream(() => ({ checksums: late }), { algorithms: ['sha256'] });
  late = { sha256: createHash('sha256').update('nope').digest('base64') };
  await t.rejects(
    pipeline(Readable.from([body]), lazy, async (src) => {
      for await (const _ of src) void _;
    }),
    BadDigestError,
  );
});
