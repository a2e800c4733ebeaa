export { fitCodebook, nearestNonZeroCode } from './codebook.js';
export { quantize, quantizeOptionsSchema } from './quantize.js';
export { quantizeTensor } from './quantize-tensor.js';
