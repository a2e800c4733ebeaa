export { lloydWithZero, optimalCentres, type SharedFit } from './kmeans.js';
export { applyFits, shrink, shrinkOptionsSchema, tensorFits, TensorFits, VALUE_STEPS, type ShrinkOptions, type ShrinkOptionsInput } from './shrink.js';
export { DEFAULT_FIDELITY_BUDGET, describeFidelity, outputFidelity, outputKindOf, topOneError, withinBudget, type FidelityBudget, type OutputFidelity, type OutputValues } from './fidelity.js';
export { loosestWithin, sensitivityScales, shrinkWithinBudget, TOLERANCES, type ShrinkPoint, type ShrinkSearchOptions, type ShrinkSearchResult } from './search.js';
