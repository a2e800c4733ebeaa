export {
  assignComponents,
  clampGammas,
  evaluatePrior,
  gammaHyperPrior,
  initMixture,
  mostResponsible,
  pi0Gradient,
  proportions,
  responsibilities,
  toMixture,
  type MixtureGrads,
  type MixtureParams,
  type PriorEvaluation,
} from './gaussian-mixture.js';
export { priorOptionsSchema, type PriorOptions, type PriorOptionsInput } from './prior-options.js';
export { evaluatePriorGridded, GRID_STEP_PER_STD, MAX_GRID_NODES } from './gridded-prior.js';
export { createPriorWorker, type PriorWorker } from './prior-worker.js';
