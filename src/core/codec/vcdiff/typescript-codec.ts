import { CodecFailedError, CodecUnavailableError } from '../../errors.js';
import type { DecodeOptions, DecodeResult, DeltaCodec, EncodeOptions, EncodeResult } from '../codec.js';
import { CodecWorkerPool, sharedCodecWorkerPool } from './codec-worker-pool.js';
import { decodeVcdiff } from './decoder.js';
import { encodeVcdiff } from './encoder.js';
import { readVcdiffHeader, usesExternalCompression } from './header.js';
import { secondaryName, secondarySupported } from './secondary.js';
import { decodeWithXdelta3, findXdelta3 } from './xdelta3-fallback.js';
import { stat } from 'node:fs/promises';
import { DEFAULT_CODEC_LEVEL, parseCodecLevel, type CodecLevel } from '../codec-level.js';

/** The `dg-delta-cmd` our encoder records, before its level. */
export const TYPESCRIPT_CODEC_COMMAND = 'deltaglider-ts vcdiff -S lzma';

/** The `dg-delta-cmd` of an encode at `level`: the codec and the effort that actually ran. */
export function typescriptCodecCommand(level: CodecLevel): string {
  return `${TYPESCRIPT_CODEC_COMMAND} --level ${level}`;
}

/**
 * The pure TypeScript VCDIFF codec. Decodes what xdelta3 writes (falling back to
 * the xdelta3 binary only for DJW/FGK secondary compression and external
 * compression), and writes deltas xdelta3 decodes.
 */
export class TypeScriptCodec implements DeltaCodec {
  readonly name = 'typescript';
  readonly #pool: CodecWorkerPool | undefined;
  /** Encoder effort when an encode names none. */
  readonly level: CodecLevel;

  /**
   * @param options.workers the worker pool jobs run on (default: the process-wide
   *   pool), or `false` to run on the calling thread (blocks its event loop).
   * @param options.level encoder effort (default DEFAULT_CODEC_LEVEL).
   */
  constructor(options: { workers?: CodecWorkerPool | false; level?: CodecLevel } = {}) {
    this.#pool = options.workers === false ? undefined : (options.workers ?? sharedCodecWorkerPool());
    this.level = options.level === undefined ? DEFAULT_CODEC_LEVEL : parseCodecLevel(options.level);
  }

  async encode(referencePath: string, targetPath: string, deltaPath: string, options: EncodeOptions = {}): Promise<EncodeResult> {
    const { maxOutputBytes, signal } = options;
    const level = options.level === undefined ? this.level : parseCodecLevel(options.level);
    const { size } = this.#pool
      ? await this.#pool.run<{ size: number }>({ op: 'encode', referencePath, targetPath, deltaPath, maxOutputBytes, level }, signal)
      : await encodeVcdiff(referencePath, targetPath, deltaPath, { ...options, level });
    return { size, command: typescriptCodecCommand(level) };
  }

  async decode(referencePath: string, deltaPath: string, outPath: string, options?: DecodeOptions): Promise<DecodeResult> {
    const info = await readVcdiffHeader(deltaPath);
    let reason: string | undefined;
    const external = usesExternalCompression(info.appHeader);
    if (external) {
      reason = `external compression (application header ${JSON.stringify(info.appHeader)})`;
    } else if (info.secondaryId !== undefined && !secondarySupported(info.secondaryId)) {
      reason = `secondary compressor ${secondaryName(info.secondaryId)}`;
    }
    if (reason === undefined) {
      const { maxOutputBytes, signal } = options ?? {};
      return this.#pool
        ? this.#pool.run<DecodeResult>({ op: 'decode', referencePath, deltaPath, outPath, maxOutputBytes }, signal)
        : decodeVcdiff(referencePath, deltaPath, outPath, options);
    }
    const binary = await findXdelta3();
    if (!binary) throw new CodecUnavailableError(`delta uses ${reason}, which needs the xdelta3 binary on PATH`);
    await decodeWithXdelta3(binary, referencePath, deltaPath, outPath, external, options?.signal);
    const size = (await stat(outPath)).size;
    if (options?.maxOutputBytes !== undefined && size > options.maxOutputBytes) {
      throw new CodecFailedError(`delta decoded to ${size} bytes, more than ${options.maxOutputBytes}`);
    }
    return { size };
  }
}
