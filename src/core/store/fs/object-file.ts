/**
 * The object file: `DGO1`, a uint32 header length, the header (metadata JSON), then the
 * data. The metadata lives in the same file as the data and the file is published with
 * one rename (or link, for create-only writes), so no reader ever sees data without its
 * metadata or the reverse.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StoredHeaders, StoredObjectInfo } from '../object-store.js';

const MAGIC = Buffer.from('DGO1');

/** Bytes before the header JSON: magic + uint32 JSON length. */
export const HEADER_FIXED = 8;

/**
 * Room a streamed put leaves in its header for the metadata known only at the end (the
 * digests, about 150 bytes): JSON allows trailing spaces, so the final header is written
 * over the padded first one without moving the data.
 */
export const LATE_METADATA_ROOM = 1024;

/** The header JSON of an object file. */
export interface ObjectHeader {
  key: string;
  size: number;
  etag: string;
  metadata: Record<string, string>;
  contentType?: string;
  headers?: StoredHeaders;
}

/** A header as read from a file, with where its data starts. */
export interface ReadHeader {
  header: ObjectHeader;
  /** Offset of the first data byte. */
  offset: number;
  mtime: Date;
}

/** The fixed bytes that precede a header JSON of `jsonLength` bytes. */
export function headerFixed(jsonLength: number): Buffer {
  const fixed = Buffer.alloc(HEADER_FIXED);
  MAGIC.copy(fixed);
  fixed.writeUInt32BE(jsonLength, 4);
  return fixed;
}

/** Reads the header of an open object file (the caller keeps the descriptor for the data). */
export async function readHeaderFrom(fh: FileHandle, file: string): Promise<ReadHeader> {
  const fixed = Buffer.alloc(HEADER_FIXED);
  await fh.read(fixed, 0, HEADER_FIXED, 0);
  if (!fixed.subarray(0, 4).equals(MAGIC)) throw new Error(`corrupt object file ${file}`);
  const len = fixed.readUInt32BE(4);
  const json = Buffer.alloc(len);
  await fh.read(json, 0, len, HEADER_FIXED);
  const st = await fh.stat();
  return { header: JSON.parse(json.toString('utf8')) as ObjectHeader, offset: HEADER_FIXED + len, mtime: st.mtime };
}

/** True when opening an object file failed because there is no such object. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Opens an object file for reading; undefined when there is no such object. */
export async function openObjectFile(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** Reads an object file's header; undefined when there is no such file. */
export async function readHeader(file: string): Promise<ReadHeader | undefined> {
  const fh = await openObjectFile(file);
  if (!fh) return undefined;
  try {
    return await readHeaderFrom(fh, file);
  } finally {
    await fh.close();
  }
}

/** The store's view of an object from its header and file time. */
export function infoOf(h: ObjectHeader, mtime: Date): StoredObjectInfo {
  return { key: h.key, size: h.size, etag: h.etag, lastModified: mtime, metadata: h.metadata, contentType: h.contentType, headers: h.headers };
}

/** Hex MD5 of a file (the ETag of a put whose caller did not give one). */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(
    createReadStream(path),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        cb();
      },
    }),
  );
  return hash.digest('hex');
}
