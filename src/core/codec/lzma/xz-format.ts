/**
 * Constants of the .xz container (tukaani.org xz-file-format) that both
 * directions of xdelta3's LZMA secondary compression need.
 */

/** Stream header magic. */
export const XZ_MAGIC: readonly number[] = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** Stream footer magic ("YZ"). */
export const XZ_FOOTER_MAGIC: readonly number[] = [0x59, 0x5a];
/** Filter id of LZMA2. */
export const XZ_FILTER_LZMA2 = 0x21;
/** Check type "none": xdelta3 checks windows with Adler-32 itself. */
export const XZ_CHECK_NONE = 0;
/** Largest LZMA2 dictionary-size byte; 40 means 4 GiB - 1. */
export const LZMA2_DICT_BYTE_MAX = 40;

/** The dictionary size an LZMA2 properties byte announces. */
export function lzma2DictSize(dictByte: number): number {
  return dictByte === LZMA2_DICT_BYTE_MAX ? 0xffffffff : (2 | (dictByte & 1)) * 2 ** ((dictByte >> 1) + 11);
}

/** The smallest LZMA2 properties byte whose dictionary holds `size` bytes. */
export function lzma2DictByte(size: number): number {
  let b = 0;
  while (b < LZMA2_DICT_BYTE_MAX && lzma2DictSize(b) < size) b++;
  return b;
}
