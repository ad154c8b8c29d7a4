import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { CodecFailedError, CodecUnavailableError, IntegrityError } from '../../errors.js';
import type { DecodeOptions } from '../codec.js';
import { adler32 } from './adler32.js';
import { ByteReader } from './byte-reader.js';
import { DeltaInput } from './delta-input.js';
import { executeWindow } from './execute-window.js';
import { uint8View } from '../uint8-view.js';
import { parseVcdiffHeader } from './header.js';
import { SecondaryDecoder } from './secondary.js';

const VCD_SOURCE = 0x01;
const VCD_TARGET = 0x02;
const VCD_ADLER32 = 0x04;
const VCD_DATACOMP = 0x01;
const VCD_INSTCOMP = 0x02;
const VCD_ADDRCOMP = 0x04;

/**
 * Largest target window accepted. xdelta3 caps windows at 16 MiB and our encoder
 * writes 8 MiB ones; the cap keeps a hostile length from allocating gigabytes.
 */
export const MAX_TARGET_WINDOW = 64 << 20;
/** Largest source segment read into memory for one window. */
export const MAX_SOURCE_SEGMENT = 1 << 30;

/**
 * Reads source segments into one reusable buffer, keeping the bytes it already
 * holds when consecutive windows' segments overlap (they usually advance).
 */
class SegmentReader {
  private pos = 0;
  private len = 0;
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly fh: FileHandle, readonly size: number) {}

  async get(pos: number, len: number): Promise<Buffer> {
    if (pos + len > this.size) {
      throw new CodecFailedError(`VCDIFF source segment ${pos}+${len} is beyond the ${this.size}-byte file`);
    }
    if (pos >= this.pos && pos + len <= this.pos + this.len) {
      return this.buf.subarray(pos - this.pos, pos - this.pos + len);
    }
    let have = 0;
    if (len > this.buf.length) {
      this.buf = Buffer.allocUnsafe(len);
    } else if (pos >= this.pos && pos < this.pos + this.len) {
      have = this.pos + this.len - pos;
      this.buf.copyWithin(0, pos - this.pos, this.len);
    }
    while (have < len) {
      const { bytesRead } = await this.fh.read(this.buf, have, len - have, pos + have);
      if (bytesRead === 0) throw new CodecFailedError('source file shrank while decoding');
      have += bytesRead;
    }
    this.pos = pos;
    this.len = len;
    return this.buf.subarray(0, len);
  }
}

/**
 * Decodes an RFC 3284 delta (plus xdelta3's app header, Adler-32 and LZMA
 * secondary extensions) window by window; memory is one target window, one
 * source segment and one window of delta bytes.
 */
