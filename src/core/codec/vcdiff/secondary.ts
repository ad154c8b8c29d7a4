import { CodecUnavailableError, CodecFailedError } from '../../errors.js';
import { ByteReader } from './byte-reader.js';
import { SECONDARY_DJW, SECONDARY_FGK, SECONDARY_LZMA } from './header.js';
import { XzSectionDecoder } from '../lzma/index.js';

/** Human name of a secondary compressor id, for messages and `command` strings. */
export function secondaryName(id: number): string {
  return id === SECONDARY_DJW ? 'djw' : id === SECONDARY_LZMA ? 'lzma' : id === SECONDARY_FGK ? 'fgk' : `id ${id}`;
}

/** True when this package decodes the secondary compressor in TypeScript. */
export function secondarySupported(id: number): boolean {
  return id === SECONDARY_LZMA;
}

/**
 * Per-delta secondary decompression state: one decoder per section kind, kept
 * across windows because xdelta3 keeps its compressor streams that way.
 */
export class SecondaryDecoder {
  private readonly streams: XzSectionDecoder[] = [];
  constructor(private readonly id: number) {
    if (!secondarySupported(id)) {
      throw new CodecUnavailableError(
        `VCDIFF secondary compressor ${secondaryName(id)} is not implemented in TypeScript; install xdelta3 to decode this delta`,
      );
    }
  }

  /**
   * Decompresses one section: a VCDIFF integer with the decoded size, then the
   * compressed bytes. `kind` is 0 data, 1 inst, 2 addr. `maxSize` bounds the
   * allocation a hostile size could ask for.
   */
  decode(kind: number, section: Uint8Array, maxSize: number): Uint8Array {
    const r = new ByteReader(section, 0, section.length, 'secondary section');
    const size = r.varint();
    if (size === 0) throw new CodecFailedError('VCDIFF secondary section has size 0');
    if (size > maxSize) throw new CodecFailedError(`VCDIFF secondary section claims ${size} bytes`);
    const s = (this.streams[kind] ??= new XzSectionDecoder());
    return s.decode(section.subarray(r.pos), size);
  }
}
