export { sparsifyOptionsSchema, type SparsifyOptions, type SparsifyOptionsInput } from './options.js';
export { keepLowest, shareValues } from './select.js';
export { runSparsify, sparsify, type SparsifyEpochValues, type SparsifyEvent } from './sparsify.js';
export { runVariationalDropout, variationalChain, type VariationalDropoutEpoch, type VariationalDropoutHooks, type VariationalDropoutResult } from './variational-dropout.js';
