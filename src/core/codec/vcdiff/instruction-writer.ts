import { AddressCache } from './address-cache.js';
import { ByteWriter } from './byte-writer.js';
import { addCopyOpcode, addOpcode, copyAddOpcode, copyOpcode } from './code-table.js';

const NONE = 0;
const PENDING_ADD = 1;
const PENDING_COPY4 = 2;

/**
 * Builds the three sections of one window with the default code table. The
 * last instruction is held back so it can share an opcode with the next one
 * (ADD 1-4 + COPY 4-6, COPY 4 + ADD 1), which is most of the instruction
 * bytes saved on versioned binaries full of short edits.
 */
export class InstructionWriter {
  readonly data = new ByteWriter(1 << 16);
  readonly inst = new ByteWriter(1 << 14);
  readonly addr = new ByteWriter(1 << 14);
  private readonly cache = new AddressCache();
  private pending = NONE;
  private pendingSize = 0;
  private pendingMode = 0;

  /** Starts a new window. */
  reset(): void {
    this.data.reset();
    this.inst.reset();
    this.addr.reset();
    this.cache.reset();
    this.pending = NONE;
  }

  /** Bytes written so far (for the early size cap). */
  get size(): number {
    return this.data.length + this.inst.length + this.addr.length;
  }

  /** ADD of `src[start, end)`. */
  add(src: Uint8Array, start: number, end: number): void {
    const len = end - start;
    if (len <= 0) return;
    this.data.bytes(src, start, end);
    if (this.pending === PENDING_COPY4 && len === 1) {
      this.inst.byte(copyAddOpcode(this.pendingMode));
      this.pending = NONE;
      return;
    }
    this.flush();
    if (len <= 4) {
      this.pending = PENDING_ADD;
      this.pendingSize = len;
      return;
    }
    this.inst.byte(addOpcode(len));
    if (len > 17) this.inst.varint(len);
  }

  /** RUN of `len` copies of `byte`. */
  run(byte: number, len: number): void {
    this.flush();
    this.data.byte(byte);
    this.inst.byte(0);
    this.inst.varint(len);
  }

  /** COPY of `len` bytes from address `addr`, the current position being `here`. */
  copy(addr: number, len: number, here: number): void {
    const mode = this.cache.encode(addr, here, this.addr);
    if (this.pending === PENDING_ADD) {
      const op = addCopyOpcode(this.pendingSize, len, mode);
      if (op >= 0) {
        this.inst.byte(op);
        this.pending = NONE;
        return;
      }
    }
    this.flush();
    if (len === 4) {
      this.pending = PENDING_COPY4;
      this.pendingMode = mode;
      return;
    }
    this.inst.byte(copyOpcode(len, mode));
    if (len < 4 || len > 18) this.inst.varint(len);
  }

  /** Writes the held-back instruction; call before reading the sections. */
  flush(): void {
    if (this.pending === PENDING_ADD) {
      this.inst.byte(addOpcode(this.pendingSize));
    } else if (this.pending === PENDING_COPY4) {
      this.inst.byte(copyOpcode(4, this.pendingMode));
    }
    this.pending = NONE;
  }
}
