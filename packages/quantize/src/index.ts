export { fitCodebook, nearestNonZeroCode } from './codebook.js';
export { quantize, quantizeOptionsSchema, withoutUnreachable } from './quantize.js';
export { compactCodebook, dequantize, quantizeTensor } from './quantize-tensor.js';
export { pruneUnreachable, type UnreachableInput, type UnreachableResult } from './unreachable.js';
