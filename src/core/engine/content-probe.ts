/**
 * Cheap looks at an upload's bytes before a full delta encode: is it already compressed
 * (magic bytes, sampled byte entropy), and does it share content with the deltaspace's
 * reference (a sampled, content-defined similarity probe)? A full encode of a 6 MiB zip
 * against an unrelated reference costs 20-40x a passthrough PUT; these looks read at
 * most a few hundred KiB of the upload.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { LRUCache } from 'lru-cache';

/** Bytes read per entropy sample. */
const SAMPLE_BYTES = 16 * 1024;
/** Entropy samples spread evenly over the file (the first one at offset 0). */
const ENTROPY_SAMPLES = 8;
/**
 * Shannon entropy (bits per byte) above which every sample must lie for the bytes to count
 * as compressed or encrypted: deflate, xz and random data measure 7.95-8.0 on 16 KiB;
 * executables, tars and JSON 4.5-6.8 (the bench families).
 */
export const COMPRESSED_ENTROPY_BITS = 7.5;
/** Regions of the upload scanned by the similarity probe. */
const PROBE_REGIONS = 16;
/** Bytes scanned per probe region. */
const PROBE_REGION_BYTES = 64 * 1024;
/** An anchor is a position whose rolling hash has these low bits zero: one per ~1 KiB on average. */
const ANCHOR_MASK = 0x3ff;
/** At most this many anchors are kept per reference (bounded memory: 8 bytes each in a Set). */
const MAX_REFERENCE_ANCHORS = 1 << 20;
/** References whose anchors are remembered (by SHA-256). */
const ANCHOR_CACHE_ENTRIES = 64;

/** The `compressed` value of content with no known magic but the entropy of compressed or encrypted bytes. */
export const HIGH_ENTROPY = 'high-entropy';

/** What the magic bytes or entropy say about a file. */
export interface ContentKind {
  /** The compressed format found (`zip`, `gzip`, `xz`, ... or `high-entropy`), undefined for plain content. */
  compressed?: string;
}

interface Magic {
  name: string;
  offset: number;
  bytes: number[];
}

