import { CodecFailedError } from '../../errors.js';
import { ADD, DEFAULT_CODE_TABLE, NEAR_SIZE, NOOP, RUN, SAME_SIZE } from './code-table.js';
import { uint8View } from '../uint8-view.js';

const SAME_SLOTS = SAME_SIZE * 256;
const MODE_SELF = 0;
const MODE_HERE = 1;
const MODE_NEAR = 2;
const MODE_SAME = MODE_NEAR + NEAR_SIZE;
const MODE_END = MODE_SAME + SAME_SIZE;
/** An RFC 3284 integer is never longer than this in a delta we can hold (2^53 < 128^8). */
const MAX_VARINT_BYTES = 10;
/**
 * Copies, adds and runs up to this many bytes are done with a byte loop:
 * below it the call into `set`/`copyWithin`/`fill` (and the view `set` needs)
 * costs more than the bytes. Most instructions of a delta are this short
 * (on esbuild-bin 83% of the copies are under 32 bytes).
 */
const SHORT = 16;

/*
 * The default code table with each opcode's two halves side by side: entry
 * `op * 2 + half`. The decoder rejects other tables (VCD_CODETABLE), so the
 * loop below reads these module constants instead of a table argument.
 */
const TYPE = interleave(DEFAULT_CODE_TABLE.type1, DEFAULT_CODE_TABLE.type2);
const SIZE = interleave(DEFAULT_CODE_TABLE.size1, DEFAULT_CODE_TABLE.size2);
const MODE = interleave(DEFAULT_CODE_TABLE.mode1, DEFAULT_CODE_TABLE.mode2);

function interleave(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(512);
  for (let op = 0; op < 256; op++) {
    out[op * 2] = a[op]!;
    out[op * 2 + 1] = b[op]!;
  }
  return out;
}

/**
 * Where the integer `readVarint` read last ends. Module state instead of a
 * returned pair: the loop below reads an integer for most instructions, and a
 * pair would be an allocation each time.
 */
let varintEnd = 0;

/**
 * RFC 3284 base-128 big-endian integer at `buf[pos]`, not reading at or past
 * `end`; sets `varintEnd`. Values above 2^53 cannot be offsets in anything we
 * can hold, so they are rejected rather than silently rounded.
 */
function readVarint(buf: Uint8Array, pos: number, end: number, what: string): number {
  let v = 0;
  const stop = Math.min(end, pos + MAX_VARINT_BYTES);
  while (pos < stop) {
    const b = buf[pos++]!;
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (v > Number.MAX_SAFE_INTEGER) throw new CodecFailedError(`VCDIFF integer overflow in ${what}`);
      varintEnd = pos;
      return v;
    }
  }
  throw new CodecFailedError(pos >= end ? `VCDIFF ${what} is truncated` : `VCDIFF integer too long in ${what}`);
}

/**
 * Runs one window's instructions (default code table): fills `target` from
 * `source` (the window's source or target segment), the data section, and
 * earlier bytes of `target`. Every size is checked against the window before
 * use, every integer against its section's end, and every loop consumes
 * input, so corrupt input fails fast and never writes outside the window.
 *
 * This is the decoder's hot loop (one iteration per instruction, 500k in a
 * 10 MB executable delta), written for the JIT: positions in locals, the
 * address cache (RFC 3284 section 5.3; the encoder's side is AddressCache)
 * inlined as two typed arrays, short copies as byte loops. Measured on
 * esbuild-bin, this is ~4x the speed of the same loop written with a reader
 * object per section and `set(subarray)` for every copy.
 */
