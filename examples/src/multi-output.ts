// (f) A functional model with two outputs, a class and a value, trained on a weighted sum
// of their losses (cross-entropy + 0.5 x MSE): compressed so that every output stays
// within its own budget, as this user sets it (error + 2 points, the MSE at most doubled;
// with the defaults, + half a point and + 5%, no file is within: the quantised value head
// loses precision its float model keeps, as in (e); docs/RESULTS.md).
import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, of } from 'rxjs';
import { selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import { carveValidation, type Dataset, type DataSplit } from '@softshare/data';
import { swsIO } from '@softshare/format';
import { evaluate, pretrain, toModelData, type OutputEvaluation, type TaskSpec } from '@softshare/models';
import { compressWithinBudget, parsePipelineConfig, type BudgetOutcome } from '@softshare/pipeline';

/** 4 features: the class is the quadrant of (x0, x1), the value x2 * x3 + x0. */
function split(count: number, rng: Rng): DataSplit {
  const inputs = Float32Array.from({ length: count * 4 }, () => rng.next() * 2 - 1);
  const labels = Uint8Array.from({ length: count }, (_, i) => (inputs[i * 4] > 0 ? 1 : 0) + (inputs[i * 4 + 1] > 0 ? 2 : 0));
  const values = Float32Array.from({ length: count }, (_, i) => inputs[i * 4 + 2] * inputs[i * 4 + 3] + inputs[i * 4]);
  return { count, shape: [4], inputs, divisor: 1, targets: [{ kind: 'classes', labels }, { kind: 'values', values, shape: [1] }] };
}

export const twoTasks: TaskSpec = [{ loss: 'categorical-crossentropy' }, { loss: 'mse', weight: 0.5 }];

export async function compressMultiOutput(): Promise<{ before: readonly OutputEvaluation[]; after: readonly OutputEvaluation[]; fileRatio: number; budget: BudgetOutcome }> {
  await selectBackend();
  const rng = new Rng(5);
  const data: Dataset = carveValidation({ name: 'two-heads', train: split(2000, rng), test: split(500, rng), numClasses: 4, task: twoTasks }, 500);
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [4] });
  const trunk = tf.layers.dense({ units: 48, activation: 'relu', name: 'trunk', kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  const cls = tf.layers.dense({ units: 4, activation: 'softmax', name: 'quadrant', kernelInitializer: init(2) }).apply(trunk) as tf.SymbolicTensor;
  const value = tf.layers.dense({ units: 1, name: 'value', kernelInitializer: init(3) }).apply(trunk) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [cls, value] });
  await pretrain(model, data, { epochs: 20, batchSize: 32, learningRate: 5e-3, lrDecay: 0.9, seed: 1 });
  const before = evaluate(model, data.test, { task: data.task }).outputs;
  const config = parsePipelineConfig({ retrain: { epochs: 20, batchSize: 32, warmupEpochs: 2 }, tune: { epochs: 4, batchSize: 32 }, budget: { maxErrorIncrease: 0.02, maxLossIncrease: 1 } });
  const { encoded, budget } = await lastValueFrom(of(toModelData(model)).pipe(compressWithinBudget(data, config, { encode: { coder: 'rans/1' } })));
  if (!budget.held) throw new Error(`no file kept every output's budget: ${JSON.stringify(budget.points[budget.chosen].validationOutputs)} against ${JSON.stringify(budget.outputs)}`);
  const fileRatio = (model.countParams() * 4) / encoded.bytes.length;
  model.dispose();
  const decoded = await tf.loadLayersModel(swsIO(encoded.bytes));
  const after = evaluate(decoded, data.test, { task: data.task }).outputs;
  decoded.dispose();
  return { before, after, fileRatio, budget };
}
