/**
 * Per-name readers-writer locks. Delta writes into a deltaspace share it; creating
 * or collecting its reference takes it exclusively, so a reference is never
 * deleted while a delta against it is being written in this process.
 */
interface State {
  readers: number;
  writer: boolean;
  queue: { exclusive: boolean; wake: () => void }[];
}

export class KeyedRwLock {
  readonly #states = new Map<string, State>();

  #state(name: string): State {
    let s = this.#states.get(name);
    if (!s) {
      s = { readers: 0, writer: false, queue: [] };
      this.#states.set(name, s);
    }
    return s;
  }

  #pump(name: string, s: State): void {
    while (s.queue.length > 0) {
      const next = s.queue[0] as { exclusive: boolean; wake: () => void };
      if (next.exclusive) {
        if (s.writer || s.readers > 0) break;
        s.writer = true;
      } else {
        if (s.writer) break;
        s.readers++;
      }
      s.queue.shift();
      next.wake();
    }
    if (!s.writer && s.readers === 0 && s.queue.length === 0) this.#states.delete(name);
  }

  async #lock(name: string, exclusive: boolean): Promise<() => void> {
    const s = this.#state(name);
    await new Promise<void>((wake) => {
      s.queue.push({ exclusive, wake });
      this.#pump(name, s);
    });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (exclusive) s.writer = false;
      else s.readers--;
      this.#pump(name, s);
    };
  }

  /** Runs `fn` holding `name` shared. */
  async shared<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.#lock(name, false);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Runs `fn` holding `name` exclusively. */
  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.#lock(name, true);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
