export { loadCheckpoint, saveCheckpoint } from './checkpoint-file.js';
export { runRetraining, type RetrainEpoch, type RetrainHooks } from './retrain-loop.js';
export { retrainOptionsSchema, type RetrainOptions, type RetrainOptionsInput } from './retrain-options.js';
export { retrain, type RetrainEpochValues, type RetrainEvent } from './retrain.js';
export { decodeTrainingState, encodeTrainingState, resumeMismatch, type TrainingState } from './training-state.js';
