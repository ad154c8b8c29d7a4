/**
 * The embedded filesystem store: runs on a fresh machine with nothing else.
 *
 * Layout under the data directory:
 *   <bucket>/                       one directory per bucket (bucket names are validated)
 *   <bucket>/.bucket                creation date
 *   <bucket>/_<seg>/.../_<seg>.obj  one file per object: header (metadata JSON) + data
 *   .tmp/                           staging area on the same filesystem (rename is atomic)
 *
 * This class is the facade: key-to-path encoding lives in fs/object-path.ts, the object
 * file format in fs/object-file.ts, publishing and pruning in fs/publish.ts, directory
 * flushes (option `fsync`, default `always`) in fs/durability.ts, and the listing walk in
 * fs/listing.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import {
  BucketAlreadyOwnedByYouError,
  BucketNotEmptyError,
  InvalidBucketNameError,
  NoSuchBucketError,
  NoSuchKeyError,
  PreconditionFailedError,
} from '../errors.js';
import { isValidBucketName } from '../format/keys.js';
import { resolveFsyncMode, syncDirectory, type FsyncMode } from '../fsync.js';
import { TempDir } from '../spool.js';
import { writeNewFile } from '../write-new-file.js';
import { DirectoryDurability } from './fs/durability.js';
import { TreeListing } from './fs/listing.js';
import { HEADER_FIXED, headerFixed, infoOf, LATE_METADATA_ROOM, md5File, openObjectFile, readHeader, readHeaderFrom, type ObjectHeader } from './fs/object-file.js';
import { objectPath, type ObjectPath } from './fs/object-path.js';
import { publishStaged, pruneEmptyParents, unlinkObject } from './fs/publish.js';
import type {
  BucketInfo,
  ByteRange,
  GetResult,
  IfMatchOptions,
  ListOptions,
  ListPage,
  ObjectStore,
  PutOptions,
  PutSource,
  StoredObjectInfo,
  StreamPutOptions,
  StreamPutResult,
} from './object-store.js';

/** Read size of an object body stream. */
const READ_HIGH_WATER_MARK = 1024 * 1024;

/** Options of the embedded filesystem store. */
export interface FileSystemStoreOptions {
  /** `always`: every acknowledged write and delete is flushed to disk first; `never`: left to the page cache. Default `always`. */
  fsync?: FsyncMode;
}

/** Object store on a local directory. Safe for concurrent requests in one or several processes. */
export class FileSystemStore implements ObjectStore {
  readonly description: string;
  readonly #root: string;
  readonly #staging: string;
  #staged = false;
  readonly #listing = new TreeListing();
  /** When writes are flushed. */
  readonly fsync: FsyncMode;
  readonly #durability: DirectoryDurability;

