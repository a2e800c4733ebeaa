#!/usr/bin/env node
// The tau-sweep table: reads the <file>.sws.json results that `softshare compress` wrote
// and re-encodes every .sws with the current writer (the format gained the context layout
// and a compact header during the sweep), so file sizes are comparable.
//   node tools/sweep-table.mjs out/sweep/l300-t*-e30.sws
import { readFileSync } from 'node:fs';
import { decodeSws, encodeSws } from '@softshare/format';

console.log('| tau | epochs | error before % | error after % | non-zero weights % | paper storage-format rate | file-size ratio (re-encoded) | seconds |');
console.log('|---|---|---|---|---|---|---|---|');
const rows = process.argv.slice(2).map((file) => {
  const r = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  const { header, tensors } = decodeSws(readFileSync(file));
  const model = {
    kind: 'quantized', topology: header.modelTopology, diagnostics: [],
    mixture: { means: new Float64Array(0), variances: new Float64Array(0), proportions: new Float64Array(0) },
    params: tensors.map((t) => ({ name: t.name, shape: t.shape, role: 'other', values: t.values })),
    quantized: tensors.filter((t) => t.codes).map((t) => ({ name: t.name, shape: t.shape, codebook: t.codebook, codes: t.codes })),
  };
  const bytes = encodeSws(model, { generator: header.generator }).bytes.length;
  return { tau: r.config.retrain.tau, epochs: r.config.retrain.epochs, r, ratio: r.original_bytes / bytes };
});
rows.sort((a, b) => a.tau - b.tau);
for (const { tau, epochs, r, ratio } of rows) {
  console.log(`| ${tau} | ${epochs} | ${(r.error_before * 100).toFixed(2)} | ${(r.error_after * 100).toFixed(2)} | ${(r.nonzero_fraction * 100).toFixed(2)} | ${r.paper_format_ratio.toFixed(1)} | ${ratio.toFixed(1)} | ${r.seconds} |`);
}
