/**
 * Applies the lifecycle rules deltaglider keeps: a background sweep over every bucket
 * with a configuration, expiring user objects through the engine (so a reference goes
 * only when no delta needs it) and aborting stale multipart uploads.
 */
import type { ExpireObjectInput } from '../engine/expire-object.js';
import { listAllObjects, type ObjectLister } from '../engine/list-all-objects.js';
import type { MultipartUploadInfo } from '../engine/types.js';
import type { BucketInfo } from '../store/object-store.js';
import { isExpired, MS_PER_DAY } from './expiry.js';
import type { StoredLifecycleConfiguration } from './lifecycle-configuration-store.js';
import { expiringRules, type LifecycleRule } from './lifecycle-rule.js';
import { NoSuchLifecycleConfigurationError } from '../errors.js';

/** Default time between sweeps: an hour (S3 itself applies rules about once a day). */
export const DEFAULT_LIFECYCLE_SWEEP_INTERVAL_MS = 3_600_000;

/** What the sweeper needs of the engine (the engine itself satisfies it). */
export interface LifecycleTarget extends ObjectLister {
  listBuckets(): Promise<BucketInfo[]>;
  getBucketLifecycle(bucket: string): Promise<StoredLifecycleConfiguration>;
  expireObject(input: ExpireObjectInput): Promise<boolean>;
  multipart: {
    listUploads(bucket: string, options?: { prefix?: string }): MultipartUploadInfo[];
    abort(bucket: string, key: string, uploadId: string): Promise<void>;
  };
}

/** pino-compatible logger subset. */
export interface LifecycleLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface LifecycleSweeperOptions {
  /** Time between the end of one sweep and the start of the next. Default an hour. */
  intervalMs?: number;
  /**
   * Length of a lifecycle day. Default 86,400,000 (a real day, with S3's rounding to
   * midnight UTC). Shorter for tests, like RGW's `rgw lc debug interval`.
   */
  dayMs?: number;
  /** The clock (ms since epoch). Default Date.now; tests move it forward. */
  now?: () => number;
  /** Where sweep results and failures are logged. Default none. */
  logger?: LifecycleLogger;
}

/** What one sweep did. */
export interface SweepResult {
  /** User objects expired (deleted). */
  expired: number;
  /** Multipart uploads aborted. */
  aborted: number;
  /** Buckets whose sweep failed (logged; retried at the next sweep). */
  failed: number;
}

/**
 * Runs lifecycle sweeps, on a timer (start/stop) or on demand (sweep). Several instances
 * over one backend may sweep at once: every expiry re-checks the object first and deletes
 * are idempotent, so they only repeat each other's work.
 *
 * @example
 * const sweeper = new LifecycleSweeper(engine, { intervalMs: 600_000 });
 * sweeper.start();
 * // at shutdown
 * await sweeper.stop();
 */
export class LifecycleSweeper {
  readonly intervalMs: number;
  readonly dayMs: number;
  readonly #now: () => number;
  readonly #logger?: LifecycleLogger;
  #timer?: NodeJS.Timeout;
  #running?: Promise<SweepResult>;
  #stopped = true;

  constructor(private readonly target: LifecycleTarget, options: LifecycleSweeperOptions = {}) {
    const { intervalMs = DEFAULT_LIFECYCLE_SWEEP_INTERVAL_MS, dayMs = MS_PER_DAY, now = Date.now, logger } = options;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new TypeError(`LifecycleSweeper: intervalMs must be a positive number, got ${intervalMs}`);
    if (!Number.isFinite(dayMs) || dayMs <= 0) throw new TypeError(`LifecycleSweeper: dayMs must be a positive number, got ${dayMs}`);
    this.intervalMs = intervalMs;
    this.dayMs = dayMs;
    this.#now = now;
    this.#logger = logger;
  }

  /** Sweeps every intervalMs (the first after one interval); the timer never keeps the process alive. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(this.intervalMs);
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** One sweep over every bucket (joins a sweep already running). */
  sweep(): Promise<SweepResult> {
    this.#running ??= this.#sweepAll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      void this.sweep().finally(() => {
        if (!this.#stopped) this.#schedule(this.intervalMs);
      });
    }, delay);
    this.#timer.unref();
  }

  async #sweepAll(): Promise<SweepResult> {
    const result: SweepResult = { expired: 0, aborted: 0, failed: 0 };
    let buckets: BucketInfo[];
    try {
      buckets = await this.target.listBuckets();
    } catch (err) {
      this.#logger?.warn({ err }, 'lifecycle sweep: cannot list buckets');
      result.failed++;
      return result;
    }
    for (const { name } of buckets) {
      try {
        const r = await this.sweepBucket(name);
        result.expired += r.expired;
        result.aborted += r.aborted;
      } catch (err) {
        result.failed++;
        this.#logger?.warn({ err, bucket: name }, 'lifecycle sweep failed; retried at the next sweep');
      }
    }
    if (result.expired > 0 || result.aborted > 0) this.#logger?.info({ ...result }, 'lifecycle sweep');
    return result;
  }

  /** Applies one bucket's rules (none set: nothing to do). */
  async sweepBucket(bucket: string): Promise<SweepResult> {
    const result: SweepResult = { expired: 0, aborted: 0, failed: 0 };
    let config: StoredLifecycleConfiguration;
    try {
      config = await this.target.getBucketLifecycle(bucket);
    } catch (err) {
      if (err instanceof NoSuchLifecycleConfigurationError) return result;
      throw err;
    }
    const now = this.#now();
    for (const rule of expiringRules(config.rules)) result.expired += await this.#expire(bucket, rule, now);
    for (const rule of config.rules) {
      const days = rule.abortIncompleteMultipartUploadDays;
      if (!rule.enabled || days === undefined) continue;
      for (const upload of this.target.multipart.listUploads(bucket, { prefix: rule.prefix })) {
        if (now < upload.initiated.getTime() + days * this.dayMs) continue;
        await this.target.multipart.abort(bucket, upload.key, upload.uploadId);
        result.aborted++;
      }
    }
    return result;
  }

  async #expire(bucket: string, rule: LifecycleRule, now: number): Promise<number> {
    let expired = 0;
    for await (const o of listAllObjects(this.target, bucket, rule.prefix)) {
      if (!isExpired(rule, o, now, this.dayMs)) continue;
      if (await this.target.expireObject({ bucket, key: o.key, etag: o.etag, lastModified: o.lastModified })) expired++;
    }
    return expired;
  }
}
