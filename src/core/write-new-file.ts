/**
 * Writes a stream to a file that must not exist yet, optionally flushed to disk once, when
 * complete (one fdatasync per file, never per chunk).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Options of writeNewFile. */
export interface WriteNewFileOptions {
  /** Bytes written before the body (the store's object header). */
  prefix?: Buffer;
  /** fdatasync before resolving. Default false. */
  flush?: boolean;
  signal?: AbortSignal;
}

/**
 * A sink that writes to the handle and never closes it. Streams made by createWriteStream
 * close their descriptor when a pipeline destroys them on error even with autoClose off,
 * so the caller's own close would then close a descriptor number someone else may already
 * have been given.
 */
function handleSink(fh: FileHandle): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      void (async () => {
        for (let done = 0; done < chunk.length; ) done += (await fh.write(chunk, done, chunk.length - done)).bytesWritten;
      })().then(() => cb(), cb);
    },
  });
}

/** Pipes `stages` (a source, then transforms) into a new file at `path` (created exclusively). */
export async function writeNewFile(path: string, stages: (Readable | NodeJS.ReadWriteStream)[], options: WriteNewFileOptions = {}): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    if (options.prefix) await fh.write(options.prefix);
    await pipeline([...stages, handleSink(fh)], { signal: options.signal });
    if (options.flush) await fh.datasync();
  } finally {
    // Waits for any write still in flight: a FileHandle closes after its pending operations.
    await fh.close();
  }
}
