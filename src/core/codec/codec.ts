/**
 * The delta codec port. File based on purpose: references and objects can be
 * gigabytes, so nothing here takes or returns whole objects as JS buffers.
 */

import type { CodecLevel } from './codec-level.js';

/** Options for one encode. */
export interface EncodeOptions {
  /** Encoder effort for this encode (default: the codec's own level). The delta format is the same at every level. */
  level?: CodecLevel;
  /**
   * Abort with DeltaTooLargeError as soon as the delta would exceed this many bytes.
   * The engine passes `maxDeltaRatio x targetSize`, so a delta that will be thrown
   * away costs as little time as possible.
   */
  maxOutputBytes?: number;
  /** Cancels the encode (the client went away, shutdown). */
  signal?: AbortSignal;
}

/** Options for one decode. */
export interface DecodeOptions {
  /** Cancels the decode. */
  signal?: AbortSignal;
  /**
   * Upper bound on the output size (from dg-file-size): a delta that tries to write
   * more is corrupt or hostile, fail instead of filling the disk.
   */
  maxOutputBytes?: number;
}

/** What an encode produced. */
export interface EncodeResult {
  /** Bytes written to the delta file. */
  size: number;
  /** The honest description of what ran, stored as `dg-delta-cmd`. */
  command: string;
}

/** What a decode produced. */
export interface DecodeResult {
  /** Bytes written to the output file. */
  size: number;
  /** Hex SHA-256 of the output, when the codec computed it while writing (saves a re-read). */
  sha256?: string;
}

/**
 * A VCDIFF (RFC 3284) codec. Every implementation must write deltas that
 * `xdelta3 -d -s reference delta out` decodes, and read the deltas xdelta3 writes.
 */
export interface DeltaCodec {
  /** Short stable name (`xdelta3`, `typescript`). */
  readonly name: string;
  /** Writes the delta that turns `referencePath` into `targetPath` to `deltaPath`. */
  encode(referencePath: string, targetPath: string, deltaPath: string, options?: EncodeOptions): Promise<EncodeResult>;
  /** Writes the target reconstructed from `referencePath` + `deltaPath` to `outPath`. */
  decode(referencePath: string, deltaPath: string, outPath: string, options?: DecodeOptions): Promise<DecodeResult>;
}
