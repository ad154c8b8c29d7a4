/**
 * Codec selection: `auto` (default), `xdelta3`, or `typescript`.
 *
 * `auto` is the TypeScript codec: no binary to install, no process per request,
 * matching against the whole reference (not a 64 MiB window), and deltas as small
 * as `xdelta3 -9`'s on the bench families (bench/RESULTS.md "Codecs"). It still
 * uses the xdelta3 binary, when present, for the rare deltas only xdelta3 can
 * decode (DJW/FGK secondary compression, external compression). `xdelta3` runs
 * the binary for everything, as the other DeltaGlider tools do.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { DeltaCodec } from './codec.js';
import type { CodecLevel } from './codec-level.js';
import { TypeScriptCodec } from './vcdiff/typescript-codec.js';
import { Xdelta3Codec, type Xdelta3CodecOptions } from './xdelta3-codec.js';

/** Which codec to use. */
export type CodecName = 'auto' | 'xdelta3' | 'typescript';

export const CODEC_NAMES: readonly CodecName[] = ['auto', 'xdelta3', 'typescript'];

/** What createCodec() builds. */
export interface CreateCodecOptions {
  /** Default `auto`. */
  codec?: CodecName;
  /** TypeScript codec encoder effort. Default DEFAULT_CODEC_LEVEL. */
  level?: CodecLevel;
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
  if (codec === 'xdelta3') return new Xdelta3Codec(options.xdelta3);
  return new TypeScriptCodec({ level: options.level });
}
