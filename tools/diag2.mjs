import { loadCheckpoint } from '@softshare/retrain';
import { toMixture, assignComponents } from '@softshare/prior';
const s = loadCheckpoint(process.argv[2]);
const m = toMixture(s.mixture);
console.log('means', Array.from(m.means, (x) => +x.toFixed(3)).join(' '));
console.log('stds ', Array.from(m.variances, (x) => +Math.sqrt(x).toFixed(3)).join(' '));
console.log('pis  ', Array.from(m.proportions, (x) => x.toExponential(1)).join(' '));
for (const w of s.weights.filter((w) => w.name.endsWith('kernel'))) {
  const c = assignComponents(m, w.values, 'map');
  const dist = Array.from(w.values, (x, i) => Math.abs(x - (c[i] === 0 ? 0 : m.means[c[i]])));
  dist.sort((a, b) => b - a);
  const sample = Array.from(w.values).filter((_, i) => i % Math.ceil(w.values.length / 40) === 0).map((x) => +x.toFixed(3));
  console.log(w.name, 'largest |dw|', dist.slice(0, 5).map((x) => +x.toFixed(3)), 'median', +dist[dist.length >> 1].toFixed(4), 'sample', sample.slice(0, 20).join(' '));
}
