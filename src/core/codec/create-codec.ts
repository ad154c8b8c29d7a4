/**
 * Codec selection: `auto` (default), `xdelta3`, or `typescript`.
 *
 * `auto` uses the xdelta3 binary when it is on PATH and the TypeScript codec
 * otherwise. Measured on the bench families (docs/OPERATIONS.md "Codec settings"):
 * xdelta3 -6 with LZMA secondary writes 1.4-2.6x smaller deltas than our encoder
 * (which has no secondary compression yet) and decodes its own LZMA sections
 * faster than JS can, so where the binary exists it is the better default; the
 * TypeScript codec makes everything work where it does not (Lambda, slim images).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { DeltaCodec } from './codec.js';
import { TypeScriptCodec } from './vcdiff/typescript-codec.js';
import { Xdelta3Codec, type Xdelta3CodecOptions } from './xdelta3-codec.js';

/** Which codec to use. */
export type CodecName = 'auto' | 'xdelta3' | 'typescript';

export const CODEC_NAMES: readonly CodecName[] = ['auto', 'xdelta3', 'typescript'];

export interface CreateCodecOptions {
  /** Default `auto`. */
  codec?: CodecName;
  xdelta3?: Xdelta3CodecOptions;
}

/** The xdelta3 binary on PATH, if any. */
export function findXdelta3Sync(pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'xdelta3');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Builds the codec a configuration asks for. */
export function createCodec(options: CreateCodecOptions = {}): DeltaCodec {
  const { codec = 'auto' } = options;
  if (!CODEC_NAMES.includes(codec)) throw new TypeError(`deltaglider: codec must be one of ${CODEC_NAMES.join(', ')}, got ${String(codec)}`);
  if (codec === 'typescript') return new TypeScriptCodec();
  if (codec === 'xdelta3') return new Xdelta3Codec(options.xdelta3);
  const binary = options.xdelta3?.binary ?? findXdelta3Sync();
  return binary ? new Xdelta3Codec({ ...options.xdelta3, binary }) : new TypeScriptCodec();
}
