import { open } from 'node:fs/promises';
import { CodecFailedError } from '../../errors.js';
import { ByteReader } from './byte-reader.js';

/** RFC 3284 magic: 'V' 'C' 'D' with the high bits set, then version 0. */
export const VCDIFF_MAGIC = [0xd6, 0xc3, 0xc4, 0x00] as const;
/** Hdr_Indicator bits: RFC 3284 plus xdelta3's application header. */
export const VCD_DECOMPRESS = 0x01;
export const VCD_CODETABLE = 0x02;
export const VCD_APPHEADER = 0x04;
/** Secondary compressor ids xdelta3 writes after VCD_DECOMPRESS. */
export const SECONDARY_DJW = 1;
export const SECONDARY_LZMA = 2;
export const SECONDARY_FGK = 16;

/** The parsed file header of a delta. */
export interface VcdiffHeader {
  /** Secondary compressor id (VCD_DECOMPRESS), if any. */
  secondaryId?: number;
  /** Raw application header bytes (xdelta3's `name/type/name/type`). */
  appHeader?: Uint8Array;
  /** Length of an application-defined code table, if the delta has one. */
  codeTableLength?: number;
  /** Bytes taken by the header: the first window starts here. */
  size: number;
}

/** Parses the header at the reader's position; throws CodecFailedError if it is not VCDIFF. */
export function parseVcdiffHeader(r: ByteReader): VcdiffHeader {
  const start = r.pos;
  for (const m of VCDIFF_MAGIC) {
    if (r.byte() !== m) throw new CodecFailedError('not a VCDIFF delta (bad magic or version)');
  }
  const ind = r.byte();
  if (ind & ~(VCD_DECOMPRESS | VCD_CODETABLE | VCD_APPHEADER)) {
    throw new CodecFailedError(`VCDIFF header indicator 0x${ind.toString(16)} has unknown bits`);
  }
  const h: VcdiffHeader = { size: 0 };
  if (ind & VCD_DECOMPRESS) h.secondaryId = r.byte();
  if (ind & VCD_CODETABLE) {
    h.codeTableLength = r.varint();
    r.bytes(h.codeTableLength);
  }
  if (ind & VCD_APPHEADER) h.appHeader = r.bytes(r.varint());
  h.size = r.pos - start;
  return h;
}

/** What the engine needs to know about a delta before choosing how to decode it. */
export interface VcdiffHeaderInfo {
  /** xdelta3's application header as text, e.g. `t//r/` or `a.gz/G/b.gz/G`. */
  appHeader?: string;
  /** Secondary compressor id (1 DJW, 2 LZMA, 16 FGK). */
  secondaryId?: number;
}

/** Reads just the header of the delta at `path`. */
export async function readVcdiffHeader(path: string): Promise<VcdiffHeaderInfo> {
  const fh = await open(path, 'r');
  try {
    let len = 4096;
    for (;;) {
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, 0);
      try {
        const h = parseVcdiffHeader(new ByteReader(buf, 0, bytesRead, 'header'));
        const info: VcdiffHeaderInfo = {};
        if (h.appHeader) info.appHeader = Buffer.from(h.appHeader).toString('latin1');
        if (h.secondaryId !== undefined) info.secondaryId = h.secondaryId;
        return info;
      } catch (err) {
        // A long application header: read more, but never more than the file.
        if (bytesRead === len && len < 1 << 24) {
          len *= 16;
          continue;
        }
        throw err;
      }
    }
  } finally {
    await fh.close();
  }
}

/** The parts of xdelta3's `name/type/name/type` application header. */
export interface Xdelta3AppHeader {
  targetName: string;
  targetCompression: string;
  sourceName: string;
  sourceCompression: string;
}

/**
 * Splits xdelta3's application header. A non-empty compression field means
 * xdelta3 decompressed that file (gzip `G`, bzip2 `B`, xz `Y`, ...) before
 * diffing, so the VCDIFF alone does not reproduce the stored bytes.
 */
export function parseXdelta3AppHeader(appHeader: string): Xdelta3AppHeader | undefined {
  const parts = appHeader.split('/');
  if (parts.length < 2) return undefined;
  return {
    targetName: parts[0] ?? '',
    targetCompression: parts[1] ?? '',
    sourceName: parts[2] ?? '',
    sourceCompression: parts[3] ?? '',
  };
}

/** True when the application header says xdelta3 used external (de)compression. */
export function usesExternalCompression(appHeader: string | undefined): boolean {
  if (!appHeader) return false;
  const h = parseXdelta3AppHeader(appHeader);
  return !!h && (h.targetCompression !== '' || h.sourceCompression !== '');
}
