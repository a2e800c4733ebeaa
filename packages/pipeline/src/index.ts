export {
  compressionPipeline,
  parsePipelineConfig,
  pipelineConfigSchema,
  pipelineName,
  pipelineStages,
  type PipelineConfig,
  type PipelineConfigInput,
  type PipelineContext,
  type PipelineStage,
} from './pipeline.js';
export { budgetOptionsSchema, type BudgetOptions } from './budget-options.js';
export { compressWithinBudget, errorOfFile, evaluationOfFile, type BudgetContext, type BudgetedCompression, type BudgetOutcome, type BudgetPoint } from './budget.js';
export { storageOptionsSchema, storeByWorth, withCodebookDigits, type StorageChoice, type StorageOptions } from './storage.js';
export { prepareBatchNorm, withBatchNormBalanced, withBatchNormFolded } from './batchnorm.js';
