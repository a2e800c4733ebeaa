import type * as tf from '@tensorflow/tfjs';
import { fileIO } from '@softshare/backend';

/** Our loss names as a Keras / tfjs training config writes them. */
const CONFIG_NAMES: Record<string, string> = {
  'categorical-crossentropy': 'categorical_crossentropy',
  'sparse-categorical-crossentropy': 'categorical_crossentropy', // batches hold one-hot rows either way
  'binary-crossentropy': 'binary_crossentropy',
  mse: 'mean_squared_error',
  mae: 'mean_absolute_error',
};

/**
 * Save a model as model.json + weights.bin in `dir`. When the run had an explicit task
 * (flags or the input's training config) of named losses, model.json carries it as a
 * training config (`loss` per output and an Adam `optimizer_config`, which plain
 * `tf.loadLayersModel` compiles with), so the next command, and the user, train and
 * measure the same task. Loss weights are not written: tfjs refuses to load them.
 */
export async function saveModel(model: tf.LayersModel, dir: string, task?: readonly { readonly loss: string }[]): Promise<void> {
  const names = task?.map((t) => CONFIG_NAMES[t.loss]);
  const handler = fileIO(dir);
  if (!names || names.some((n) => n === undefined)) {
    await model.save(handler);
    return;
  }
  const trainingConfig = {
    loss: names.length === 1 ? names[0] : names,
    optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } },
  };
  await model.save({ save: (artifacts) => handler.save!({ ...artifacts, trainingConfig: trainingConfig as unknown as tf.io.TrainingConfig }) });
}
