#!/usr/bin/env node
// Where a .sws file's bytes go, part by part, beside the order-0 code length of what each
// part carries (the limit an entropy coder without context reaches): per shared tensor the
// positions (n H(p) bits for a mask of n entries, p non-zero) and the codes (the empirical
// entropy of the non-zero codes); the header split into topology, codebooks and the rest
// (by what the lz-compressed header loses without each); float tensors; framing.
//   node tools/bytes-by-part.mjs results/lenet-5-caffe-vd-biases.sws [--json]
import { readFileSync } from 'node:fs';
import { lzCompress } from '@softshare/entropy';
import { decodeSws, HEADER_DICTIONARY } from '@softshare/format';

const file = process.argv[2];
const bytes = new Uint8Array(readFileSync(file));
const { header, tensors } = decodeSws(bytes);
const stored = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
const lz = (h) => lzCompress(new TextEncoder().encode(JSON.stringify(h)), HEADER_DICTIONARY).length;
const full = lz(header);
const topology = full - lz({ ...header, modelTopology: {} });
const codebooks = full - lz({ ...header, tensors: header.tensors.map((t) => (t.encoding === 'shared' ? { ...t, codebook: [0] } : t)) });
const h2 = (p) => (p <= 0 || p >= 1 ? 0 : -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p)));
const rows = header.tensors.map((t, i) => {
  if (t.encoding !== 'shared') return { name: t.name, part: t.encoding, bytes: t.data.length, bound: t.data.length };
  const codes = tensors[i].codes;
  const n = codes.length;
  const counts = new Map();
  for (const c of codes) if (c !== 0) counts.set(c, (counts.get(c) ?? 0) + 1);
  const nz = [...counts.values()].reduce((a, b) => a + b, 0);
  const codeBits = [...counts.values()].reduce((s, k) => s - k * Math.log2(k / nz), 0);
  const positions = t.layout === 'escape' ? t.gaps.length : t.mask.length;
  return { name: t.name, part: `shared/${t.layout}`, nonzero: nz, elements: n, positions, positionsBound: Math.ceil((n * h2(nz / n)) / 8), codes: t.codes.length, codesBound: Math.ceil(codeBits / 8), bytes: positions + t.codes.length, bound: Math.ceil((n * h2(nz / n)) / 8) + Math.ceil(codeBits / 8) };
});
const payload = rows.reduce((s, r) => s + r.bytes, 0);
const bound = rows.reduce((s, r) => s + r.bound, 0);
const framing = bytes.length - stored - payload;
const out = { file, bytes: bytes.length, header: { stored, topology, codebooks, rest: stored - topology - codebooks }, payload, order0Bound: bound, framing, tensors: rows };
if (process.argv.includes('--json')) console.log(JSON.stringify(out, null, 2));
else {
  console.log(`${file}: ${bytes.length} bytes = header ${stored} (topology ~${topology}, codebooks ~${codebooks}, tensor table and rest ~${stored - topology - codebooks}) + payload ${payload} (order-0 bound ${bound}) + framing ${framing}`);
  console.log('| tensor | storage | non-zero | positions B (order-0 bound) | codes B (order-0 bound) | raw B |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r.part.startsWith('shared') ? `| ${r.name} | ${r.part} | ${r.nonzero}/${r.elements} | ${r.positions} (${r.positionsBound}) | ${r.codes} (${r.codesBound}) | - |` : `| ${r.name} | ${r.part} | - | - | - | ${r.bytes} |`);
}
