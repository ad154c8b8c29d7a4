/**
 * The embedded filesystem store: runs on a fresh machine with nothing else.
 *
 * Layout under the data directory:
 *   <bucket>/                       one directory per bucket (bucket names are validated)
 *   <bucket>/.bucket                creation date
 *   <bucket>/_<seg>/.../_<seg>.obj  one file per object: header (metadata JSON) + data
 *   .tmp/                           staging area on the same filesystem (rename is atomic)
 *
 * Each key segment is percent-encoded with every byte outside [A-Za-z0-9_-] escaped
 * and prefixed with `_`, so no segment can be `.` or `..`, no name can contain `/`,
 * and no key can address a path outside its bucket. Segments whose encoding would be
 * longer than a file name allows are stored as `~<sha256>`, their real text kept
 * in the object header or a `.segment` file in the directory.
 *
 * The metadata lives in the same file as the data and the file is published with
 * one rename (or link, for create-only writes), so no reader ever sees data without
 * its metadata or the reverse.
 *
 * Durability (option `fsync`, default `always`): a staged file is flushed once, complete,
 * before it is published; the directory that received it (and any directory created for
 * it, up to the bucket) is flushed after, all before the write resolves. A delete flushes
 * the directory it removed from before it resolves, so when the engine deletes a delta
 * and then collects its reference, a crash can never keep the delta and lose the
 * reference. See docs/OPERATIONS.md "Durability".
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LRUCache } from 'lru-cache';
import { Readable, Transform } from 'node:stream';
import {
  BucketAlreadyOwnedByYouError,
  BucketNotEmptyError,
  InvalidBucketNameError,
  NoSuchBucketError,
  NoSuchKeyError,
  PreconditionFailedError,
} from '../errors.js';
import { compareKeys, isValidBucketName } from '../format/keys.js';
import { resolveFsyncMode, syncDirectory, type FsyncMode } from '../fsync.js';
import { TempDir } from '../spool.js';
import { writeNewFile } from '../write-new-file.js';
import type {
  BucketInfo,
  ByteRange,
  GetResult,
  IfMatchOptions,
  ListedObject,
  ListOptions,
  ListPage,
  ObjectStore,
  PutOptions,
  PutSource,
  StoredHeaders,
  StoredObjectInfo,
  StreamPutOptions,
  StreamPutResult,
} from './object-store.js';

const MAGIC = Buffer.from('DGO1');
const HEADER_FIXED = 8; // magic + uint32 JSON length
const OBJ_SUFFIX = '.obj';
const MAX_ENCODED_SEGMENT = 200;
/** Retries when concurrent deletes keep pruning the directories a write needs. */
const MAX_PUBLISH_ATTEMPTS = 50;
/** Directories whose own entry is known flushed (saves re-flushing the parents of busy directories). */
const DURABLE_DIR_CACHE_ENTRIES = 4096;

/** Options of the embedded filesystem store. */
export interface FileSystemStoreOptions {
  /** `always`: every acknowledged write and delete is flushed to disk first; `never`: left to the page cache. Default `always`. */
  fsync?: FsyncMode;
}
/**
 * Room a streamed put leaves in its header for the metadata known only at the end (the
 * digests, about 150 bytes): JSON allows trailing spaces, so the final header is written
 * over the padded first one without moving the data.
 */
const LATE_METADATA_ROOM = 1024;

interface DirEntry {
  name: string;
  fsName: string;
  dir: boolean;
}

interface ObjectPath {
  bucketDir: string;
  dir: string;
  file: string;
  /** Encoded directory names. */
  dirs: string[];
  /** Raw directory segments. */
  segments: string[];
}

interface Header {
  key: string;
  size: number;
  etag: string;
  metadata: Record<string, string>;
  contentType?: string;
  headers?: StoredHeaders;
}

function encodeSegment(segment: string): string {
  const encoded = '_' + Buffer.from(segment, 'utf8').toString('latin1').replace(/[^A-Za-z0-9_-]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase());
  return encoded.length <= MAX_ENCODED_SEGMENT ? encoded : '~' + createHash('sha256').update(segment).digest('hex');
}