/** Formats whose bytes change wholesale when their content changes a little. */
const MAGICS: readonly Magic[] = [
  { name: 'gzip', offset: 0, bytes: [0x1f, 0x8b] },
  { name: 'xz', offset: 0, bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'bzip2', offset: 0, bytes: [0x42, 0x5a, 0x68] },
  { name: 'zstd', offset: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'lz4', offset: 0, bytes: [0x04, 0x22, 0x4d, 0x18] },
  { name: '7z', offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'rar', offset: 0, bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { name: 'png', offset: 0, bytes: [0x89, 0x50, 0x4e, 0x47] },
  { name: 'jpeg', offset: 0, bytes: [0xff, 0xd8, 0xff] },
  { name: 'mp4', offset: 4, bytes: [0x66, 0x74, 0x79, 0x70] },
];

/** Zip local file header; its compression method (0 = stored) is at offset 8. */
const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
const ZIP_METHOD_OFFSET = 8;

function startsWith(buf: Buffer, offset: number, bytes: readonly number[]): boolean {
  if (buf.length < offset + bytes.length) return false;
  return bytes.every((b, i) => buf[offset + i] === b);
}

/** Shannon entropy of a buffer in bits per byte. */
export function entropyBits(buf: Buffer): number {
  if (buf.length === 0) return 0;
  const counts = new Uint32Array(256);
  for (let i = 0; i < buf.length; i++) counts[buf[i]!]!++;
  let bits = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    const p = c / buf.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Names the compressed format of a file from its first bytes (a zip counts when its first
 * member is compressed: stored zips and jars delta well), else from the entropy of
 * samples spread over the file. Reads at most ENTROPY_SAMPLES x 16 KiB.
 */
export async function detectContent(path: string, size: number): Promise<ContentKind> {
  if (size === 0) return {};
  const fh = await open(path, 'r');
  try {
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.allocUnsafe(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    };
    const head = await read(0, Math.min(size, SAMPLE_BYTES));
    if (startsWith(head, 0, ZIP_LOCAL_HEADER) && head.length > ZIP_METHOD_OFFSET + 1) {
      if (head.readUInt16LE(ZIP_METHOD_OFFSET) !== 0) return { compressed: 'zip' };
    }
    const magic = MAGICS.find((m) => startsWith(head, m.offset, m.bytes));
    if (magic) return { compressed: magic.name };
    // Small files measure low entropy whatever they hold (few samples of 256 symbols).
    if (size < SAMPLE_BYTES) return {};
    const step = Math.floor((size - SAMPLE_BYTES) / Math.max(1, ENTROPY_SAMPLES - 1));
    for (let i = 0; i < ENTROPY_SAMPLES; i++) {
      const sample = i === 0 ? head : await read(i * step, SAMPLE_BYTES);
      if (entropyBits(sample) < COMPRESSED_ENTROPY_BITS) return {};
    }
    return { compressed: HIGH_ENTROPY };
  } finally {
    await fh.close();
  }
}

/** Gear table for the rolling hash: fixed pseudo-random words (xorshift32 from a constant seed). */
const GEAR = (() => {
  const t = new Uint32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    t[i] = x;
  }
  return t;
})();

/**
 * Content-defined anchors of a chunk: positions where a gear hash of the preceding 32
 * bytes has its low bits zero, keyed by that hash and the next 4 bytes. The same content
 * yields the same anchors wherever it sits, so regions of an upload can be compared with
 * a reference scanned once.
 */
function anchorsOf(buf: Buffer, into: (key: number) => boolean | void): void {
  let h = 0;
  const end = buf.length - 4;
  for (let i = 0; i < end; i++) {
    h = ((h << 1) + GEAR[buf[i]!]!) >>> 0;
    if ((h & ANCHOR_MASK) === 0 && i >= 32) {
      if (into((h >>> 10) * 0x100000000 + buf.readUInt32LE(i + 1)) === false) return;
    }
  }
}

const referenceAnchors = new LRUCache<string, Set<number>>({ max: ANCHOR_CACHE_ENTRIES });

/** The anchors of a whole reference (cached by its SHA-256). */
async function anchorsOfReference(path: string, sha256: string): Promise<Set<number>> {
  const cached = referenceAnchors.get(sha256);
  if (cached) return cached;
  const set = new Set<number>();
  // Chunks overlap by 40 bytes so an anchor straddling two reads is still found.
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    anchorsOf(buf, (k) => {
      set.add(k);
      return set.size < MAX_REFERENCE_ANCHORS;
    });
    if (set.size >= MAX_REFERENCE_ANCHORS) break;
    carry = buf.subarray(Math.max(0, buf.length - 40));
  }
  referenceAnchors.set(sha256, set);
  return set;
}

/**
 * Share (0..1) of the upload's sampled anchors that also occur in the reference: near 0
 * for unrelated or recompressed content, near 1 for a close version. Reads
 * PROBE_REGIONS x 64 KiB of the upload and, once per reference, the reference whole.
 * Undefined when the upload has too few anchors to say (tiny or very repetitive).
 */
export async function sampledSimilarity(reference: { path: string; sha256: string }, path: string, size: number): Promise<number | undefined> {
  const anchors = await anchorsOfReference(reference.path, reference.sha256);
  const fh = await open(path, 'r');
  let seen = 0;
  let found = 0;
  try {
    const regions = size <= PROBE_REGIONS * PROBE_REGION_BYTES ? 1 : PROBE_REGIONS;
    const length = regions === 1 ? size : PROBE_REGION_BYTES;
    const step = regions === 1 ? 0 : Math.floor((size - length) / (regions - 1));
    const buf = Buffer.allocUnsafe(length);
    for (let r = 0; r < regions; r++) {
      const { bytesRead } = await fh.read(buf, 0, length, r * step);
      anchorsOf(buf.subarray(0, bytesRead), (k) => {
        seen++;
        if (anchors.has(k)) found++;
      });
    }
  } finally {
    await fh.close();
  }
  return seen < 8 ? undefined : found / seen;
}
