/**
 * LZMA/LZMA2 and the xz container, as VCDIFF secondary compression (xdelta3's `-S lzma`):
 * the range coder, match finder, encoder and decoder, and the xz section framing. The
 * encoder's and decoder's hot loops are inlined on purpose (see lzma-decoder.ts).
 */
export { LzmaDecoder } from './lzma-decoder.js';
export { XzSectionDecoder } from './xz-section-decoder.js';
export { DEFAULT_XZ_DICT_SIZE, DEFAULT_XZ_LEVEL, XzSectionEncoder, type XzSectionEncoderOptions } from './xz-section-encoder.js';
