#!/usr/bin/env node
// Bytes of a .sws file's header JSON compressed different ways (format 2.0 stores the
// lz/1 + preset dictionary one).
//   node tools/header-sizes.mjs file.sws [more.sws ...]
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { lzCompress } from '@softshare/entropy';
import { HEADER_DICTIONARY, readSwsHeader } from '@softshare/format';

console.log('| file | header JSON B | stored B | lz/1 + dictionary | lz/1 alone | brotli-11 | deflate-9 |');
console.log('|---|---|---|---|---|---|---|');
for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(readFileSync(file));
  const json = new TextEncoder().encode(JSON.stringify(readSwsHeader(bytes).header));
  const stored = new DataView(bytes.buffer).getUint32(8, true);
  const brotli = zlib.brotliCompressSync(json, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const deflate = zlib.deflateRawSync(json, { level: 9 }).length;
  console.log(`| ${file} | ${json.length} | ${stored} | ${lzCompress(json, HEADER_DICTIONARY).length} | ${lzCompress(json).length} | ${brotli} | ${deflate} |`);
}
