/**
 * The delta of a file against itself, written without reading the file.
 *
 * The format (FORMAT.md) stores the first upload of a deltaspace as `reference.bin` plus
 * `name.delta`, "the delta of the file against itself". Running the encoder for that means
 * hashing and matching every byte of the upload (on a 1 GiB upload with the TypeScript codec:
 * most of a 5-minute CompleteMultipartUpload) to rediscover that each target window is the
 * source segment at the same offset. This writes that answer directly: one window per
 * SELF_DELTA_WINDOW bytes, each a single COPY of its whole source segment. The windows carry
 * no Adler-32 (it is optional in VCDIFF; the object's SHA-256 is verified on every read).
 * `xdelta3 -d` and our decoder read it like any other delta.
 */
import { open } from 'node:fs/promises';
import type { EncodeResult } from '../codec.js';
import { ByteWriter } from './byte-writer.js';
import { copyOpcode } from './code-table.js';
import { VCDIFF_MAGIC } from './header.js';

/** Target bytes per window: xdelta3's own default window (8 MiB), well under every decoder's limit. */
export const SELF_DELTA_WINDOW = 8 * 1024 * 1024;
/** `dg-delta-cmd` of a self-delta (honest: no encoder ran). */
export const SELF_DELTA_COMMAND = 'deltaglider-ts self-delta (one VCDIFF COPY window per 8 MiB, no encoder run)';

const VCD_SOURCE = 0x01;
/** Address mode VCD_SELF: the address is an absolute varint. */
const MODE_SELF = 0;

/** Writes to `deltaPath` the VCDIFF that turns any file of `size` bytes into itself. */
export async function writeSelfDelta(size: number, deltaPath: string): Promise<EncodeResult> {
  const out = new ByteWriter(64 + Math.ceil(size / SELF_DELTA_WINDOW) * 24);
  for (const b of VCDIFF_MAGIC) out.byte(b);
  out.byte(0); // Hdr_Indicator: no secondary compressor, no code table, no application header
  const inst = new ByteWriter(16);
  const addr = new ByteWriter(16);
  const body = new ByteWriter(32);
  for (let start = 0; start < size; start += SELF_DELTA_WINDOW) {
    const n = Math.min(SELF_DELTA_WINDOW, size - start);
    inst.reset();
    addr.reset();
    body.reset();
    // One COPY of the whole segment; sizes 4..18 are implied by the opcode.
    const opcode = copyOpcode(n, MODE_SELF);
    inst.byte(opcode);
    if (n < 4 || n > 18) inst.varint(n);
    addr.varint(0);
    body.varint(n); // target window length
    body.byte(0); // Delta_Indicator: sections not compressed
    body.varint(0); // data section
    body.varint(inst.length);
    body.varint(addr.length);
    out.byte(VCD_SOURCE);
    out.varint(n); // source segment length
    out.varint(start); // source segment position
    out.varint(body.length + inst.length + addr.length);
    out.bytes(body.view());
    out.bytes(inst.view());
    out.bytes(addr.view());
  }
  // xdelta3 -d refuses a delta without windows: an empty file gets one empty window, as xdelta3 writes it.
  if (size === 0) for (const b of [0, 5, 0, 0, 0, 0, 0]) out.byte(b);
  const fh = await open(deltaPath, 'w');
  try {
    await fh.writeFile(out.view());
  } finally {
    await fh.close();
  }
  return { size: out.length, command: SELF_DELTA_COMMAND };
}
