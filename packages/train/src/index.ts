export { ADAM, adamUpdate } from './adam.js';
export { scheduleFactor } from './schedule.js';
export { runEpochs, yieldToEventLoop, type LoopPosition, type TrainingLoop } from './epochs.js';
