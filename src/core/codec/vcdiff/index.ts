/** Pure TypeScript VCDIFF (RFC 3284) codec compatible with xdelta3. */
export { TypeScriptCodec, TYPESCRIPT_CODEC_COMMAND, typescriptCodecCommand } from './typescript-codec.js';
export { decodeVcdiff, MAX_TARGET_WINDOW } from './decoder.js';
export { executeWindow } from './execute-window.js';
export { encodeVcdiff, ENCODE_WINDOW } from './encoder.js';
export { DEFAULT_SLAB_BYTES } from './reference-view.js';
export { CodecWorkerPool, sharedCodecWorkerPool } from './codec-worker-pool.js';
export {
  readVcdiffHeader,
  parseVcdiffHeader,
  parseXdelta3AppHeader,
  usesExternalCompression,
  SECONDARY_DJW,
  SECONDARY_LZMA,
  SECONDARY_FGK,
  type VcdiffHeader,
  type VcdiffHeaderInfo,
  type Xdelta3AppHeader,
} from './header.js';
export { adler32 } from './adler32.js';
export { findXdelta3, decodeWithXdelta3 } from './xdelta3-fallback.js';
export { LzmaDecoder, XzSectionDecoder, XzSectionEncoder, DEFAULT_XZ_DICT_SIZE, DEFAULT_XZ_LEVEL, type XzSectionEncoderOptions } from '../lzma/index.js';
