import { firstValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { errorLine, isSoftshareError, type PretrainedModel } from '@softshare/core';
import type { Dataset } from '@softshare/data';
import { merge } from '@softshare/merge';
import { prune } from '@softshare/prune';
import { quantize } from '@softshare/quantize';
import { retrain, type TrainingState } from '@softshare/retrain';
import { sparsify } from '@softshare/sparsify';
import { tune } from '@softshare/tune';
import { compressionPipeline, parsePipelineConfig, pipelineConfigSchema, pipelineName, pipelineStages } from './index.js';

describe('pipeline config', () => {
  it('is built from the stages\' own schemas, each section defaulting to its stage\'s defaults', () => {
    const config = parsePipelineConfig({});
    expect(config.retrain).toEqual(retrain.schema.parse({}));
    expect(config.merge).toEqual(merge.schema.parse({}));
    expect(config.quantize).toEqual(quantize.schema.parse({}));
    expect(config.prune).toEqual(prune.schema.parse({}));
    expect(config.tune).toEqual(tune.schema.parse({}));
    expect(config.sparsify).toBeUndefined();
    expect(Object.keys(pipelineConfigSchema.shape).sort()).toEqual(['balanceBatchNorm', 'budget', 'foldBatchNorm', ...[merge, prune, quantize, retrain, sparsify, tune].map((s) => s.stageName)].sort());
    // sections are fresh objects: one run's config cannot leak into the next
    expect(parsePipelineConfig({}).tune).not.toBe(config.tune);
  });

  it('applies retrain overrides and names a bad field in one E_OPTIONS line', () => {
    expect(parsePipelineConfig({ retrain: { epochs: 3 } }, { tau: 0.5 }).retrain).toMatchObject({ epochs: 3, tau: 0.5 });
    expect(errorLine(() => parsePipelineConfig({ retrain: { epochs: -1 } }))).toMatch(/^E_OPTIONS: config: invalid options: retrain\.epochs/);
    expect(errorLine(() => parsePipelineConfig({ retrian: {} }))).toMatch(/^E_OPTIONS: .*retrian/);
    expect(errorLine(() => parsePipelineConfig([]))).toBe('E_OPTIONS: config: expected an object of stage sections, got an array');
  });

  it('refuses a sparsify config that also sets options of the stages it replaces', () => {
    expect(errorLine(() => parsePipelineConfig({ sparsify: {}, quantize: { rule: 'ml' } }))).toMatch(/^E_OPTIONS: config: a sparsify section replaces retrain -> merge -> quantize, so quantize would be ignored/);
    expect(errorLine(() => parsePipelineConfig({ sparsify: {} }, { epochs: 2 }))).toMatch(/so --epochs would be ignored/);
  });

  it('lists the stages a config runs: prune after quantize, and again after a mask search', () => {
    expect(pipelineName(parsePipelineConfig({}))).toBe('retrain -> merge -> quantize -> prune -> tune');
    expect(pipelineName(parsePipelineConfig({ tune: { mask: { epochs: 2 } } }))).toBe('retrain -> merge -> quantize -> prune -> tune -> prune');
    expect(pipelineName(parsePipelineConfig({ sparsify: {} }))).toBe('sparsify -> tune');
    const stages = pipelineStages(parsePipelineConfig({}));
    expect(stages[0].figures).toBe(retrain.figures);
    expect(stages.find((s) => s.stageName === 'tune')?.figures).toBe(tune.figures);
  });
});

describe('compressionPipeline', () => {
  const model: PretrainedModel = {
    kind: 'pretrained',
    topology: {},
    diagnostics: [],
    params: [{ name: 'fc/kernel', shape: [2, 2], role: 'kernel', values: new Float32Array(4) }],
  };
  const noData = {} as Dataset;

  it('refuses, before any training, a tensor name the model does not have', async () => {
    const config = parsePipelineConfig({ tune: { mask: { epochs: 1, tensorDensity: { 'fc9/kernel': 0.1 } } } });
    const error = await firstValueFrom(of(model).pipe(compressionPipeline(noData, config))).catch((e: unknown) => e);
    expect(isSoftshareError(error) && `${error.code}: ${error.message}`).toBe('E_OPTIONS: config: tune.mask.tensorDensity names "fc9/kernel", which the model does not have (it has fc/kernel)');
  });

  it('refuses to resume a retraining that a sparsify section replaces', () => {
    const config = parsePipelineConfig({ sparsify: {} });
    expect(errorLine(() => compressionPipeline(noData, config, { resumeFrom: {} as TrainingState }))).toMatch(/^E_OPTIONS: resume continues a soft weight-sharing retraining/);
  });
});
