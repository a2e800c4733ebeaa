// (e) A regression model in code, trained on a loss of your own (Huber) and measured by
// MAE: compressed within a loss budget this user sets (the validation MAE may rise by half
// of itself, `maxLossIncrease` 0.5; with the default 5% no file of this small, precise
// model is within: its float retrained model is, its quantised files are not, see
// docs/RESULTS.md), the test split reported once on the decoded file.
import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, of } from 'rxjs';
import { selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import { carveValidation, type Dataset, type DataSplit } from '@softshare/data';
import { swsIO } from '@softshare/format';
import { evaluate, pretrain, toModelData, type OutputTask } from '@softshare/models';
import { compressWithinBudget, parsePipelineConfig, type BudgetOutcome } from '@softshare/pipeline';

/** y = sin(2 x0) + x1 x2 + noise over 6 features (3 of them noise): one value per example. */
function split(count: number, rng: Rng): DataSplit {
  const inputs = Float32Array.from({ length: count * 6 }, () => rng.next() * 2 - 1);
  const values = Float32Array.from({ length: count }, (_, i) => Math.sin(2 * inputs[i * 6]) + inputs[i * 6 + 1] * inputs[i * 6 + 2] + 0.05 * (rng.next() - 0.5));
  return { count, shape: [6], inputs, divisor: 1, targets: [{ kind: 'values', values, shape: [1] }] };
}

/** The task: a loss function of the user's (any tfjs loss: targets and outputs in, the batch mean out) and a named metric. */
export const huberTask: OutputTask = { loss: (y, p) => tf.losses.huberLoss(y, p, undefined, 0.5) as tf.Scalar, metric: 'mae' };

export async function compressRegression(): Promise<{ before: number; validationMae: number; testBefore: number; testMae: number; fileRatio: number; budget: BudgetOutcome }> {
  await selectBackend();
  const rng = new Rng(11);
  const data: Dataset = carveValidation({ name: 'regression-demo', train: split(1800, rng), test: split(400, rng), task: huberTask }, 300);
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 48, activation: 'tanh', name: 'hidden1', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 24, activation: 'tanh', name: 'hidden2', kernelInitializer: init(2) }),
      tf.layers.dense({ units: 1, name: 'value', kernelInitializer: init(3) }),
    ],
  });
  await pretrain(model, data, { epochs: 25, batchSize: 32, learningRate: 5e-3, lrDecay: 0.9, seed: 1 });
  const before = evaluate(model, data.validation!, { task: data.task }).error;
  const testBefore = evaluate(model, data.test, { task: data.task }).error;
  const config = parsePipelineConfig({ retrain: { epochs: 20, batchSize: 32, warmupEpochs: 2 }, tune: { epochs: 4, batchSize: 32 }, budget: { maxLossIncrease: 0.5 } });
  const { encoded, budget } = await lastValueFrom(of(toModelData(model)).pipe(compressWithinBudget(data, config, { encode: { coder: 'rans/1' } })));
  if (!budget.held) throw new Error(`no file kept the budget: best MAE ${budget.points[budget.chosen].validationError} > ${budget.limit}`);
  const fileRatio = (model.countParams() * 4) / encoded.bytes.length;
  model.dispose();
  const decoded = await tf.loadLayersModel(swsIO(encoded.bytes));
  const validationMae = evaluate(decoded, data.validation!, { task: data.task }).error;
  const testMae = evaluate(decoded, data.test, { task: data.task }).error;
  decoded.dispose();
  return { before, validationMae, testBefore, testMae, fileRatio, budget };
}
