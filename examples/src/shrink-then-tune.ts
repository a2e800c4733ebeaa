// (g) No retraining: put a trained model's weights on shared values with the shrink stage
// (post-training), and, since labelled data exists here, hand the result to tune, which
// trains the shared values with every code fixed. Both files decode with swsIO.
import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, of } from 'rxjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { loadMnist, takeFirst } from '@softshare/data';
import { encodeSws } from '@softshare/format';
import { pretrainedModelPath, toModelData } from '@softshare/models';
import { errorOfFile } from '@softshare/pipeline';
import { shrink } from '@softshare/shrink';
import { tune } from '@softshare/tune';

export async function shrinkThenTune(trainLimit = 4000): Promise<{ floatBytes: number; shrunk: { bytes: number; error: number }; tuned: { bytes: number; error: number } }> {
  await selectBackend();
  const full = loadMnist('mnist');
  const data = { ...full, test: takeFirst(full.test, 2000) };
  const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-300-100')));
  const input = toModelData(model);
  model.dispose();
  // a loose tolerance on purpose: few shared values, then tune recovers what they cost
  const shrunk = await lastValueFrom(of(input).pipe(shrink({ tolerance: 0.1 })));
  const tuned = await lastValueFrom(of(shrunk).pipe(tune(data, { epochs: 1, trainLimit })));
  const files = [encodeSws(shrunk).bytes, encodeSws(tuned).bytes];
  const [a, b] = await Promise.all(files.map((bytes) => errorOfFile(bytes, data.test)));
  return { floatBytes: 4 * input.params.reduce((n, p) => n + p.values.length, 0), shrunk: { bytes: files[0].length, error: a }, tuned: { bytes: files[1].length, error: b } };
}
