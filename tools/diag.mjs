import * as tf from '@tensorflow/tfjs';
import { selectBackend, fileIO } from '@softshare/backend';
import { loadCheckpoint } from '@softshare/retrain';
import { toMixture, assignComponents } from '@softshare/prior';
import { loadMnist } from '@softshare/data';
import { evaluate, pretrainedModelPath } from '@softshare/models';
await selectBackend();
const s = loadCheckpoint(process.argv[2]);
const m = toMixture(s.mixture);
const data = loadMnist();
const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-300-100')));
const setW = (vals) => model.setWeights(vals.map((v, i) => tf.tensor(v, s.weights[i].shape)));
setW(s.weights.map((w) => w.values));
console.log('checkpoint weights error', evaluate(model, data.test).error);
for (const rule of ['map', 'ml']) {
  const q = s.weights.map((w) => {
    if (!w.name.endsWith('kernel')) return w.values;
    const c = assignComponents(m, w.values, rule);
    const out = Float32Array.from(c, (k) => (k === 0 ? 0 : m.means[k]));
    let d = 0, nz = 0; for (let i = 0; i < out.length; i++) { d += Math.abs(out[i] - w.values[i]); if (out[i] !== 0) nz++; }
    console.log(rule, w.name, 'mean |dw|', (d / out.length).toExponential(2), 'nonzero', nz);
    return out;
  });
  setW(q);
  console.log(rule, 'quantized error', evaluate(model, data.test).error);
}
