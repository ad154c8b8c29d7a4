/**
 * Flushing to stable storage: what makes a 200 from the embedded store mean the bytes
 * survive a power loss or kernel crash, not only a process crash.
 *
 * A file is flushed once, when it is complete (fdatasync: the data and the size needed
 * to read it back), never per write chunk; a directory is flushed (fsync) after an entry
 * in it was created, renamed in or removed, because the entry lives in the directory,
 * not in the file.
 */
import { open } from 'node:fs/promises';

/** When the embedded store and local spools flush: `always` before acknowledging, or `never` (the page cache decides). */
export type FsyncMode = 'always' | 'never';

/** Every accepted FsyncMode, in the order documentation lists them. */
export const FSYNC_MODES: readonly FsyncMode[] = ['always', 'never'];

/** Writes are durable before they are acknowledged unless the operator trades that away. */
export const DEFAULT_FSYNC_MODE: FsyncMode = 'always';

/** True for a valid FsyncMode. */
export function isFsyncMode(value: unknown): value is FsyncMode {
  return typeof value === 'string' && (FSYNC_MODES as readonly string[]).includes(value);
}

/** Validates an fsync option eagerly; `owner` names the option in the message. */
export function resolveFsyncMode(owner: string, value: unknown): FsyncMode {
  if (value === undefined) return DEFAULT_FSYNC_MODE;
  if (!isFsyncMode(value)) throw new TypeError(`${owner} must be one of ${FSYNC_MODES.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

/** Flushes a directory, so the entries created, renamed in or removed there survive a crash. */
export async function syncDirectory(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
