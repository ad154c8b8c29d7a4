import type { FileHandle } from 'node:fs/promises';

/**
 * Sequential buffered reader over the delta file. A window is parsed from one
 * contiguous buffer, so `fill(n)` guarantees up to `n` bytes at `pos` (fewer only
 * at end of file); the buffer never grows beyond one window plus slack.
 */
export class DeltaInput {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  private filePos = 0;
  private eof = false;
  constructor(private readonly fh: FileHandle) {}

  /** Bytes currently available at `pos`. */
  get available(): number {
    return this.buf.length - this.pos;
  }

  /** True when everything has been consumed. */
  get done(): boolean {
    return this.eof && this.pos >= this.buf.length;
  }

  /** Reads until `n` bytes are available at `pos` or the file ends. */
  async fill(n: number): Promise<void> {
    if (this.available >= n || this.eof) return;
    const keep = this.buf.subarray(this.pos);
    const want = Math.max(n, 1 << 20);
    const next = Buffer.allocUnsafe(want);
    keep.copy(next, 0);
    let have = keep.length;
    while (have < n && !this.eof) {
      const { bytesRead } = await this.fh.read(next, have, want - have, this.filePos);
      if (bytesRead === 0) this.eof = true;
      this.filePos += bytesRead;
      have += bytesRead;
    }
    this.buf = next.subarray(0, have);
    this.pos = 0;
  }
}
