import type * as tf from '@tensorflow/tfjs';

type CallFn = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/**
 * Hold every BatchNormalization of a model (nested models too) at its inference form
 * while it trains: its moving statistics normalise even when `training` is true, and its
 * gamma and beta leave the trainable weights. Retraining under a prior does this, because
 * a BatchNormalization that renormalises each batch lets the prior shrink the kernel
 * before it for free (the float model stays good, its quantised kernel is all 0:
 * docs/RESULTS.md). Returns the names of the layers held.
 *
 * @example
 * const model = await fromModelData(pretrained);
 * freezeBatchNorm(model); // then train with training: true
 */
export function freezeBatchNorm(model: tf.LayersModel): string[] {
  const held: string[] = [];
  const visit = (layers: readonly tf.layers.Layer[]) => {
    for (const layer of layers) {
      const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
      if (nested) visit(nested);
      if (layer.getClassName() !== 'BatchNormalization') continue;
      const self = layer as unknown as { call: CallFn };
      const call = self.call.bind(layer);
      self.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
      layer.trainable = false;
      held.push(layer.name);
    }
  };
  visit(model.layers);
  return held;
}
