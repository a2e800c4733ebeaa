// Entry of the browser bundle the tests build with vite and run in headless Chromium:
// what a web page does with a .sws (fetch the bytes, swsIO, tf.loadLayersModel, predict).
import * as tf from '@tensorflow/tfjs';
import { swsIO } from '@softshare/format';

async function predictSws(base64: string, input: number[][]): Promise<number[][]> {
  await tf.setBackend('cpu');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const model = await tf.loadLayersModel(swsIO(bytes));
  const y = tf.tidy(() => model.predict(tf.tensor2d(input)) as tf.Tensor);
  const out = (await y.array()) as number[][];
  tf.dispose(y);
  model.dispose();
  return out;
}

(globalThis as unknown as { predictSws: typeof predictSws }).predictSws = predictSws;
