// (d) Your own data and model in code: an RGB classifier with a linear (logits) output,
// trained and compressed from a tf.data.Dataset within the default accuracy budget (half a
// point of validation error), the test split reported once on the decoded file.
import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, of } from 'rxjs';
import { selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import { carveValidation, splitFromTfDataset, type Dataset } from '@softshare/data';
import { swsIO } from '@softshare/format';
import { evaluate, pretrain, toModelData } from '@softshare/models';
import { compressWithinBudget, parsePipelineConfig, type BudgetOutcome } from '@softshare/pipeline';

/** 8x8 RGB images of three classes: class c has its channel c bright, plus noise. */
function examples(count: number, rng: Rng): { xs: tf.Tensor; ys: tf.Tensor }[] {
  return Array.from({ length: count }, (_, i) => {
    const label = i % 3;
    const values = Float32Array.from({ length: 8 * 8 * 3 }, (_, k) => (k % 3 === label ? 0.7 : 0.3) + 0.4 * (rng.next() - 0.5));
    return { xs: tf.tensor3d(values, [8, 8, 3]), ys: tf.oneHot(label, 3) };
  });
}

export async function compressOwnData(): Promise<{ fileBytes: number; floatBytes: number; before: number; validationError: number; testError: number; nonZero: number; budget: BudgetOutcome }> {
  await selectBackend();
  const rng = new Rng(7);
  const all = await splitFromTfDataset(tf.data.array(examples(900, rng)).batch(64) as never);
  const test = await splitFromTfDataset(tf.data.array(examples(300, rng)).batch(64) as never);
  const data: Dataset = carveValidation({ name: 'rgb-demo', train: all, test, numClasses: 3 }, 150);
  const init = (seed: number) => tf.initializers.glorotUniform({ seed }); // the same net every run
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, activation: 'relu', name: 'conv', kernelInitializer: init(1) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 32, activation: 'relu', name: 'hidden', kernelInitializer: init(2) }),
      tf.layers.dense({ units: 3, name: 'logits', kernelInitializer: init(3) }), // linear: read as logits
    ],
  });
  await pretrain(model, data, { epochs: 3, batchSize: 32, learningRate: 3e-3, seed: 1 });
  const before = evaluate(model, data.validation!).error;
  // under the default MAP rule every weight of this small model lands in the zero component
  // (its proportion starts at 0.999) and the file classifies at chance: the search sees the
  // float model keep the budget, and quantises the same weights by rule 'ml' instead
  const config = parsePipelineConfig({ retrain: { epochs: 30, batchSize: 32, warmupEpochs: 3 }, tune: { epochs: 1, batchSize: 32 } });
  const { model: quantized, encoded, budget } = await lastValueFrom(of(toModelData(model)).pipe(compressWithinBudget(data, config, { encode: { coder: 'rans/1' } })));
  if (!budget.held) throw new Error(`no file kept the budget: best ${budget.points[budget.chosen].validationError} > ${budget.limit}`);
  const floatBytes = model.countParams() * 4;
  model.dispose();
  const { bytes } = encoded;
  const decoded = await tf.loadLayersModel(swsIO(bytes));
  const validationError = evaluate(decoded, data.validation!).error;
  const testError = evaluate(decoded, data.test).error;
  decoded.dispose();
  const nonZero = quantized.quantized.reduce((a, q) => a + q.codes.filter((c) => c !== 0).length, 0) / quantized.quantized.reduce((a, q) => a + q.codes.length, 0);
  return { fileBytes: bytes.length, floatBytes, before, validationError, testError, nonZero, budget };
}
