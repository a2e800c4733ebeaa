import * as tf from '@tensorflow/tfjs';
import { loadModelArtifacts } from '@softshare/backend';
import { SoftshareError, type PretrainedModel } from '@softshare/core';
import { checkGraphTopology } from '@softshare/format';
import { graphModelData, isGraphArtifacts, toModelData } from '@softshare/models';
import { layersModelFromArtifacts } from './load-model.js';

/** A model.json of either kind tfjs loads: a layers model (Keras-style) or a graph model (converted from TensorFlow). */
export interface AnyModel {
  readonly kind: 'layers' | 'graph';
  readonly data: PretrainedModel;
  /** The layers model, when it is one. */
  readonly layers?: tf.LayersModel;
}

const LAYERS_CLASSES = ['Sequential', 'Model', 'Functional'];

/**
 * Load a tfjs model.json of either kind, with one coded line for anything else: a graph
 * model's GraphDef is checked (checkGraphTopology) before tfjs sees it, a layers model's
 * topology as `loadLayersModelFile` does; a file that is neither says so.
 */
export async function loadAnyModel(path: string): Promise<AnyModel> {
  const artifacts = loadModelArtifacts(path);
  if (isGraphArtifacts(artifacts)) {
    try {
      checkGraphTopology(artifacts.modelTopology, artifacts.weightSpecs ?? []);
      return { kind: 'graph', data: graphModelData(artifacts, path) };
    } catch (cause) {
      if (cause instanceof SoftshareError) throw new SoftshareError(cause.code, 'cli', cause.message.startsWith(path) ? cause.message : `${path}: ${cause.message}`, { cause });
      throw cause;
    }
  }
  const t = artifacts.modelTopology as { class_name?: unknown; model_config?: { class_name?: unknown } } | undefined;
  const className = t?.class_name ?? t?.model_config?.class_name;
  if (typeof className !== 'string' || !LAYERS_CLASSES.includes(className)) {
    throw new SoftshareError('E_MODEL_FORMAT', 'cli', `${path}: neither a tfjs layers model (a Sequential or Model topology) nor a graph model (format "graph-model" with a node list)`);
  }
  const layers = await layersModelFromArtifacts(path, artifacts);
  return { kind: 'layers', data: toModelData(layers), layers };
}
