/**
 * Placing object files in the tree and taking them out: publishing a staged file under
 * its name (making its directories), unlinking, and pruning the directories left empty.
 */
import { link, mkdir, readdir, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PreconditionFailedError } from '../../errors.js';
import { isMissing } from './object-file.js';
import { SEGMENT_FILE, type ObjectPath } from './object-path.js';

/** Retries when concurrent deletes keep pruning the directories a write needs. */
const MAX_PUBLISH_ATTEMPTS = 50;

/**
 * Publishes the staged file (rename, or link when `createOnly`); returns the first
 * directory it had to create, if any. `flush` flushes the segment files it writes.
 */
export async function publishStaged(staged: string, target: ObjectPath, createOnly: boolean, flush: boolean): Promise<string | undefined> {
  let created: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const made = await makeDirs(target, flush);
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

async function makeDirs(target: ObjectPath, flush: boolean): Promise<string | undefined> {
  const created = await mkdir(target.dir, { recursive: true });
  // Hashed (overlong) directory names keep their real segment beside them for listings.
  let d = target.bucketDir;
  for (let i = 0; i < target.dirs.length; i++) {
    d = join(d, target.dirs[i] as string);
    if (target.dirs[i]?.startsWith('~')) await writeFile(join(d, SEGMENT_FILE), target.segments[i] as string, { flush });
  }
  return created;
}

/** Removes the object's file; false when it was not there. */
export async function unlinkObject(target: ObjectPath): Promise<boolean> {
  try {
    await unlink(target.file);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/**
 * Prunes empty parents so listings stay fast; a concurrent put retries its mkdir. Not
 * flushed: a prune lost in a crash leaves an empty directory, which reads as nothing.
 * `removed` hears of each directory taken out.
 */
export async function pruneEmptyParents(target: ObjectPath, removed: (dir: string) => void): Promise<void> {
  let d = target.dir;
  for (let i = target.dirs.length; i > 0; i--) {
    try {
      const left = await readdir(d);
      if (left.some((n) => n !== SEGMENT_FILE)) break;
      if (left.length > 0) await rm(join(d, SEGMENT_FILE), { force: true });
      await rmdir(d);
      removed(d);
    } catch {
      break;
    }
    d = join(d, '..');
  }
}
