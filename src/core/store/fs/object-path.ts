/**
 * Where an object lives under the data directory. Each key segment is percent-encoded with
 * every byte outside [A-Za-z0-9_-] escaped and prefixed with `_`, so no segment can be `.`
 * or `..`, no name can contain `/`, and no key can address a path outside its bucket.
 * Segments whose encoding would be longer than a file name allows are stored as
 * `~<sha256>`, their real text kept in the object header or a SEGMENT_FILE in the directory.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Ending of an object file; a directory has none. */
export const OBJ_SUFFIX = '.obj';

/** File in a hashed (`~<sha256>`) directory that holds the segment it stands for. */
export const SEGMENT_FILE = '.segment';

/** Longest encoded segment stored under its own name (file names stop at 255 bytes). */
const MAX_ENCODED_SEGMENT = 200;

/** The file of one object and the directories leading to it. */
export interface ObjectPath {
  bucketDir: string;
  dir: string;
  file: string;
  /** Encoded directory names. */
  dirs: string[];
  /** Raw directory segments. */
  segments: string[];
}

/** A key segment as a file name (`_` + percent-encoding, or `~<sha256>` when too long). */
export function encodeSegment(segment: string): string {
  const encoded = '_' + Buffer.from(segment, 'utf8').toString('latin1').replace(/[^A-Za-z0-9_-]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase());
  return encoded.length <= MAX_ENCODED_SEGMENT ? encoded : '~' + createHash('sha256').update(segment).digest('hex');
}

/** The key segment a `_`-encoded file name stands for; undefined for any other name. */
export function decodeSegment(name: string): string | undefined {
  if (!name.startsWith('_')) return undefined;
  return Buffer.from(name.slice(1).replace(/%([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/** The path of `key`'s object file under a bucket directory. */
export function objectPath(bucketDir: string, key: string): ObjectPath {
  const segments = key.split('/');
  const last = segments.pop() as string;
  const dirs = segments.map(encodeSegment);
  const dir = join(bucketDir, ...dirs);
  return { bucketDir, dir, file: join(dir, encodeSegment(last) + OBJ_SUFFIX), dirs, segments };
}
