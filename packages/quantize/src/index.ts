export { quantize, quantizeOptionsSchema } from './quantize.js';
export { dequantize, quantizeTensor } from './quantize-tensor.js';
