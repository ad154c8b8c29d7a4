import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { CodecFailedError } from '../../errors.js';

/** Finds an executable `xdelta3` on PATH, or undefined. */
export async function findXdelta3(pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'xdelta3');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Decodes with the xdelta3 binary, for the extensions this package does not
 * implement (DJW/FGK secondary compression, external compression).
 * `externalCompression` must be true only when the delta's application header
 * says so: otherwise `-D` is passed, because xdelta3 -d would gunzip a gzip
 * reference on its own and then fail the checksum of a delta made with -D.
 */
export async function decodeWithXdelta3(
  binary: string,
  referencePath: string,
  deltaPath: string,
  outPath: string,
  externalCompression: boolean,
  signal?: AbortSignal,
): Promise<void> {
  const args = ['-d', '-f', ...(externalCompression ? [] : ['-D']), '-s', referencePath, deltaPath, outPath];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(binary, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new CodecFailedError(`xdelta3 -d exited with ${code}: ${stderr.trim()}`));
    });
  });
}
