/**
 * Temp-file spooling. Every body the engine handles goes to disk while its
 * SHA-256 and MD5 are computed, so memory stays bounded whatever the size.
 *
 * Each process works in its own directory `<root>/<pid>-<random>`; at start-up,
 * directories of dead processes are removed, so a SIGKILLed proxy leaves no
 * orphans that grow without bound.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { BadDigestError, EntityTooLargeError, IncompleteBodyError } from './errors.js';
import { writeNewFile } from './write-new-file.js';

/** A spooled body on local disk. */
export interface Spool {
  path: string;
  size: number;
  sha256: string;
  md5: string;
}

export interface SpoolOptions {
  /** Expected byte count: a shorter or longer body fails with IncompleteBody-style error. */
  expectedSize?: number;
  /** Hard cap on size. */
  maxSize?: number;
  /** Base64 MD5 the body must have. */
  contentMd5?: string;
  signal?: AbortSignal;
  /** Flush the file to disk (once, when complete) before resolving: its bytes are acknowledged as stored. Default false. */
  flush?: boolean;
  /** Digests the body stream verifies itself (see KnownDigests): not computed again. */
  known?: KnownDigests;
  /** Skip the SHA-256 (the spool's `sha256` is then empty): a multipart part needs only its MD5. */
  withoutSha256?: boolean;
}

/**
 * Hex digests of a body that its own stream verifies, erroring before its end on a
 * mismatch (the S3 layer checks a signed x-amz-content-sha256 and Content-MD5 that way).
 * Hashing the same bytes twice is most of a passthrough PUT's CPU: MD5 and SHA-256 over
 * 500 MB took 1.8 s of a 4.7 s busy proxy in the c8 passthrough bench.
 */
export interface KnownDigests {
  sha256?: string;
  md5?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process-private temp directory with unique file names. */
export class TempDir {
  readonly path: string;
  #counter = 0;

  /** @param root parent directory; defaults to `$TMPDIR/deltaglider`. */
  constructor(root = join(tmpdir(), 'deltaglider')) {
    mkdirSync(root, { recursive: true });
    TempDir.sweep(root);
    this.path = join(root, `${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
  }

  /** Removes the directories of processes that no longer run. */
  static sweep(root: string): void {
    for (const name of readdirSync(root)) {
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) {
        rmSync(join(root, name), { recursive: true, force: true });
      }
    }
  }

  /** A fresh path inside the directory (nothing is created). */
  file(label = 'tmp'): string {
    return join(this.path, `${(this.#counter++).toString(36)}-${randomBytes(4).toString('hex')}-${label}`);
  }

  /** Makes a fresh sub-directory (for multipart parts). */
  dir(label: string): string {
    const p = this.file(label);
    mkdirSync(p, { recursive: true });
    return p;
  }

  /** Removes everything (at shutdown). */
  dispose(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Removes a temp file, ignoring "already gone". */
export async function removeQuietly(path: string | undefined): Promise<void> {
  if (path) await rm(path, { force: true, recursive: true }).catch(() => undefined);
}

/** Hashes and counts whatever passes through; enforces size limits on the way. */
export class HashingCounter extends Transform {
  readonly #sha: Hash | undefined;
  readonly #md5: Hash | undefined;
  readonly #known: KnownDigests;
  size = 0;
  /** `known` digests are taken as given (their stream verifies them); `withSha256` false leaves `sha256` empty. */
  constructor(
    private readonly maxSize = Infinity,
    known: KnownDigests = {},
    withSha256 = true,
  ) {
    super();
    this.#known = known;
    this.#sha = known.sha256 === undefined && withSha256 ? createHash('sha256') : undefined;
    this.#md5 = known.md5 === undefined ? createHash('md5') : undefined;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.size += chunk.length;
    if (this.size > this.maxSize) return cb(new EntityTooLargeError(this.size, this.maxSize));
    this.#sha?.update(chunk);
    this.#md5?.update(chunk);
    cb(null, chunk);
  }
  digests(): { sha256: string; md5: string } {
    return {
      sha256: this.#known.sha256 ?? this.#sha?.digest('hex') ?? '',
      md5: this.#known.md5 ?? (this.#md5 as Hash).digest('hex'),
    };
  }
}

/** Writes a stream to a fresh temp file, hashing it. The file is removed on failure. */
export async function spoolToFile(body: Readable, temp: TempDir, options: SpoolOptions = {}): Promise<Spool> {
  const path = temp.file('spool');
  const counter = new HashingCounter(options.maxSize, options.known, !options.withoutSha256);
  try {
    await writeNewFile(path, [body, counter], { flush: options.flush, signal: options.signal });
    const { sha256, md5 } = counter.digests();
    if (options.expectedSize !== undefined && counter.size !== options.expectedSize) {
      throw new IncompleteBodyError(options.expectedSize, counter.size);
    }
    if (options.contentMd5 !== undefined && Buffer.from(md5, 'hex').toString('base64') !== options.contentMd5) {
      throw new BadDigestError();
    }
    return { path, size: counter.size, sha256, md5 };
  } catch (err) {
    await removeQuietly(path);
    throw err;
  }
}
