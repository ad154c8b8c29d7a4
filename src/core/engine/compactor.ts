/**
 * Deferred encoding's background worker: turns pending passthrough objects (`dg-pending`,
 * docs/STORAGE_FORMAT.md addendum) into what an inline PUT would have stored.
 *
 * The backend is the only record of pending work: a PUT of this process queues its key
 * at once (an accelerator), and a periodic scan (LIST, then HEAD of each passthrough
 * object not seen before) finds what other instances wrote or a stopped process left.
 * A compaction is idempotent: it re-reads the pending object, and its switch checks that
 * object's ETag before replacing it, so running it twice, or in two instances, stores the
 * same result once.
 */
import { LRUCache } from 'lru-cache';
import { mapLimit } from '../concurrency.js';
import { PendingSupersededError } from '../errors.js';
import { userKeyOf } from '../format/keys.js';
import { parseMetadata } from '../format/metadata.js';
import type { ObjectStore } from '../store/object-store.js';
import { DEFAULT_LIST_HEAD_CONCURRENCY, type EngineLogger } from './options.js';

/** Pause before looking again when requests are waiting for the codec (they go first). */
const YIELD_TO_REQUESTS_MS = 50;
/**
 * A compaction starts only once no PUT has run for this long: encodes then run in the gaps
 * between bursts of uploads instead of beside them (on 2 cores, an encode beside a stream of
 * PUTs halved their speed: bench/RESULTS.md section 8).
 */
export const WRITE_SETTLE_MS = 500;
/** ...unless the oldest pending object has waited this long: steady traffic cannot starve compaction. */
export const MAX_DEFER_MS = 30_000;
/** Pause before retrying an object whose compaction failed (a backend outage, a busy codec). */
const RETRY_AFTER_FAILURE_MS = 5_000;
/** Objects the scan remembers as not pending (by backend ETag), so later scans skip their HEAD. */
const SEEN_NOT_PENDING_MAX = 100_000;

/** What one compaction did. */
export interface CompactionOutcome {
  /** `compacted`: stored as a delta (or compressed); `passthrough`: kept as is, marker cleared; `superseded`: a newer write stood; `not-pending`: nothing to do. */
  result: 'compacted' | 'passthrough' | 'superseded' | 'not-pending';
  /** Original bytes. */
  size?: number;
  /** Bytes stored after the compaction. */
  storedSize?: number;
}

/** What the compactor needs from the engine. */
export interface CompactorContext {
  store: ObjectStore;
  logger: EngineLogger;
  /** Objects compacted at once (0: none in this process). */
  concurrency: number;
  /** Ms between backend scans (0: only the first). */
  scanIntervalMs: number;
  /** Requests waiting for a codec slot: nothing new starts while any wait. */
  codecWaiting(): number;
  /** Ms since the last PUT ended (0 while one runs): compactions wait for WRITE_SETTLE_MS of quiet. */
  writesIdleMs(): number;
  /**
   * Can an object of this key and size hold a pending marker at all? The scan HEADs only
   * those (a LIST shows no metadata): with inline encoding, a bucket of passthrough objects
   * costs no HEAD per object at start. Default: every object.
   */
  mayBePending?(bucket: string, key: string, size: number): boolean;
  /** Compacts one user key if it holds a pending object. */
  compactObject(bucket: string, key: string, signal: AbortSignal): Promise<CompactionOutcome>;
}

/** Queue and throughput figures for /metrics, /_/stats and the UI. */
export interface CompactorStats {
  /** Pending objects known and not yet being compacted. */
  queued: number;
  /** Compactions in progress. */
  running: number;
  /** Original bytes of the queued and running objects. */
  bytesPending: number;
  /** Age (ms) of the oldest known pending object: how far the compactor lags. */
  lagMs: number;
  /** Compactions finished since start (any result but not-pending). */
  completed: number;
  /** Original minus stored bytes over the compactions that stored a delta. */
  bytesSaved: number;
  /** Compactions that failed (retried later). */
  failures: number;
}

