import { fileURLToPath } from 'node:url';
import type { ModelName } from './architectures.js';

/**
 * Path of a shipped pretrained model.json (tfjs layers format), produced by
 * `softshare pretrain` as docs/RESULTS.md records.
 *
 * @example
 * const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-300-100')));
 */
export function pretrainedModelPath(name: ModelName): string {
  return fileURLToPath(new URL(`../pretrained/${name}/model.json`, import.meta.url));
}
