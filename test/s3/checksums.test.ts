import t from 'tap';
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { BadDigestError } from '../../src/core/errors.js';
import { S3Error } from '../../src/s3/error-table.js';
import {
  BodyDigester,
  DigestVerifyStream,
  checksumAlgorithmsFromTrailer,
  combineExpectedDigests,
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

async function digestOf(alg: ChecksumAlgorithm, chunks: Uint8Array[]): Promise<string | undefined> {
  const d = new BodyDigester({ algorithms: [alg] });
  for (const c of chunks) d.update(c);
  return (await d.digest()).checksums[alg];
}

const hex64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

t.test('CRC check values (catalogue "123456789")', async (t) => {
  t.equal(await digestOf('crc32', [CHECK]), hex64('cbf43926'));
  t.equal(await digestOf('crc32c', [CHECK]), hex64('e3069283'));
  t.equal(await digestOf('crc64nvme', [CHECK]), hex64('ae8b14860a799888'));
  t.equal(await digestOf('crc32', []), hex64('00000000'));
  t.equal(await digestOf('crc32c', []), hex64('00000000'));
  // Incremental == one-shot, across the 8-byte slicing boundary.
  const data = randomBytes(1000);
  for (const alg of ['crc32', 'crc32c', 'crc64nvme'] as const) {
    const whole = await digestOf(alg, [data]);
    for (const split of [0, 1, 7, 8, 9, 500, 999, 1000]) t.equal(await digestOf(alg, [data.subarray(0, split), data.subarray(split)]), whole, `${alg} split ${split}`);
  }
});

t.test('BodyDigester computes and verifies every algorithm', async (t) => {
  const body = randomBytes(70000);
  const expected = {
    contentMd5: createHash('md5').update(body).digest('base64'),
    checksums: {
      sha1: createHash('sha1').update(body).digest('base64'),
      sha256: createHash('sha256').update(body).digest('base64'),
      crc32: be32(crc32(body)),
      crc32c: await digestOf('crc32c', [body]),
      crc64nvme: await digestOf('crc64nvme', [body]),
    } as Partial<Record<ChecksumAlgorithm, string>>,
  };

  const d = new BodyDigester(digesterOptionsFor(expected));
  for (let i = 0; i < body.length; i += 1234) d.update(body.subarray(i, i + 1234));
  await t.resolves(d.verify(expected));
  t.same((await d.digest()).checksums, expected.checksums);
  t.equal((await d.digest()).md5, expected.contentMd5);

  for (const alg of Object.keys(expected.checksums) as ChecksumAlgorithm[]) {
    const bad = { checksums: { [alg]: expected.checksums.crc32 === expected.checksums[alg] ? be32(1) : expected.checksums[alg]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } };
    const dd = new BodyDigester({ algorithms: [alg] });
    dd.update(body);
    await t.rejects(dd.verify(bad), BadDigestError, `${alg} mismatch is BadDigest`);
  }
  const dm = new BodyDigester({ md5: true });
  dm.update(body);
  await t.rejects(dm.verify({ contentMd5: createHash('md5').update('x').digest('base64') }), { code: 'BadDigest' });
  const none = new BodyDigester({ algorithms: ['crc32'] });
  none.update(body);
  await t.rejects(none.verify({ checksums: { sha256: expected.checksums.sha256! } }), S3Error, 'unannounced algorithm is refused, not skipped');
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
