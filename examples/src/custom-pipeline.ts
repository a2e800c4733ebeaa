// (a) Compose a custom pipeline in code: retrain, SKIP merging, quantise, and store with
// brotli instead of the default rANS coder.
import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, map, of, pipe } from 'rxjs';
import { fileIO, selectBackend } from '@softshare/backend';
import type { MergedModel, RetrainedModel } from '@softshare/core';
import { loadMnist, takeFirst } from '@softshare/data';
import { encodeSws } from '@softshare/format';
import { pretrainedModelPath, toModelData } from '@softshare/models';
import { quantize } from '@softshare/quantize';
import { retrain } from '@softshare/retrain';

/** A stage of our own: declare the mixture final as it is (no merging). */
const keepComponents = () => map((m: RetrainedModel): MergedModel => ({ ...m, kind: 'merged' }));

export async function customPipeline(trainLimit = 512): Promise<{ bytes: Uint8Array; components: number }> {
  await selectBackend();
  const full = loadMnist('mnist');
  const data = { ...full, test: takeFirst(full.test, 200) };
  const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-300-100')));
  const input = toModelData(model);
  model.dispose();
  const compress = pipe(
    retrain(data, { epochs: 1, trainLimit, tau: 0.1, evalEvery: 0 }),
    keepComponents(),
    quantize({ rule: 'ml' }),
    map((q) => ({ bytes: encodeSws(q, { coder: 'brotli/1' }).bytes, components: q.mixture?.means.length ?? 0 })),
  );
  return lastValueFrom(of(input).pipe(compress));
}
