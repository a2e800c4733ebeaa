#!/usr/bin/env node
// The tau-sweep table: reads the <file>.sws.json results that `softshare compress` wrote
// and re-encodes every .sws with the current writer (the format gained the context layout
// and a compact header during the sweep), so file sizes are comparable.
//   node tools/sweep-table.mjs out/sweep/l300-t*-e30.sws
import { readFileSync } from 'node:fs';
import { encodeSws, readSwsHeader, swsToQuantized } from '@softshare/format';

console.log('| tau | epochs | error before % | error after % | non-zero weights % | paper storage-format rate | file-size ratio (re-encoded) | seconds |');
console.log('|---|---|---|---|---|---|---|---|');
const rows = process.argv.slice(2).map((file) => {
  const r = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  const stored = new Uint8Array(readFileSync(file));
  const { header } = readSwsHeader(stored);
  const model = swsToQuantized(stored);
  const bytes = encodeSws(model, { generator: header.generator }).bytes.length;
  return { tau: r.config.retrain.tau, epochs: r.config.retrain.epochs, r, ratio: r.original_bytes / bytes };
});
rows.sort((a, b) => a.tau - b.tau);
for (const { tau, epochs, r, ratio } of rows) {
  console.log(`| ${tau} | ${epochs} | ${(r.error_before * 100).toFixed(2)} | ${(r.error_after * 100).toFixed(2)} | ${(r.nonzero_fraction * 100).toFixed(2)} | ${r.paper_format_ratio.toFixed(1)} | ${ratio.toFixed(1)} | ${r.seconds} |`);
}
