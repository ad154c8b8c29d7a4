/**
 * Runs TypeScript codec jobs on worker threads. Encoding a 30 MB release takes
 * about a second of CPU: on the main thread that second would stall every other
 * request of a proxy or an application. Workers also let encodes use more than
 * one core.
 */
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CodecFailedError, CodecUnavailableError, DeltaTooLargeError, IntegrityError } from '../../errors.js';

/** Idle workers exit after this long, so a quiet process gives their memory back. */
export const DEFAULT_WORKER_IDLE_MS = 30_000;

/** A job for the worker: file paths in, a small result out. */
export type CodecJob =
  | { op: 'encode'; referencePath: string; targetPath: string; deltaPath: string; maxOutputBytes?: number }
  | { op: 'decode'; referencePath: string; deltaPath: string; outPath: string; maxOutputBytes?: number };

/** An error as it crosses the thread boundary (classes do not survive structured clone). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  limit?: number;
}

/** Turns a worker's serialized error back into the class the engine expects. */
export function reviveError(e: SerializedError): Error {
  switch (e.code) {
    case 'DeltaTooLarge':
      return new DeltaTooLargeError(e.limit ?? 0);
    case 'CodecFailed':
      return new CodecFailedError(e.message);
    case 'IntegrityError':
      return new IntegrityError(e.message);
    case 'CodecUnavailable':
      return new CodecUnavailableError(e.message);
    default: {
      const err = new Error(e.message) as Error & { code?: string };
      err.name = e.name;
      if (e.code) err.code = e.code;
      return err;
    }
  }
}

/** Flattens any thrown value for postMessage. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const { code, limit } = err as Error & { code?: unknown; limit?: unknown };
    return {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof limit === 'number' ? { limit } : {}),
    };
  }
  return { name: 'Error', message: String(err) };
}

interface Slot {
  worker: Worker;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Starts a worker on the script next to this module. Built (`.js`), that is the
 * only choice. From source (`.ts`: tests and benches under a TypeScript loader,
 * which workers inherit through `execArgv`), the worker would load the TypeScript
 * compiler again, seconds per worker: the build of the same sources is used
 * instead when it is at least as new as every codec source file.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./codec-worker.js', import.meta.url));
  builtWorker ??= freshBuild() ?? false;
  return new Worker(builtWorker || new URL('./codec-worker.ts', import.meta.url));
}

let builtWorker: URL | false | undefined;

/** `dist/.../codec-worker.js` when it exists and no source it is built from is newer. */
function freshBuild(): URL | undefined {
  const here = fileURLToPath(import.meta.url);
  const marker = `${sep}src${sep}`;
  const at = here.lastIndexOf(marker);
  if (at < 0) return undefined;
  const srcRoot = here.slice(0, at + marker.length);
  const built = join(here.slice(0, at), 'dist', dirname(here.slice(at + marker.length)), 'codec-worker.js');
  try {
    const builtAt = statSync(built).mtimeMs;
    const sources = [join(srcRoot, 'core', 'errors.ts'), ...listTs(join(srcRoot, 'core', 'codec'))];
    return sources.every((f) => statSync(f).mtimeMs <= builtAt) ? pathToFileURL(built) : undefined;
  } catch {
    return undefined;
  }
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * A small pool of codec workers: started on demand up to `maxWorkers`, kept while
 * busy (ref'd, so a pending job keeps the process alive), unref'd and stopped
 * after `idleMs` of idleness. An aborted job terminates its worker: a codec loop
 * cannot be interrupted any other way.
 */
export class CodecWorkerPool {
  readonly #idle: Slot[] = [];
  readonly #waiters: ((slot: Slot) => void)[] = [];
  #count = 0;
  #closed = false;

  constructor(
    readonly maxWorkers = availableParallelism(),
    readonly idleMs = DEFAULT_WORKER_IDLE_MS,
  ) {
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1) throw new RangeError(`maxWorkers must be a positive integer, got ${maxWorkers}`);
  }

  /** Workers alive now (busy or idle). */
  get size(): number {
    return this.#count;
  }

  /** Runs one job; rejects with the codec's own error classes. */
  async run<T>(job: CodecJob, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const slot = await this.#acquire();
    return new Promise<T>((resolve, reject) => {
      const { worker } = slot;
      let done = false;
      const finish = (fn: () => void, keep: boolean): void => {
        if (done) return;
        done = true;
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        if (keep) this.#release(slot);
        else this.#discard(slot);
        fn();
      };
      // A worker that asks to retire (it ran a job over a large reference) is replaced by a fresh one when needed.
      const onMessage = (msg: ({ ok: true; result: T } | { ok: false; error: SerializedError }) & { retire?: boolean }): void => {
        if (msg.ok) finish(() => resolve(msg.result), !msg.retire);
        else finish(() => reject(reviveError(msg.error)), !msg.retire);
      };
      const onError = (err: Error): void => finish(() => reject(new CodecFailedError(`TypeScript codec worker crashed: ${err.message}`, { cause: err })), false);
      const onExit = (code: number): void => finish(() => reject(new CodecFailedError(`TypeScript codec worker exited (code ${code})`)), false);
      const onAbort = (): void => {
        void worker.terminate();
        finish(() => reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted')), false);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(job);
    });
  }

  /** Stops every worker (tests, shutdown). Later jobs start new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    const idle = this.#idle.splice(0);
    this.#count -= idle.length;
    await Promise.all(idle.map((s) => (clearTimeout(s.idleTimer), s.worker.terminate())));
    this.#closed = false;
  }

  async #acquire(): Promise<Slot> {
    const slot = this.#idle.pop();
    if (slot) {
      clearTimeout(slot.idleTimer);
      slot.worker.ref();
      return slot;
    }
    if (this.#count < this.maxWorkers) return this.#spawn();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(slot: Slot): void {
    const next = this.#waiters.shift();
    if (next) return next(slot);
    if (this.#closed) {
      this.#discard(slot);
      return;
    }
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      const i = this.#idle.indexOf(slot);
      if (i >= 0) {
        this.#idle.splice(i, 1);
        this.#discard(slot);
      }
    }, this.idleMs);
    slot.idleTimer.unref();
    this.#idle.push(slot);
  }

  #discard(slot: Slot): void {
    this.#count--;
    void slot.worker.terminate();
    // Someone waiting for a worker gets a fresh one.
    const next = this.#waiters.shift();
    if (next) next(this.#spawn());
  }

  #spawn(): Slot {
    this.#count++;
    const worker = startWorker();
    // A worker that dies while idle is simply forgotten (run() listens while busy).
    worker.on('error', () => undefined);
    return { worker };
  }
}

let shared: CodecWorkerPool | undefined;

/** The process-wide pool the TypeScript codec uses by default. */
export function sharedCodecWorkerPool(): CodecWorkerPool {
  shared ??= new CodecWorkerPool();
  return shared;
}
