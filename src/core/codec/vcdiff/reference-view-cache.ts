import { stat } from 'node:fs/promises';
import { ReferenceView } from './reference-view.js';

/** A cached view is dropped after this long without an encode. */
export const REFERENCE_VIEW_IDLE_MS = 10_000;

/**
 * Keeps the last reference a worker encoded against, loaded and indexed. Uploads
 * come in bursts into one deltaspace (a release pipeline pushing its artifacts),
 * and indexing a 30 MB reference is a third of an encode. Keyed by path, size,
 * inode and mtime: the engine's reference files are never rewritten in place,
 * and any change of those makes a new entry. One entry, dropped when idle, so a
 * quiet worker gives its memory back (`onIdleClear` then runs, to collect it).
 */
export class ReferenceViewCache {
  #key: string | undefined;
  #view: ReferenceView | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly idleMs = REFERENCE_VIEW_IDLE_MS,
    readonly onIdleClear: () => void = () => undefined,
  ) {}

  /** The view of `path`, from the cache or freshly opened (and then cached). */
  async get(path: string, slabBytes?: number): Promise<ReferenceView> {
    clearTimeout(this.#timer);
    const st = await stat(path);
    const key = `${path}\0${st.size}\0${st.ino}\0${st.mtimeMs}\0${slabBytes}`;
    if (this.#view && this.#key === key) return this.#view;
    await this.clear();
    const view = await ReferenceView.open(path, st.size, slabBytes);
    this.#key = key;
    this.#view = view;
    return view;
  }

  /** Starts the idle countdown (call when the encode that used the view is done). */
  idle(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.clear().then(this.onIdleClear), this.idleMs);
    this.#timer.unref();
  }

  /** Drops the cached view now. */
  async clear(): Promise<void> {
    clearTimeout(this.#timer);
    const view = this.#view;
    this.#view = undefined;
    this.#key = undefined;
    await view?.close();
  }
}
