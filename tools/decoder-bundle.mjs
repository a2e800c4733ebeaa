#!/usr/bin/env node
// The browser decoder: what a web page bundles to load a .sws into tfjs
// (`import { swsIO } from '@softshare/format'`), minified, tfjs left to the page. Prints its
// size minified and gzipped (level 9) and the biggest inputs.
//   node tools/decoder-bundle.mjs [--json]
// buildDecoderBundle() is also what the browser test loads into Chromium.
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundle `swsIO` from the published entry of @softshare/format as an IIFE with global `softshareDecoder` (tfjs from the page's global `tf`). */
export async function buildDecoderBundle() {
  const result = await build({
    stdin: { contents: "export { swsIO } from '@softshare/format';", resolveDir: root, sourcefile: 'decoder-entry.js' },
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'softshareDecoder',
    platform: 'browser',
    target: 'es2020',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // tfjs is the page's own (`import type` only on the decode path); a global for an IIFE
    external: ['@tensorflow/tfjs', '@tensorflow/tfjs-core'],
  });
  const code = result.outputFiles[0].text;
  const inputs = {};
  for (const [path, v] of Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs)) {
    const key = path.includes('node_modules/') ? path.split('node_modules/').pop().split('/').slice(0, path.split('node_modules/').pop().startsWith('@') ? 2 : 1).join('/') : path.split('/').slice(0, 3).join('/');
    inputs[key] = (inputs[key] ?? 0) + v.bytesInOutput;
  }
  return { code, minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length, inputs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minified, gzipped, inputs } = await buildDecoderBundle();
  if (process.argv.includes('--json')) console.log(JSON.stringify({ minified, gzipped, inputs }));
  else {
    console.log(`swsIO decoder bundle (minified, tfjs external): ${minified} bytes, ${gzipped} bytes gzipped`);
    for (const [k, v] of Object.entries(inputs).sort((a, b) => b[1] - a[1])) if (v > 0) console.log(`  ${k}: ${v} bytes minified`);
  }
}
