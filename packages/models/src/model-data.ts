import * as tf from '@tensorflow/tfjs';
import { paramRole, type ModelData, type ParamTensor, type PretrainedModel } from '@softshare/core';


/**
 * Copy a tfjs layers model into the artefact that flows between stages: its topology
 * plus every weight as a Float32Array (no live tensors cross a stage boundary).
 *
 * @example
 * const pretrained = toModelData(model);
 */
export function toModelData(model: tf.LayersModel): PretrainedModel {
  const params: ParamTensor[] = model.weights.map((w) => {
    const values = w.read().dataSync() as Float32Array;
    return { name: w.originalName ?? w.name, shape: [...w.shape] as number[], role: paramRole(w.originalName ?? w.name, w.shape as number[]), values: Float32Array.from(values) };
  });
  return { kind: 'pretrained', topology: model.toJSON(null, false), params, diagnostics: [] };
}

/** tfjs ModelArtifacts (topology + one float32 weight buffer) for a ModelData. */
export function toArtifacts(data: ModelData): tf.io.ModelArtifacts {
  const total = data.params.reduce((n, p) => n + p.values.length, 0);
  const buf = new Float32Array(total);
  let at = 0;
  for (const p of data.params) {
    buf.set(p.values, at);
    at += p.values.length;
  }
  return {
    modelTopology: data.topology as tf.io.ModelArtifacts['modelTopology'],
    format: 'layers-model',
    generatedBy: 'softshare',
    convertedBy: null,
    weightSpecs: data.params.map((p) => ({ name: p.name, shape: [...p.shape], dtype: 'float32' as const })),
    weightData: buf.buffer,
  };
}

/** A runnable tfjs model from a ModelData. */
export async function fromModelData(data: ModelData): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(toArtifacts(data)));
}