  /**
   * @param dataDir the data directory (created if missing).
   * @param options durability; see FileSystemStoreOptions.
   */
  constructor(dataDir: string, options: FileSystemStoreOptions = {}) {
    this.#root = dataDir;
    this.#staging = join(dataDir, '.tmp');
    this.fsync = resolveFsyncMode('FileSystemStore: option fsync', options.fsync);
    this.#durability = new DirectoryDurability(this.fsync);
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

  #stagingFile(): string {
    return join(this.#staging, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  async headObject(bucket: string, key: string): Promise<StoredObjectInfo | undefined> {
    const dir = await this.#requireBucket(bucket);
    const found = await readHeader(objectPath(dir, key).file);
    return found && infoOf(found.header, found.mtime);
  }

  async getObject(bucket: string, key: string, range?: ByteRange): Promise<GetResult> {
    const dir = await this.#requireBucket(bucket);
    const file = objectPath(dir, key).file;
    // Open first, then read header and data from the same descriptor: a concurrent
    // overwrite (rename) cannot mix two versions.
    const fh = await openObjectFile(file);
    if (!fh) throw new NoSuchKeyError(key);
    try {
      const { header, offset, mtime } = await readHeaderFrom(fh, file);
      const start = offset + (range?.start ?? 0);
      const end = offset + (range ? range.end : header.size - 1);
      if (end < start) {
        await fh.close();
        return { info: infoOf(header, mtime), body: Readable.from([]) };
      }
      const body = createReadStream('', { fd: fh, start, end, autoClose: true, highWaterMark: READ_HIGH_WATER_MARK });
      return { info: infoOf(header, mtime), body };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async putObject(bucket: string, key: string, source: PutSource, options: PutOptions): Promise<{ etag: string }> {
    const dir = await this.#requireBucket(bucket);
    await this.#ensure();
    const target = objectPath(dir, key);
    const staged = this.#stagingFile();
    const header: ObjectHeader = { key, size: source.size, etag: '', metadata: options.metadata, contentType: options.contentType, headers: options.headers };
    try {
      // The ETag goes in the header, so hash first when the caller did not give it.
      header.etag = options.md5 ?? (await md5File(source.path));
      const json = Buffer.from(JSON.stringify(header), 'utf8');
      // One flush for the whole file, before anyone can see it under its name.
      await writeNewFile(staged, [createReadStream(source.path)], { prefix: Buffer.concat([headerFixed(json.length), json]), flush: this.fsync === 'always' });
      await this.#publish(staged, target, options.ifNoneMatch === true);
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
    const target = objectPath(dir, key);
    const staged = this.#stagingFile();
    const header: ObjectHeader = { key, size, etag: ''.padEnd(32, '0'), metadata: options.metadata, contentType: options.contentType, headers: options.headers };
    const first = Buffer.from(JSON.stringify(header), 'utf8');
    const room = first.length + LATE_METADATA_ROOM;
    const md5 = createHash('md5');
    let seen = 0;
    try {
      const out = createWriteStream(staged, { flags: 'wx' });
      out.write(headerFixed(room));
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
      await this.#publish(staged, target, options.ifNoneMatch === true);
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

  /** Publishes a staged file under its name, durably before it resolves. */
  async #publish(staged: string, target: ObjectPath, createOnly: boolean): Promise<void> {
    const created = await publishStaged(staged, target, createOnly, this.fsync === 'always');
    await this.#durability.syncPublished(target, created);
  }

  async deleteObject(bucket: string, key: string, options: IfMatchOptions = {}): Promise<void> {
    const dir = await this.#requireBucket(bucket);
    const target = objectPath(dir, key);
    if (options.ifMatch !== undefined) {
      // Checked just before the unlink: another process's rename landing in between
      // (microseconds) is the one case this cannot see.
      const found = await readHeader(target.file);
      if (!found) return;
      if (found.header.etag !== options.ifMatch) throw new PreconditionFailedError();
    }
    if (await unlinkObject(target)) await this.#durability.syncRemoved([target]);
    await this.#prune(target);
  }

  async deleteObjects(bucket: string, keys: string[]): Promise<{ errors: { key: string; error: Error }[] }> {
    const dir = await this.#requireBucket(bucket);
    const errors: { key: string; error: Error }[] = [];
    const removed: ObjectPath[] = [];
    for (const key of keys) {
      try {
        const target = objectPath(dir, key);
        if (await unlinkObject(target)) removed.push(target);
      } catch (error) {
        errors.push({ key, error: error as Error });
      }
    }
    // One flush per directory for the whole batch, before any of it is acknowledged.
    await this.#durability.syncRemoved(removed);
    for (const target of removed) await this.#prune(target);
    return { errors };
  }

  #prune(target: ObjectPath): Promise<void> {
    return pruneEmptyParents(target, (d) => this.#durability.forget(d));
  }

  async listObjects(bucket: string, options: ListOptions): Promise<ListPage> {
    const dir = await this.#requireBucket(bucket);
    return this.#listing.listPage(dir, options);
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
    if (await this.#listing.hasObjects(dir)) throw new BucketNotEmptyError(bucket);
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
