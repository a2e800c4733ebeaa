export { maskSearchOptionsSchema, runMaskSearch, type MaskSearchHooks, type MaskSearchOptions } from './mask-search.js';
export { runSharedTuning, tuneOptionsSchema, type TuneEpoch, type TuneHooks, type TuneOptions, type TuneOptionsInput } from './shared-values.js';
export { tune, type TuneEpochValues, type TuneEvent, type TuneStageHooks } from './tune.js';