export async function decodeVcdiff(
  referencePath: string,
  deltaPath: string,
  outPath: string,
  options: DecodeOptions = {},
): Promise<{ size: number; sha256: string }> {
  const deltaFh = await open(deltaPath, 'r');
  let refFh: FileHandle | undefined;
  let outFh: FileHandle | undefined;
  try {
    outFh = await open(outPath, 'w+');
    const input = new DeltaInput(deltaFh);
    await input.fill(1 << 16);
    let r = new ByteReader(input.buf, input.pos, input.buf.length, 'header');
    let header;
    try {
      header = parseVcdiffHeader(r);
    } catch (err) {
      if (input.done || input.available < 1 << 16) throw err;
      await input.fill(1 << 26);
      r = new ByteReader(input.buf, input.pos, input.buf.length, 'header');
      header = parseVcdiffHeader(r);
    }
    input.pos = r.pos;
    if (header.codeTableLength !== undefined) {
      throw new CodecUnavailableError('VCDIFF delta uses an application-defined code table (VCD_CODETABLE), which neither this decoder nor xdelta3 supports');
    }
    const secondary = header.secondaryId !== undefined ? new SecondaryDecoder(header.secondaryId) : undefined;

    let sources: SegmentReader | undefined;
    // A plain Uint8Array (see uint8-view.ts): adler32 and the instruction loop see one array kind.
    let tgtBuf: Uint8Array = new Uint8Array(0);
    let total = 0;
    // Hashed as it is written, so a GET does not read the reconstruction again.
    const hash = createHash('sha256');
    const maxOut = options.maxOutputBytes ?? Number.MAX_SAFE_INTEGER;

    for (;;) {
      options.signal?.throwIfAborted();
      await input.fill(64);
      if (input.available === 0) break;
      const w = new ByteReader(input.buf, input.pos, input.buf.length, 'window header');
      const winInd = w.byte();
      if (winInd & ~(VCD_SOURCE | VCD_TARGET | VCD_ADLER32)) {
        throw new CodecFailedError(`VCDIFF window indicator 0x${winInd.toString(16)} has unknown bits`);
      }
      if ((winInd & VCD_SOURCE) && (winInd & VCD_TARGET)) throw new CodecFailedError('VCDIFF window has both VCD_SOURCE and VCD_TARGET');
      let segLen = 0;
      let segPos = 0;
      if (winInd & (VCD_SOURCE | VCD_TARGET)) {
        segLen = w.varint();
        segPos = w.varint();
        if (segLen > MAX_SOURCE_SEGMENT) throw new CodecFailedError(`VCDIFF source segment of ${segLen} bytes is too large`);
      }
      const deltaLen = w.varint();
      input.pos = w.pos;
      if (deltaLen > MAX_TARGET_WINDOW * 32 + 1024) throw new CodecFailedError(`VCDIFF window of ${deltaLen} bytes is too large`);
      await input.fill(deltaLen);
      if (input.available < deltaLen) throw new CodecFailedError('VCDIFF delta is truncated');
      const d = new ByteReader(input.buf, input.pos, input.pos + deltaLen, 'window');
      input.pos += deltaLen;

      const tgtLen = d.varint();
      if (tgtLen > MAX_TARGET_WINDOW) throw new CodecFailedError(`VCDIFF target window of ${tgtLen} bytes is too large`);
      if (total + tgtLen > maxOut) throw new CodecFailedError(`VCDIFF delta decodes to more than ${maxOut} bytes`);
      const deltaInd = d.byte();
      if (deltaInd & ~(VCD_DATACOMP | VCD_INSTCOMP | VCD_ADDRCOMP)) {
        throw new CodecFailedError(`VCDIFF delta indicator 0x${deltaInd.toString(16)} has unknown bits`);
      }
      const dataLen = d.varint();
      const instLen = d.varint();
      const addrLen = d.varint();
      let checksum = -1;
      if (winInd & VCD_ADLER32) {
        const c = d.bytes(4);
        checksum = ((c[0]! << 24) | (c[1]! << 16) | (c[2]! << 8) | c[3]!) >>> 0;
      }
      if (d.remaining !== dataLen + instLen + addrLen) throw new CodecFailedError('VCDIFF window section lengths do not add up');
      let dataSec = d.bytes(dataLen);
      let instSec = d.bytes(instLen);
      let addrSec = d.bytes(addrLen);
      if (deltaInd !== 0) {
        if (!secondary) throw new CodecFailedError('VCDIFF window is compressed but the header names no secondary compressor');
        const cap = tgtLen * 24 + 1024;
        if (deltaInd & VCD_DATACOMP) dataSec = secondary.decode(0, dataSec, cap);
        if (deltaInd & VCD_INSTCOMP) instSec = secondary.decode(1, instSec, cap);
        if (deltaInd & VCD_ADDRCOMP) addrSec = secondary.decode(2, addrSec, cap);
      }

      let src: Uint8Array = EMPTY;
      if (winInd & VCD_SOURCE) {
        if (!sources) {
          refFh = await open(referencePath, 'r');
          sources = new SegmentReader(refFh, (await refFh.stat()).size);
        }
        src = await sources.get(segPos, segLen);
      } else if (winInd & VCD_TARGET) {
        if (segPos + segLen > total) throw new CodecFailedError('VCDIFF target segment is beyond the decoded output');
        const b = Buffer.allocUnsafe(segLen);
        let done = 0;
        while (done < segLen) {
          const { bytesRead } = await outFh.read(b, done, segLen - done, segPos + done);
          if (bytesRead === 0) throw new CodecFailedError('output file shrank while decoding');
          done += bytesRead;
        }
        src = b;
      }

      if (tgtBuf.length < tgtLen) tgtBuf = uint8View(Buffer.allocUnsafe(tgtLen));
      const tgt = tgtBuf.subarray(0, tgtLen);
      executeWindow(src, tgt, dataSec, instSec, addrSec);
      if (checksum >= 0) {
        const actual = adler32(tgt);
        if (actual !== checksum) {
          throw new IntegrityError(`VCDIFF window checksum mismatch at output offset ${total}: expected ${hex(checksum)}, got ${hex(actual)}`);
        }
      }
      hash.update(tgt);
      let written = 0;
      while (written < tgtLen) {
        const { bytesWritten } = await outFh.write(tgt, written, tgtLen - written, total + written);
        written += bytesWritten;
      }
      total += tgtLen;
    }
    return { size: total, sha256: hash.digest('hex') };
  } finally {
    await deltaFh.close();
    await refFh?.close();
    await outFh?.close();
  }
}

const EMPTY = new Uint8Array(0);

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
