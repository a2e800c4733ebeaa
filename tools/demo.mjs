#!/usr/bin/env node
// The main job: compress a shipped pretrained LeNet with the default settings, decode the
// .sws, evaluate it, and print our row beside the paper's Table 1 row.
//   npm run demo                         (LeNet-300-100)
//   npm run demo -- --model lenet-5-caffe
import { readFileSync } from 'node:fs';
import { main } from '@softshare/cli';
import { pretrainedModelPath } from '@softshare/models';

const args = process.argv.slice(2);
const name = args.includes('--model') ? args[args.indexOf('--model') + 1] : 'lenet-300-100';
const paper = {
  'lenet-300-100': { error: '1.89 -> 1.94', nonzero: 4.3, rate: 64 },
  'lenet-5-caffe': { error: '0.88 -> 0.97', nonzero: 0.5, rate: 162 },
}[name];
if (!paper) {
  console.error(`demo: Expected --model lenet-300-100 or lenet-5-caffe, got '${name}'`);
  process.exit(2);
}
const out = `out/${name}.sws`;
const passthrough = args.filter((a, i) => a !== '--model' && args[i - 1] !== '--model');
const code = await main(['compress', '--model', pretrainedModelPath(name), '--data', 'mnist', '--out', out, ...passthrough]);
// 3: over the accuracy budget; the file was kept beside out/, and its summary is printed below all the same
const written = code === 3 ? out.replace(/\.sws$/, '.over-budget.sws') : out;
if (code !== 0 && code !== 3) process.exit(code);
const r = JSON.parse(readFileSync(`${written}.json`, 'utf8'));
const verify = await (async () => {
  let text = '';
  const c = await main(['eval', '--model', written, '--json'], { out: (t) => void (text += t), err: (t) => process.stderr.write(t) });
  return c === 0 ? JSON.parse(text).error : NaN;
})();
const pct = (x) => (x * 100).toFixed(2);
console.log(`\n${name} on MNIST (${r.backend} backend; file-size ratio = float32 bytes of every parameter / .sws bytes)\n`);
const b = r.budget;
const budget = b.max_error_increase === null ? 'off' : `${pct(b.reference_validation_error)} -> ${pct(r.validation_error_after)} (limit ${pct(b.limit)}: ${b.held ? 'held' : 'BROKEN'})`;
console.log('| method | test error % (before -> after) | validation error % (pretrained -> file, budget) | non-zero weights % | paper storage-format rate | file-size ratio | seconds |');
console.log('|---|---|---|---|---|---|---|');
console.log(`| soft weight-sharing, paper (Table 1) | ${paper.error} | - | ${paper.nonzero} | ${paper.rate} | - | - |`);
console.log(`| softshare (this run) | ${pct(r.error_before)} -> ${pct(r.error_after)} | ${budget} | ${pct(r.nonzero_fraction)} | ${r.paper_format_ratio.toFixed(1)} | ${r.file_ratio.toFixed(1)} (${r.file_bytes} B) | ${r.seconds} |`);
console.log(`\nthe search tried ${b.points.length} point(s) on the validation split: ${b.points.map((p) => `tau ${p.tau ?? '-'}${p.rule === 'ml' ? ' ml' : ''}${p.storage ? ' stored' : ''} ${pct(p.validation_error)}% at ${p.file_ratio.toFixed(1)}x${p.within_budget ? '' : ' (over)'}`).join('; ')}`);
console.log(`wrote ${written}; decoded from the file it evaluates to ${pct(verify)}% test error`);
process.exit(code);
