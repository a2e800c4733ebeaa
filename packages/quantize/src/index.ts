export { quantize, quantizeOptionsSchema } from './quantize.js';
export { quantizeTensor } from './quantize-tensor.js';
export { quantizeValues } from './quantize-values.js';