export function executeWindow(
  source: Uint8Array,
  target: Uint8Array,
  dataSection: Uint8Array,
  instSection: Uint8Array,
  addrSection: Uint8Array,
): void {
  const src = uint8View(source);
  const tgt = uint8View(target);
  const data = uint8View(dataSection);
  const inst = uint8View(instSection);
  const addrs = uint8View(addrSection);
  const tgtLen = tgt.length;
  const srcLen = src.length;
  const dataEnd = data.length;
  const instEnd = inst.length;
  const addrEnd = addrs.length;
  // Addresses are below srcLen + tgtLen (at most MAX_SOURCE_SEGMENT + MAX_TARGET_WINDOW < 2^31): int32 slots.
  const near = new Int32Array(NEAR_SIZE);
  const same = new Int32Array(SAME_SLOTS);
  let nextNear = 0;
  let ip = 0;
  let dp = 0;
  let ap = 0;
  let tpos = 0;
  while (ip < instEnd) {
    const op = inst[ip++]! << 1;
    for (let e = op; e < op + 2; e++) {
      const type = TYPE[e]!;
      if (type === NOOP) continue;
      let size = SIZE[e]!;
      if (size === 0) {
        size = readVarint(inst, ip, instEnd, 'instruction section');
        ip = varintEnd;
      }
      if (size > tgtLen - tpos) throw new CodecFailedError('VCDIFF instruction overruns the target window');
      if (type === ADD) {
        if (size > dataEnd - dp) throw new CodecFailedError('VCDIFF data section is truncated');
        if (size <= SHORT) {
          for (let k = 0; k < size; k++) tgt[tpos + k] = data[dp + k]!;
        } else {
          tgt.set(data.subarray(dp, dp + size), tpos);
        }
        dp += size;
        tpos += size;
        continue;
      }
      if (type === RUN) {
        if (dp >= dataEnd) throw new CodecFailedError('VCDIFF data section is truncated');
        tgt.fill(data[dp++]!, tpos, tpos + size);
        tpos += size;
        continue;
      }
      // COPY: the address, then the cache update (RFC 3284 section 5.3).
      const mode = MODE[e]!;
      const here = srcLen + tpos;
      let addr: number;
      if (mode < MODE_SAME) {
        const v = readVarint(addrs, ap, addrEnd, 'address section');
        ap = varintEnd;
        addr = mode === MODE_SELF ? v : mode === MODE_HERE ? here - v : near[mode - MODE_NEAR]! + v;
      } else {
        if (mode >= MODE_END) throw new CodecFailedError(`VCDIFF address mode ${mode} is invalid`);
        if (ap >= addrEnd) throw new CodecFailedError('VCDIFF address section is truncated');
        addr = same[(mode - MODE_SAME) * 256 + addrs[ap++]!]!;
      }
      if (addr < 0 || addr >= here) throw new CodecFailedError(`VCDIFF COPY address ${addr} out of range (here ${here})`);
      near[nextNear] = addr;
      nextNear = (nextNear + 1) % NEAR_SIZE;
      same[addr % SAME_SLOTS] = addr;

      let n = size;
      if (addr < srcLen) {
        // From the source segment; a copy that runs past its end continues at target byte 0.
        const m = Math.min(n, srcLen - addr);
        if (m <= SHORT) {
          for (let k = 0; k < m; k++) tgt[tpos + k] = src[addr + k]!;
        } else {
          tgt.set(src.subarray(addr, addr + m), tpos);
        }
        tpos += m;
        n -= m;
        addr = srcLen;
      }
      if (n > 0) {
        let from = addr - srcLen;
        if (n <= SHORT || tpos - from < SHORT) {
          // A forward byte copy also repeats an overlapping (short-period) copy right.
          const stop = tpos + n;
          while (tpos < stop) tgt[tpos++] = tgt[from++]!;
        } else {
          // Overlapping copies repeat the period `tpos - from`: copy in growing strides.
          while (n > 0) {
            const chunk = Math.min(n, tpos - from);
            tgt.copyWithin(tpos, from, from + chunk);
            tpos += chunk;
            n -= chunk;
          }
        }
      }
    }
  }
  if (tpos !== tgtLen) throw new CodecFailedError(`VCDIFF window produced ${tpos} of ${tgtLen} bytes`);
  if (dp !== dataEnd || ap !== addrEnd) throw new CodecFailedError('VCDIFF window has unused data or addresses');
}