interface Job {
  bucket: string;
  key: string;
  size: number;
  /** When the object was written (ms since epoch): the lag counts from here. */
  since: number;
  /** Do not start before (ms since epoch): a retry's back-off. */
  notBefore: number;
}

/**
 * The background compactor of one engine.
 *
 * @example
 * const compactor = new Compactor(context);
 * compactor.start();
 * compactor.enqueue('builds', 'releases/v2.zip', size);
 * await compactor.stop(30_000); // SIGTERM: finish within the grace period, or leave the rest pending
 */
export class Compactor {
  readonly #ctx: CompactorContext;
  readonly #queue = new Map<string, Job>();
  readonly #running = new Map<string, { job: Job; abort: AbortController; done: Promise<void> }>();
  readonly #seen = new LRUCache<string, true>({ max: SEEN_NOT_PENDING_MAX });
  readonly #idle = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;
  #wake: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #started = false;
  #stopped = false;
  #completed = 0;
  #bytesSaved = 0;
  #failures = 0;

  constructor(context: CompactorContext) {
    this.#ctx = context;
  }

  /** Starts the scans (the first at once) and the workers. A compactor with concurrency 0 never starts. */
  start(): void {
    if (this.#started || this.#stopped || this.#ctx.concurrency === 0) return;
    this.#started = true;
    void this.scan();
    if (this.#ctx.scanIntervalMs > 0) {
      this.#timer = setInterval(() => void this.scan(), this.#ctx.scanIntervalMs);
      this.#timer.unref();
    }
  }

  /** Queues a key this process just stored as pending. */
  enqueue(bucket: string, key: string, size: number, since = Date.now()): void {
    const id = `${bucket}\0${key}`;
    const queued = this.#queue.get(id);
    if (queued) {
      queued.size = size;
      return;
    }
    this.#queue.set(id, { bucket, key, size, since, notBefore: 0 });
    // A key being compacted now may have been overwritten: the requeue runs after it.
    this.#pump();
  }

  /** Lists every bucket for pending objects not queued yet (one scan at a time). */
  scan(): Promise<void> {
    this.#scanning ??= this.#scanOnce().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  async #scanOnce(): Promise<void> {
    try {
      for (const { name: bucket } of await this.#ctx.store.listBuckets()) {
        let after: string | undefined;
        for (;;) {
          if (this.#stopped) return;
          const page = await this.#ctx.store.listObjects(bucket, { startAfter: after, maxKeys: 1000 });
          const candidates = page.objects.filter((o) => {
            const id = `${bucket}\0${o.key}`;
            if (userKeyOf(o.key) !== o.key || this.#queue.has(id) || this.#running.has(id) || this.#seen.has(`${id}\0${o.etag}`)) return false;
            return this.#ctx.mayBePending?.(bucket, o.key, o.size) ?? true;
          });
          await mapLimit(candidates, DEFAULT_LIST_HEAD_CONCURRENCY, async (o) => {
            const stored = await this.#ctx.store.headObject(bucket, o.key);
            if (!stored) return;
            if (parseMetadata(stored.metadata).pending !== undefined) this.enqueue(bucket, o.key, stored.size, stored.lastModified.getTime());
            else this.#seen.set(`${bucket}\0${o.key}\0${stored.etag}`, true);
          });
          if (!page.isTruncated) break;
          after = page.nextStartAfter;
        }
      }
    } catch (err) {
      this.#ctx.logger.warn({ err: (err as Error).message }, 'compactor: scan for pending objects failed; the next scan retries');
    }
  }

  #pump(): void {
    if (!this.#started || this.#stopped) return;
    while (this.#running.size < this.#ctx.concurrency && this.#queue.size > 0) {
      if (this.#ctx.codecWaiting() > 0) return this.#wakeIn(YIELD_TO_REQUESTS_MS);
      const now = Date.now();
      const idle = this.#ctx.writesIdleMs();
      if (idle < WRITE_SETTLE_MS && now - this.#oldestQueued() < MAX_DEFER_MS) return this.#wakeIn(Math.max(YIELD_TO_REQUESTS_MS, WRITE_SETTLE_MS - idle));
      // Oldest first: the lag is bounded, and what waited past MAX_DEFER_MS is what starts.
      let next: [string, Job] | undefined;
      for (const entry of this.#queue) {
        if (entry[1].notBefore <= now && !this.#running.has(entry[0]) && (!next || entry[1].since < next[1].since)) next = entry;
      }
      if (!next) return this.#wakeIn(YIELD_TO_REQUESTS_MS);
      const [id, job] = next;
      this.#queue.delete(id);
      const abort = new AbortController();
      const done = this.#run(job, abort.signal).finally(() => {
        this.#running.delete(id);
        this.#pump();
        this.#notifyIdle();
      });
      this.#running.set(id, { job, abort, done });
    }
    this.#notifyIdle();
  }

  #oldestQueued(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const job of this.#queue.values()) oldest = Math.min(oldest, job.since);
    return oldest;
  }

  #wakeIn(ms: number): void {
    if (this.#wake) return;
    // Not unref'd: queued work keeps the process alive until it is done or stop() is called.
    this.#wake = setTimeout(() => {
      this.#wake = undefined;
      this.#pump();
    }, ms);
  }

  async #run(job: Job, signal: AbortSignal): Promise<void> {
    try {
      const outcome = await this.#ctx.compactObject(job.bucket, job.key, signal);
      if (outcome.result === 'not-pending') return;
      this.#completed++;
      if (outcome.result === 'compacted' && outcome.size !== undefined && outcome.storedSize !== undefined) this.#bytesSaved += Math.max(0, outcome.size - outcome.storedSize);
      this.#ctx.logger.debug({ bucket: job.bucket, key: job.key, result: outcome.result, size: outcome.size, stored: outcome.storedSize, lagMs: Date.now() - job.since }, 'compacted');
    } catch (err) {
      if (err instanceof PendingSupersededError) {
        this.#completed++;
        return;
      }
      if (signal.aborted) return; // shutting down: the object stays pending on the backend
      this.#failures++;
      this.#ctx.logger.warn({ bucket: job.bucket, key: job.key, err: (err as Error).message }, 'compactor: compaction failed; retrying later');
      const id = `${job.bucket}\0${job.key}`;
      if (!this.#queue.has(id)) this.#queue.set(id, { ...job, notBefore: Date.now() + RETRY_AFTER_FAILURE_MS });
    }
  }

  #notifyIdle(): void {
    if (this.#queue.size > 0 || this.#running.size > 0) return;
    for (const resolve of this.#idle) resolve();
    this.#idle.clear();
  }

  /** Resolves once nothing is queued or running (tests, benchmarks). */
  drained(): Promise<void> {
    if (this.#queue.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /**
   * Stops: nothing new starts; compactions in progress get `graceMs` to finish, then
   * are aborted. Whatever did not finish stays pending on the backend for the next start.
   */
  async stop(graceMs = 0): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#wake) clearTimeout(this.#wake);
    const running = [...this.#running.values()];
    if (running.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled(running.map((r) => r.done)), timeout]);
      clearTimeout(timer);
      for (const r of this.#running.values()) r.abort.abort();
      await Promise.allSettled([...this.#running.values()].map((r) => r.done));
    }
    await this.#scanning?.catch(() => undefined);
  }

  stats(): CompactorStats {
    let bytesPending = 0;
    let oldest = Number.POSITIVE_INFINITY;
    for (const job of this.#queue.values()) {
      bytesPending += job.size;
      oldest = Math.min(oldest, job.since);
    }
    for (const { job } of this.#running.values()) {
      bytesPending += job.size;
      oldest = Math.min(oldest, job.since);
    }
    return {
      queued: this.#queue.size,
      running: this.#running.size,
      bytesPending,
      lagMs: Number.isFinite(oldest) ? Math.max(0, Date.now() - oldest) : 0,
      completed: this.#completed,
      bytesSaved: this.#bytesSaved,
      failures: this.#failures,
    };
  }
}
