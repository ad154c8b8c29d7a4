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
import type { CodecLevel } from '../codec-level.js';

/** Idle workers exit after this long, so a quiet process gives their memory back. */
export const DEFAULT_WORKER_IDLE_MS = 30_000;

/**
 * How long an aborted job may take to stop at its next window (an encode or
 * decode checks its signal once per window) before its worker is terminated
 * after all. Terminating a busy worker is the one case that can still end an
 * isolate mid-task (see release-memory.ts), so it is the last resort for a
 * worker that stopped answering, not the way to abort.
 */
export const ABORT_GRACE_MS = 30_000;

/**
 * A job for the worker: file paths in, a small result out. `slabBytes` (tests,
 * stress runs) overrides DEFAULT_SLAB_BYTES, to exercise sliced references with
 * small files.
 */
export type CodecJob =
  | { op: 'encode'; referencePath: string; targetPath: string; deltaPath: string; maxOutputBytes?: number; slabBytes?: number; level?: CodecLevel }
  | { op: 'decode'; referencePath: string; deltaPath: string; outPath: string; maxOutputBytes?: number; slabBytes?: number };

/** Control messages to a worker: stop the running job, or end now that it is idle. */
export type CodecControl = { op: 'abort' } | { op: 'exit' };

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
  if (!import.meta.url.endsWith('.ts')) return newWorker(new URL('./codec-worker.js', import.meta.url));
  builtWorker ??= freshBuild() ?? false;
  return newWorker(builtWorker || new URL('./codec-worker.ts', import.meta.url));
}

/**
 * A worker inheriting the process's Node options, except those about its main script.
 * Options given explicitly are checked by Node, which refuses the per-process ones it
 * ignores when inherited (`--openssl-legacy-provider`, V8 flags): those it names are left out.
 */
function newWorker(url: URL): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  if (execArgv.length === process.execArgv.length) return new Worker(url);
  try {
    return new Worker(url, { execArgv });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    const refused = new Set((/flags: (.*)$/.exec((err as Error).message)?.[1] ?? '').split(/,\s*/));
    return new Worker(url, { execArgv: execArgv.filter((a) => !refused.has(a)) });
  }
}

/**
 * The process's Node options minus those that describe its own main script: a worker
 * started from a file with `--input-type` inherited dies at once ("--input-type can only
 * be used with string input"), which took every encode of an app run as
 * `node --input-type=module -` (a heredoc, a REPL pipe) down with CodecFailed.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) out.push(arg);
  }
  return out;
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
 * busy (ref'd, so a pending job keeps the process alive), unref'd when idle.
 * Workers are long-lived: a job's large buffers are collected inside the worker
 * (release-memory.ts), and a worker idle for `idleMs` is asked to exit and ends
 * by itself; the next job starts a new one. No worker is terminated mid-job: an
 * aborted job is told to stop and its worker is kept (ABORT_GRACE_MS is the
 * last resort).
 */
export class CodecWorkerPool {
  readonly #idle: Slot[] = [];
  readonly #waiters: ((slot: Slot) => void)[] = [];
  readonly #exiting = new Set<Promise<void>>();
  #count = 0;
  #started = 0;
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

  /** Workers started since the pool was made (tests and stress runs watch churn with it). */
  get started(): number {
    return this.#started;
  }

  /** Runs one job; rejects with the codec's own error classes. */
  async run<T>(job: CodecJob, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const slot = await this.#acquire();
    if (signal?.aborted) {
      this.#release(slot);
      throw abortReason(signal);
    }
    return new Promise<T>((resolve, reject) => {
      const { worker } = slot;
      let done = false;
      let aborted: Error | undefined;
      let grace: NodeJS.Timeout | undefined;
      const finish = (fn: () => void, alive: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(grace);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        if (alive) this.#release(slot);
        else this.#lost();
        fn();
      };
      // The answer to an aborted job (its abort error, or a result that beat the
      // abort) means the worker is free again; the caller gets the abort reason.
      const onMessage = (msg: { ok: true; result: T } | { ok: false; error: SerializedError }): void => {
        if (aborted) finish(() => reject(aborted), true);
        else if (msg.ok) finish(() => resolve(msg.result), true);
        else finish(() => reject(reviveError(msg.error)), true);
      };
      const onError = (err: Error): void => finish(() => reject(aborted ?? new CodecFailedError(`TypeScript codec worker crashed: ${err.message}`, { cause: err })), false);
      const onExit = (code: number): void => finish(() => reject(aborted ?? new CodecFailedError(`TypeScript codec worker exited (code ${code})`)), false);
      const onAbort = (): void => {
        aborted = abortReason(signal!);
        worker.postMessage({ op: 'abort' } satisfies CodecControl);
        grace = setTimeout(() => void worker.terminate(), ABORT_GRACE_MS);
        grace.unref();
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(job);
    });
  }

  /** Asks every idle worker to exit and waits until they have (tests, shutdown). Later jobs start new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const slot of this.#idle.splice(0)) {
      // Keeps the process up until the worker is gone, as the caller awaits that.
      slot.worker.ref();
      this.#retire(slot);
    }
    await Promise.all(this.#exiting);
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
    if (this.#closed) return this.#retire(slot);
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      const i = this.#idle.indexOf(slot);
      if (i >= 0) {
        this.#idle.splice(i, 1);
        this.#retire(slot);
      }
    }, this.idleMs);
    slot.idleTimer.unref();
    this.#idle.push(slot);
  }

  /** An idle worker leaves by its own exit (codec-worker.ts), never terminate(). */
  #retire(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    this.#count--;
    const gone = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
    this.#exiting.add(gone);
    void gone.then(() => this.#exiting.delete(gone));
    slot.worker.postMessage({ op: 'exit' } satisfies CodecControl);
  }

  /** A busy worker died (crash, or the abort grace ran out): someone waiting gets a fresh one. */
  #lost(): void {
    this.#count--;
    const next = this.#waiters.shift();
    if (next) next(this.#spawn());
  }

  #spawn(): Slot {
    this.#count++;
    this.#started++;
    const slot: Slot = { worker: startWorker() };
    // A worker that dies while idle is forgotten (run() listens while busy).
    slot.worker.on('error', () => undefined);
    slot.worker.on('exit', () => {
      const i = this.#idle.indexOf(slot);
      if (i < 0) return;
      this.#idle.splice(i, 1);
      clearTimeout(slot.idleTimer);
      this.#count--;
    });
    return slot;
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

let shared: CodecWorkerPool | undefined;

/** The process-wide pool the TypeScript codec uses by default. */
export function sharedCodecWorkerPool(): CodecWorkerPool {
  shared ??= new CodecWorkerPool();
  return shared;
}
