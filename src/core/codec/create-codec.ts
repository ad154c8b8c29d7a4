/**
 * Codec selection: `auto` (default), `xdelta3`, or `typescript`.
 */
import type { DeltaCodec } from './codec.js';
import { Xdelta3Codec, type Xdelta3CodecOptions } from './xdelta3-codec.js';

/** Which codec to use. */
export type CodecName = 'auto' | 'xdelta3' | 'typescript';

export const CODEC_NAMES: readonly CodecName[] = ['auto', 'xdelta3', 'typescript'];

export interface CreateCodecOptions {
  /** Default `auto`. */
  codec?: CodecName;
  xdelta3?: Xdelta3CodecOptions;
}

/** Builds the codec a configuration asks for. */
export function createCodec(options: CreateCodecOptions = {}): DeltaCodec {
  const { codec = 'auto' } = options;
  if (!CODEC_NAMES.includes(codec)) throw new TypeError(`deltaglider: codec must be one of ${CODEC_NAMES.join(', ')}, got ${String(codec)}`);
  return new Xdelta3Codec(options.xdelta3);
}
