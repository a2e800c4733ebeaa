import { loadCheckpoint } from '@softshare/retrain';
import { toMixture } from '@softshare/prior';
const s = loadCheckpoint(process.argv[2]);
const m = toMixture(s.mixture);
console.log('means', Array.from(m.means, (x) => +x.toFixed(4)).join(' '));
console.log('stds ', Array.from(m.variances, (x) => +Math.sqrt(x).toFixed(4)).join(' '));
console.log('pis  ', Array.from(m.proportions, (x) => +x.toFixed(4)).join(' '));
const w = s.weights[0].values;
// histogram of fc1 weights
const edges = [-1, -0.3, -0.2, -0.1, -0.05, -0.02, -0.01, -0.005, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 1];
const h = new Array(edges.length - 1).fill(0);
for (const x of w) for (let k = 0; k < edges.length - 1; k++) if (x >= edges[k] && x < edges[k + 1]) { h[k]++; break; }
edges.slice(0, -1).forEach((e, k) => console.log(`[${e}, ${edges[k + 1]}) ${h[k]}`));
// distance of each weight to nearest mean, in stds of that comp