function decodeSegment(name: string): string | undefined {
  if (!name.startsWith('_')) return undefined;
  return Buffer.from(name.slice(1).replace(/%([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/** Object store on a local directory. Safe for concurrent requests in one or several processes. */
export class FileSystemStore implements ObjectStore {
  readonly description: string;
  readonly #root: string;
  readonly #staging: string;
  #staged = false;
  readonly #dirCache = new LRUCache<string, { stamp: string; entries: DirEntry[] }>({ max: 256 });
  /** When writes are flushed. */
  readonly fsync: FsyncMode;
  /**
   * Directories this process made durable in their parent. A directory is dropped when
   * this process prunes it; one pruned and re-made by another process meanwhile is
   * re-flushed by that process's own write before it answers.
   */
  readonly #durableDirs = new LRUCache<string, true>({ max: DURABLE_DIR_CACHE_ENTRIES });

  /**
   * @param dataDir the data directory (created if missing).
   * @param options durability; see FileSystemStoreOptions.
   */
  constructor(dataDir: string, options: FileSystemStoreOptions = {}) {
    this.#root = dataDir;
    this.#staging = join(dataDir, '.tmp');
    this.fsync = resolveFsyncMode('FileSystemStore: option fsync', options.fsync);
    this.description = `filesystem ${dataDir}`;
  }

  async #ensure(): Promise<void> {
    if (this.#staged) return;
    await mkdir(this.#staging, { recursive: true });
    // Staged files of processes that died mid-write (SIGKILL) are never published: remove them.
    TempDir.sweep(this.#staging);
    this.#staged = true;
  }

  #bucketDir(bucket: string): string {
    if (!isValidBucketName(bucket)) throw new InvalidBucketNameError(bucket);
    return join(this.#root, bucket);
  }

  async #requireBucket(bucket: string): Promise<string> {
    const dir = this.#bucketDir(bucket);
    if (!(await this.headBucket(bucket))) throw new NoSuchBucketError(bucket);
    return dir;
  }

  #objectPath(bucketDir: string, key: string): ObjectPath {
    const segments = key.split('/');
    const last = segments.pop() as string;
    const dirs = segments.map(encodeSegment);
    const dir = join(bucketDir, ...dirs);
    return { bucketDir, dir, file: join(dir, encodeSegment(last) + OBJ_SUFFIX), dirs, segments };
  }

  async #readHeader(file: string): Promise<{ header: Header; offset: number; mtime: Date } | undefined> {
    let fh;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    }
    try {
      const fixed = Buffer.alloc(HEADER_FIXED);
      await fh.read(fixed, 0, HEADER_FIXED, 0);
      if (!fixed.subarray(0, 4).equals(MAGIC)) throw new Error(`corrupt object file ${file}`);
      const len = fixed.readUInt32BE(4);
      const json = Buffer.alloc(len);
      await fh.read(json, 0, len, HEADER_FIXED);
      const st = await fh.stat();
      return { header: JSON.parse(json.toString('utf8')) as Header, offset: HEADER_FIXED + len, mtime: st.mtime };
    } finally {
      await fh.close();
    }
  }

  #info(h: Header, mtime: Date): StoredObjectInfo {
    return { key: h.key, size: h.size, etag: h.etag, lastModified: mtime, metadata: h.metadata, contentType: h.contentType, headers: h.headers };
  }

  async headObject(bucket: string, key: string): Promise<StoredObjectInfo | undefined> {
    const dir = await this.#requireBucket(bucket);
    const found = await this.#readHeader(this.#objectPath(dir, key).file);
    return found && this.#info(found.header, found.mtime);
  }

  async getObject(bucket: string, key: string, range?: ByteRange): Promise<GetResult> {
    const dir = await this.#requireBucket(bucket);
    const file = this.#objectPath(dir, key).file;
    // Open first, then read header and data from the same descriptor: a concurrent
    // overwrite (rename) cannot mix two versions.
    let fh;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new NoSuchKeyError(key);
      throw err;
    }
    try {
      const fixed = Buffer.alloc(HEADER_FIXED);
      await fh.read(fixed, 0, HEADER_FIXED, 0);
      const len = fixed.readUInt32BE(4);
      const json = Buffer.alloc(len);
      await fh.read(json, 0, len, HEADER_FIXED);
      const header = JSON.parse(json.toString('utf8')) as Header;
      const st = await fh.stat();
      const offset = HEADER_FIXED + len;
      const start = offset + (range?.start ?? 0);
      const end = offset + (range ? range.end : header.size - 1);
      if (end < start) {
        await fh.close();
        return { info: this.#info(header, st.mtime), body: Readable.from([]) };
      }
      const body = createReadStream('', { fd: fh, start, end, autoClose: true, highWaterMark: 1024 * 1024 });
      return { info: this.#info(header, st.mtime), body };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async putObject(bucket: string, key: string, source: PutSource, options: PutOptions): Promise<{ etag: string }> {
    const dir = await this.#requireBucket(bucket);
    await this.#ensure();
    const target = this.#objectPath(dir, key);
    const staged = join(this.#staging, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const md5 = createHash('md5');
    const header: Header = { key, size: source.size, etag: '', metadata: options.metadata, contentType: options.contentType, headers: options.headers };
    try {
      // The ETag goes in the header, so hash first when the caller did not give it.
      header.etag = options.md5 ?? (await md5File(source.path, md5));
      const json = Buffer.from(JSON.stringify(header), 'utf8');
      const fixed = Buffer.alloc(HEADER_FIXED);
      MAGIC.copy(fixed);
      fixed.writeUInt32BE(json.length, 4);
      // One flush for the whole file, before anyone can see it under its name.
      await writeNewFile(staged, [createReadStream(source.path)], { prefix: Buffer.concat([fixed, json]), flush: this.fsync === 'always' });
      const created = await this.#publish(staged, target, options.ifNoneMatch === true);
      await this.#syncPublished(target, created);
      return { etag: header.etag };
    } finally {
      await rm(staged, { force: true });
    }
  }

  /**
   * Streams into the staging file behind a header padded with LATE_METADATA_ROOM spaces,
   * then writes the final header (with `lateMetadata`) over it and publishes with one
   * rename: the object appears whole, metadata included, or not at all.
   */
  async putStream(bucket: string, key: string, body: Readable, size: number, options: StreamPutOptions): Promise<StreamPutResult> {
    const dir = await this.#requireBucket(bucket);
    await this.#ensure();
    const target = this.#objectPath(dir, key);
    const staged = join(this.#staging, `${process.pid}-${randomBytes(8).toString('hex')}`);
    const header: Header = { key, size, etag: ''.padEnd(32, '0'), metadata: options.metadata, contentType: options.contentType, headers: options.headers };
    const first = Buffer.from(JSON.stringify(header), 'utf8');
    const room = first.length + LATE_METADATA_ROOM;
    const md5 = createHash('md5');
    let seen = 0;
    try {
      const fixed = Buffer.alloc(HEADER_FIXED);
      MAGIC.copy(fixed);
      fixed.writeUInt32BE(room, 4);
      const out = createWriteStream(staged, { flags: 'wx' });
      out.write(fixed);
      out.write(Buffer.concat([first, Buffer.alloc(room - first.length, 0x20)]));
      const count = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          seen += chunk.length;
          md5.update(chunk);
          cb(null, chunk);
        },
      });
      await pipeline(body, count, out);
      if (seen !== size) throw new Error(`putStream: body had ${seen} bytes, ${size} declared`);
      header.etag = md5.digest('hex');
      let late = false;
      const extra = options.lateMetadata?.();
      let json = Buffer.from(JSON.stringify(header), 'utf8');
      if (extra) {
        const withLate = Buffer.from(JSON.stringify({ ...header, metadata: extra }), 'utf8');
        if (withLate.length <= room) {
          json = withLate;
          late = true;
        }
      }
      const fh = await open(staged, 'r+');
      try {
        await fh.write(Buffer.concat([json, Buffer.alloc(room - json.length, 0x20)]), 0, room, HEADER_FIXED);
        // Data and final header reach the disk before the file is published.
        if (this.fsync === 'always') await fh.datasync();
      } finally {
        await fh.close();
      }
      const created = await this.#publish(staged, target, options.ifNoneMatch === true);
      await this.#syncPublished(target, created);
      return { etag: header.etag, lateMetadata: late };
    } catch (err) {
      body.destroy();
      throw err;
    } finally {
      await rm(staged, { force: true });
    }
  }

  /** Writes the object again with new metadata (same data), if its ETag is still `ifMatch`. */
  async replaceMetadata(bucket: string, key: string, options: PutOptions & IfMatchOptions): Promise<{ etag: string }> {
    const got = await this.getObject(bucket, key);
    if (options.ifMatch !== undefined && got.info.etag !== options.ifMatch) {
      got.body.destroy();
      throw new PreconditionFailedError();
    }
    return this.putStream(bucket, key, got.body, got.info.size, { ...options, ifNoneMatch: false });
  }

  /** Publishes the staged file; returns the first directory it had to create, if any. */
  async #publish(staged: string, target: ObjectPath, createOnly: boolean): Promise<string | undefined> {
    let created: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const made = await this.#makeDirs(target);
        // Across retries, the highest directory made is where new entries start.
        if (made !== undefined && (created === undefined || made.length < created.length)) created = made;
        if (createOnly) {
          await link(staged, target.file);
        } else {
          await rename(staged, target.file);
        }
        return created;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' && createOnly) throw new PreconditionFailedError();
        // A concurrent delete pruned an empty parent while we created the path or
        // between mkdir and rename (both show as ENOENT): make the path again.
        if (code === 'ENOENT' && attempt < MAX_PUBLISH_ATTEMPTS) continue;
        throw err;
      }
    }
  }

  async #makeDirs(target: ObjectPath): Promise<string | undefined> {
    const created = await mkdir(target.dir, { recursive: true });
    // Hashed (overlong) directory names keep their real segment beside them for listings.
    let d = target.bucketDir;
    for (let i = 0; i < target.dirs.length; i++) {
      d = join(d, target.dirs[i] as string);
      if (target.dirs[i]?.startsWith('~')) await writeFile(join(d, '.segment'), target.segments[i] as string, { flush: this.fsync === 'always' });
    }
    return created;
  }

  /**
   * Flushes the directory that received the object, then each directory up to the bucket
   * whose own entry is not known durable (those made for this object first among them):
   * a flushed file in a directory whose entry was lost is lost too.
   */
  async #syncPublished(target: ObjectPath, created: string | undefined): Promise<void> {
    if (this.fsync !== 'always') return;
    // Directories made for this object (from `created` down to target.dir) are new, whatever
    // an earlier incarnation of the same path left in the cache.
    if (created !== undefined) for (let d = target.dir; d.length >= created.length; d = dirname(d)) this.#durableDirs.delete(d);
    await syncPrunable(target.dir);
    for (let d = target.dir; d.length > target.bucketDir.length && !this.#durableDirs.has(d); d = dirname(d)) {
      await syncPrunable(dirname(d));
      this.#durableDirs.set(d, true);
    }
  }

  async deleteObject(bucket: string, key: string, options: IfMatchOptions = {}): Promise<void> {
    const dir = await this.#requireBucket(bucket);
    const target = this.#objectPath(dir, key);
    if (options.ifMatch !== undefined) {
      // Checked just before the unlink: another process's rename landing in between
      // (microseconds) is the one case this cannot see.
      const found = await this.#readHeader(target.file);
      if (!found) return;
      if (found.header.etag !== options.ifMatch) throw new PreconditionFailedError();
    }
    if (await this.#unlink(target)) await this.#syncRemoved([target]);
    await this.#prune(target);
  }

  async deleteObjects(bucket: string, keys: string[]): Promise<{ errors: { key: string; error: Error }[] }> {
    const dir = await this.#requireBucket(bucket);
    const errors: { key: string; error: Error }[] = [];
    const removed: ObjectPath[] = [];
    for (const key of keys) {
      try {
        const target = this.#objectPath(dir, key);
        if (await this.#unlink(target)) removed.push(target);
      } catch (error) {
        errors.push({ key, error: error as Error });
      }
    }
    // One flush per directory for the whole batch, before any of it is acknowledged.
    await this.#syncRemoved(removed);
    for (const target of removed) await this.#prune(target);
    return { errors };
  }

  /** Removes the object's file; false when it was not there. */
  async #unlink(target: ObjectPath): Promise<boolean> {
    try {
      await unlink(target.file);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw err;
    }
  }

  /** Flushes the directories files were removed from (a lost unlink brings the file back). */
  async #syncRemoved(targets: ObjectPath[]): Promise<void> {
    if (this.fsync !== 'always') return;
    for (const d of new Set(targets.map((t) => t.dir))) await syncPrunable(d);
  }

  /**
   * Prunes empty parents so listings stay fast; a concurrent put retries its mkdir. Not
   * flushed: a prune lost in a crash leaves an empty directory, which reads as nothing.
   */
  async #prune(target: ObjectPath): Promise<void> {
    let d = target.dir;
    for (let i = target.dirs.length; i > 0; i--) {
      try {
        const left = await readdir(d);
        if (left.some((n) => n !== '.segment')) break;
        if (left.length > 0) await rm(join(d, '.segment'), { force: true });
        await rmdir(d);
        this.#durableDirs.delete(d);
      } catch {
        break;
      }
      d = join(d, '..');
    }
  }

  async listObjects(bucket: string, options: ListOptions): Promise<ListPage> {
    const dir = await this.#requireBucket(bucket);
    const prefix = options.prefix ?? '';
    const delimiter = options.delimiter || undefined;
    const maxKeys = options.maxKeys ?? 1000;
    const startAfter = options.startAfter ?? '';
    const objects: ListedObject[] = [];
    const commonPrefixes: string[] = [];
    const walker = { skipPrefix: undefined as string | undefined };
    let last: string | undefined;
    let truncated = false;
    if (maxKeys === 0) return { objects, commonPrefixes, isTruncated: false };
    for await (const entry of this.#walk(dir, '', prefix, startAfter, walker)) {
      let cp: string | undefined;
      if (delimiter) {
        const idx = entry.key.indexOf(delimiter, prefix.length);
        if (idx >= 0) cp = entry.key.slice(0, idx + delimiter.length);
      }
      if (cp !== undefined && (cp === last || compareKeys(cp, startAfter) <= 0)) continue;
      if (objects.length + commonPrefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (cp !== undefined) {
        commonPrefixes.push(cp);
        last = cp;
        walker.skipPrefix = cp;
        continue;
      }
      const found = await this.#readHeader(entry.file);
      if (!found) continue;
      objects.push({ key: entry.key, size: found.header.size, etag: found.header.etag, lastModified: found.mtime });
      last = entry.key;
    }
    return { objects, commonPrefixes, isTruncated: truncated, nextStartAfter: truncated ? last : undefined };
  }

  /**
   * Yields objects in S3 key order, skipping subtrees that cannot match the prefix,
   * that lie wholly at or before startAfter, or that the caller already rolled up
   * into a common prefix (`walker.skipPrefix`).
   */
  async *#walk(path: string, keyPrefix: string, prefix: string, startAfter: string, walker: { skipPrefix?: string }): AsyncGenerator<{ key: string; file: string }> {
    const entries = await this.#sortedEntries(path);
    // Entries are sorted: jump to the first one that can hold keys after startAfter
    // (binary search), so paging through a big directory costs log n per page.
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = entries[mid] as DirEntry;
      const key = e.dir ? keyPrefix + e.name + '/' : keyPrefix + e.name;
      if (compareKeys(key, startAfter) <= 0 && !(e.dir && startAfter.startsWith(key))) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < entries.length; i++) {
      const e = entries[i] as DirEntry;
      const key = e.dir ? keyPrefix + e.name + '/' : keyPrefix + e.name;
      if (!key.startsWith(prefix) && !(e.dir && prefix.startsWith(key))) continue;
      if (walker.skipPrefix !== undefined && key.startsWith(walker.skipPrefix)) continue;
      if (e.dir) {
        if (!startAfter.startsWith(key) && compareKeys(key, startAfter) <= 0) continue;
        yield* this.#walk(join(path, e.fsName), key, prefix, startAfter, walker);
      } else if (compareKeys(key, startAfter) > 0) {
        yield { key, file: join(path, e.fsName) };
      }
    }
  }

  async #hasObjects(path: string): Promise<boolean> {
    const names = await readdir(path).catch(() => [] as string[]);
    for (const n of names) {
      if (n.endsWith(OBJ_SUFFIX)) return true;
      if ((n.startsWith('_') || n.startsWith('~')) && (await this.#hasObjects(join(path, n)))) return true;
    }
    return false;
  }

  /**
   * Directory entries with their decoded names, in S3 key order (a directory sorts as
   * `name/`). Reused while the directory's change time stands still, so paging through
   * a large directory a few keys at a time does not re-read and re-sort it every page.
   */
  async #sortedEntries(path: string): Promise<DirEntry[]> {
    let st;
    try {
      st = await stat(path, { bigint: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const stamp = `${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
    const hit = this.#dirCache.get(path);
    if (hit && hit.stamp === stamp) return hit.entries;
    const entries = await this.#readSortedEntries(path);
    this.#dirCache.set(path, { stamp, entries });
    return entries;
  }

  async #readSortedEntries(path: string): Promise<DirEntry[]> {
    let names: string[];
    try {
      names = await readdir(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: { name: string; fsName: string; dir: boolean }[] = [];
    for (const fsName of names) {
      if (fsName.startsWith('.')) continue;
      const isObj = fsName.endsWith(OBJ_SUFFIX);
      const base = isObj ? fsName.slice(0, -OBJ_SUFFIX.length) : fsName;
      let name = decodeSegment(base);
      if (name === undefined && base.startsWith('~')) {
        if (isObj) {
          const h = await this.#readHeader(join(path, fsName)).catch(() => undefined);
          name = h?.header.key.slice(h.header.key.lastIndexOf('/') + 1);
        } else {
          name = await readFile(join(path, fsName, '.segment'), 'utf8').catch(() => undefined);
        }
      }
      if (name === undefined) continue;
      out.push({ name, fsName, dir: !isObj });
    }
    out.sort((a, b) => compareKeys(a.dir ? a.name + '/' : a.name, b.dir ? b.name + '/' : b.name));
    return out;
  }

  async createBucket(bucket: string): Promise<void> {
    const dir = this.#bucketDir(bucket);
    await mkdir(this.#root, { recursive: true });
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new BucketAlreadyOwnedByYouError(bucket);
      throw err;
    }
    await writeFile(join(dir, '.bucket'), new Date().toISOString(), { flush: this.fsync === 'always' });
    if (this.fsync === 'always') {
      await syncDirectory(dir);
      await syncDirectory(this.#root);
    }
  }

  async headBucket(bucket: string): Promise<boolean> {
    const dir = this.#bucketDir(bucket);
    try {
      return (await stat(dir)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async deleteBucket(bucket: string): Promise<void> {
    const dir = await this.#requireBucket(bucket);
    if (await this.#hasObjects(dir)) throw new BucketNotEmptyError(bucket);
    await rm(dir, { recursive: true, force: true });
    if (this.fsync === 'always') await syncDirectory(this.#root);
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const names = await readdir(this.#root).catch(() => [] as string[]);
    const out: BucketInfo[] = [];
    for (const name of names.sort()) {
      if (!isValidBucketName(name)) continue;
      const created = await readFile(join(this.#root, name, '.bucket'), 'utf8').catch(() => undefined);
      if (created === undefined) continue;
      out.push({ name, creationDate: new Date(created) });
    }
    return out;
  }

  async ping(): Promise<void> {
    await mkdir(this.#root, { recursive: true });
    await this.#ensure();
  }
}

/**
 * Flushes a directory a concurrent delete may have pruned meanwhile. A pruned directory was
 * empty: whatever this request wrote there was deleted by a later request, whose own flush
 * made that durable, so there is nothing left to flush.
 */
async function syncPrunable(dir: string): Promise<void> {
  try {
    await syncDirectory(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function md5File(path: string, hash: ReturnType<typeof createHash>): Promise<string> {
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
