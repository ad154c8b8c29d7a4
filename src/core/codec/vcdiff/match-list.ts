/**
 * The copies the matcher chose for one target window, in target order, as
 * parallel typed arrays (a window can hold hundreds of thousands of copies).
 */
export class MatchList {
  count = 0;
  /** Window-local target start of each copy. */
  start = new Int32Array(1024);
  len = new Int32Array(1024);
  /** Absolute reference offset (reference copy) or window-local target offset (self copy). */
  src = new Float64Array(1024);
  /** 1 when the copy reads earlier bytes of the same target window. */
  self = new Uint8Array(1024);

  reset(): void {
    this.count = 0;
  }

  push(start: number, len: number, src: number, self: boolean): void {
    if (this.count === this.start.length) this.grow();
    const k = this.count++;
    this.start[k] = start;
    this.len[k] = len;
    this.src[k] = src;
    this.self[k] = self ? 1 : 0;
  }

  private grow(): void {
    const cap = this.start.length * 2;
    const start = new Int32Array(cap);
    start.set(this.start);
    const len = new Int32Array(cap);
    len.set(this.len);
    const src = new Float64Array(cap);
    src.set(this.src);
    const self = new Uint8Array(cap);
    self.set(this.self);
    this.start = start;
    this.len = len;
    this.src = src;
    this.self = self;
  }
}
