import { describe, expect, it } from 'vitest';
import * as p from './index.js';

describe('@softshare/pipeline exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(p).sort()).toEqual(['budgetOptionsSchema', 'compressWithinBudget', 'compressionPipeline', 'errorOfFile', 'evaluationOfFile', 'parsePipelineConfig', 'pipelineConfigSchema', 'pipelineName', 'pipelineStages', 'prepareBatchNorm', 'storageOptionsSchema', 'storeByWorth', 'withBatchNormBalanced', 'withBatchNormFolded', 'withCodebookDigits']);
  });
});
