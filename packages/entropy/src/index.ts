import { adaptiveCoder } from './adaptive.js';
import { registerCoder } from './coder.js';
import { huffmanCoder } from './huffman.js';
import { lzCoder } from './lz.js';
import { ransCoder } from './rans.js';
import { brotliCoder, deflateCoder } from './zlib-coders.js';

for (const c of [ransCoder, huffmanCoder, lzCoder, adaptiveCoder, brotliCoder, deflateCoder]) registerCoder(c);

/** The coder softshare uses unless told otherwise. */
export const DEFAULT_CODER_ID = 'adaptive/1';

export { adaptiveCoder } from './adaptive.js';
export { BitReader, BitWriter, readVarint, writeVarint } from './bit-io.js';
export { decodeMask, encodeMask, matrixShape } from './context-mask.js';
export { coderIds, findCoder, registerCoder, type Coder } from './coder.js';
export { huffmanCoder, huffmanLengths } from './huffman.js';
export { lzCoder, lzCompress, lzDecompress } from './lz.js';
export { quantizeFrequencies, ransCoder } from './rans.js';
export {
  fromEscapeStreams,
  huffmanPayloadBits,
  paperFormatBits,
  toEscapeStreams,
  toPaperStreams,
  type SparseStreams,
} from './sparse-positions.js';
export { brotliCoder, deflateCoder } from './zlib-coders.js';
