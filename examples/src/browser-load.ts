// (c) Load a .sws the way a browser does: bytes (from fetch) -> IOHandler ->
// tf.loadLayersModel -> predict. Nothing here touches the file system; in a page,
// `bytes` would be `new Uint8Array(await (await fetch('model.sws')).arrayBuffer())`.
import * as tf from '@tensorflow/tfjs';
import { encodeSws, swsIO, tinyQuantizedModel } from '@softshare/format';

export async function predictFromSwsBytes(bytes: Uint8Array, input: number[][]): Promise<number[][]> {
  const model = await tf.loadLayersModel(swsIO(bytes));
  const y = tf.tidy(() => model.predict(tf.tensor2d(input)) as tf.Tensor);
  const out = (await y.array()) as number[][];
  y.dispose();
  model.dispose();
  return out;
}

/** Bytes of a small .sws, standing in for a download. */
export function exampleSwsBytes(): Uint8Array {
  return encodeSws(tinyQuantizedModel()).bytes;
}
