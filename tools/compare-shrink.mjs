#!/usr/bin/env node
// softshare shrink against tfjs-converter's weight quantisation, in one run per model:
// bytes of the float32 files, of the converter's --quantize_float16 / --quantize_uint8 /
// --quantize_uint16 files (model.json + shards, also gzip -9 and brotli -11 as a web server
// would send them) and of `softshare shrink`'s .sws, each with its fidelity to the original
// on held-out inputs that no choice saw, and the decode time and memory of the .sws.
//
//   node tools/compare-shrink.mjs [--models lenet-300-100,lenet-5-caffe,emotion,antispoof,nsfwjs] [--out docs/shrink-comparison.json]
//   node tools/compare-shrink.mjs --table docs/shrink-comparison.json   (the markdown table of a run)
//
// LeNets: shrink calibrates on the MNIST validation split (--data mnist), the figures are on
// the 10,000 test images (top-1 agreement with the original and test error). emotion and
// antispoof: third-party graph models that ship in the npm package @vladmandic/human 3.3.6
// (fetched with `npm pack` into tmp/human-3.3.6, not trained here); no face data ships with
// them, so the inputs are crops of the photos in the same package (package/assets/*.jpg),
// 512 to calibrate (seed 1) and 512 others to report (seed 2), preprocessed as Human feeds them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { loadModelArtifacts, selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import { loadMnist } from '@softshare/data';
import { swsToQuantized } from '@softshare/format';
import { graphModelData, isGraphArtifacts, outputsOf, pretrainedModelPath, runnerOf, toModelData } from '@softshare/models';
import { describeFidelity, outputFidelity, topOneError } from '@softshare/shrink';
import { toFloat16Bytes } from '@softshare/core';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const names = arg('--models', 'lenet-300-100,lenet-5-caffe,emotion,antispoof,nsfwjs').split(',');
const outJson = arg('--out', 'docs/shrink-comparison.json');
const root = resolve(new URL('..', import.meta.url).pathname);
const work = join(root, 'tmp', 'compare-shrink');
mkdirSync(work, { recursive: true });
const backend = await selectBackend({ backend: arg('--backend', 'wasm') });

// ---- the third-party models: @vladmandic/human's package, as npm ships it
const HUMAN = join(root, 'tmp', 'human-3.3.6');
function humanPackage() {
  if (!existsSync(join(HUMAN, 'package', 'models', 'emotion.json'))) {
    mkdirSync(HUMAN, { recursive: true });
    execFileSync('npm', ['pack', '@vladmandic/human@3.3.6', '--pack-destination', HUMAN], { stdio: 'ignore' });
    execFileSync('tar', ['xzf', join(HUMAN, 'vladmandic-human-3.3.6.tgz'), '-C', HUMAN, 'package/models', 'package/assets', 'package/LICENSE']);
  }
  return join(HUMAN, 'package');
}

// nsfwjs 4.4.0 ships its MobileNetV2 (a Keras layers model, weights uint8-quantised in the
// manifest) as UMD scripts of model.json and a base64 shard: written out here as plain files
const NSFW = join(root, 'tmp', 'nsfwjs-4.4.0');
function nsfwModel() {
  const dir = join(NSFW, 'mobilenet_v2');
  if (!existsSync(join(dir, 'model.json'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['pack', 'nsfwjs@4.4.0', '--pack-destination', NSFW], { stdio: 'ignore' });
    execFileSync('tar', ['xzf', join(NSFW, 'nsfwjs-4.4.0.tgz'), '-C', NSFW, 'package/dist/models/mobilenet_v2', 'package/LICENSE']);
    // the UMD scripts as CommonJS (this repo's package.json makes .js files ES modules)
    const umd = (file) => {
      const module = { exports: {} };
      new Function('module', 'exports', readFileSync(join(NSFW, 'package/dist/models/mobilenet_v2', file), 'utf8'))(module, module.exports);
      return module.exports;
    };
    const json = umd('model.min.js');
    const shard = umd('group1-shard1of1.min.js');
    json.weightsManifest[0].paths = ['group1-shard1of1.bin'];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.from(shard, 'base64'));
  }
  return join(dir, 'model.json');
}

/** Seeded square crops of the package's photos, box-filtered to size x size, grey (luma) or RGB, as uint8. */
function crops(count, size, channels, seed) {
  const dir = join(humanPackage(), 'assets');
  const photos = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => jpeg.decode(readFileSync(join(dir, f)), { useTArray: true, formatAsRGBA: true }));
  const rng = new Rng(seed);
  const out = new Uint8Array(count * size * size * channels);
  for (let n = 0; n < count; n++) {
    const im = photos[rng.int(photos.length)];
    const side = Math.max(size, Math.floor(Math.min(im.width, im.height) * (0.1 + 0.4 * rng.next())));
    const x0 = rng.int(im.width - side + 1);
    const y0 = rng.int(im.height - side + 1);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const acc = [0, 0, 0];
        let k = 0;
        for (let yy = Math.floor((y * side) / size); yy < Math.floor(((y + 1) * side) / size); yy++) {
          for (let xx = Math.floor((x * side) / size); xx < Math.floor(((x + 1) * side) / size); xx++) {
            const p = 4 * ((y0 + yy) * im.width + x0 + xx);
            for (let c = 0; c < 3; c++) acc[c] += im.data[p + c];
            k++;
          }
        }
        const at = ((n * size + y) * size + x) * channels;
        if (channels === 3) for (let c = 0; c < 3; c++) out[at + c] = Math.round(acc[c] / k);
        else out[at] = Math.round((0.299 * acc[0] + 0.587 * acc[1] + 0.114 * acc[2]) / k);
      }
    }
  }
  return { count, shape: [size, size, channels], inputs: out, divisor: 255 };
}

function writeNpyUint8(path, shape, data) {
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const h = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  writeFileSync(path, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(Uint16Array.of(h.length).buffer), Buffer.from(h), Buffer.from(data)]));
}

const MODELS = {
  'lenet-300-100': () => ({ path: pretrainedModelPath('lenet-300-100'), shrinkArgs: ['--data', 'mnist', '--calibration-count', '5000'], report: { ...loadMnist('mnist').test }, reportName: 'MNIST test split (10,000)' }),
  'lenet-5-caffe': () => ({ path: pretrainedModelPath('lenet-5-caffe'), shrinkArgs: ['--data', 'mnist', '--calibration-count', '5000'], report: { ...loadMnist('mnist').test }, reportName: 'MNIST test split (10,000)' }),
  emotion: () => {
    const pkg = humanPackage();
    const cal = crops(512, 64, 1, 1);
    writeNpyUint8(join(work, 'emotion-cal.npy'), [512, 64, 64, 1], cal.inputs);
    return { path: join(pkg, 'models', 'emotion.json'), shrinkArgs: ['--calibration', join(work, 'emotion-cal.npy'), '--input-mean', '0.5', '--input-std', '0.5'], report: { ...crops(512, 64, 1, 2), mean: [0.5], std: [0.5] }, reportName: '512 grey 64x64 crops of the package photos (seed 2)' };
  },
  nsfwjs: () => {
    const path = nsfwModel();
    const cal = crops(512, 224, 3, 1);
    writeNpyUint8(join(work, 'nsfwjs-cal.npy'), [512, 224, 224, 3], cal.inputs);
    return { path, shrinkArgs: ['--calibration', join(work, 'nsfwjs-cal.npy')], report: crops(512, 224, 3, 2), reportName: '512 RGB 224x224 crops of @vladmandic/human\'s package photos (seed 2)' };
  },
  antispoof: () => {
    const pkg = humanPackage();
    const cal = crops(512, 128, 3, 1);
    writeNpyUint8(join(work, 'antispoof-cal.npy'), [512, 128, 128, 3], cal.inputs);
    return { path: join(pkg, 'models', 'antispoof.json'), shrinkArgs: ['--calibration', join(work, 'antispoof-cal.npy')], report: crops(512, 128, 3, 2), reportName: '512 RGB 128x128 crops of the package photos (seed 2)' };
  },
};

// ---- tfjs-converter's quantisation (tensorflowjs/quantization.py), re-implemented: per tensor,
// uint8 / uint16 affine with the range nudged so 0 is exact when covered; float16 a cast
function quantizeLikeConverter(values, dtype) {
  if (dtype === 'float16') return { bytes: toFloat16Bytes(values), quantization: { dtype: 'float16', original_dtype: 'float32' } };
  const qmax = dtype === 'uint8' ? 255 : 65535;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const Q = dtype === 'uint8' ? Uint8Array : Uint16Array;
  const q = new Q(values.length);
  if (lo === hi) return { bytes: new Uint8Array(q.buffer), quantization: { dtype, min: lo, scale: 1, original_dtype: 'float32' } };
  const scale = (hi - lo) / qmax;
  let min = lo;
  if (lo <= 0 && 0 <= hi) min = -Math.round((0 - lo) / scale) * scale;
  const max = qmax * scale + min;
  for (let i = 0; i < values.length; i++) q[i] = Math.round((Math.min(max, Math.max(min, values[i])) - min) / scale);
  return { bytes: new Uint8Array(q.buffer), quantization: { dtype, min, scale, original_dtype: 'float32' } };
}

/** The model.json + one shard the converter would write for a dtype ('float32': none), and the dequantised model tfjs loads from them. */
function converterFiles(artifacts, data, dtype) {
  const parts = [];
  const weights = [];
  for (const p of data.params) {
    if (dtype === 'float32') {
      parts.push(new Uint8Array(p.values.buffer, p.values.byteOffset, p.values.byteLength));
      weights.push({ name: p.name, shape: p.shape, dtype: 'float32' });
    } else {
      const q = quantizeLikeConverter(p.values, dtype);
      parts.push(q.bytes);
      weights.push({ name: p.name, shape: p.shape, dtype: 'float32', quantization: q.quantization });
    }
  }
  for (const c of data.graph?.constants ?? []) {
    parts.push(new Uint8Array(c.values.buffer, c.values.byteOffset, c.values.byteLength));
    weights.push({ name: c.name, shape: c.shape, dtype: c.dtype });
  }
  const bin = Buffer.concat(parts.map((p) => Buffer.from(p)));
  const json = Buffer.from(JSON.stringify({ format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy, modelTopology: artifacts.modelTopology, ...(artifacts.signature ? { signature: artifacts.signature } : {}), weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }] }));
  // what tfjs reads back from these files
  const named = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length), weights);
  const params = data.params.map((p) => ({ ...p, values: Float32Array.from(named[p.name].dataSync()) }));
  tf.dispose(Object.values(named));
  return { files: [json, bin], model: { ...data, params } };
}

const sizes = (files) => ({
  raw: files.reduce((n, f) => n + f.length, 0),
  gzip: files.reduce((n, f) => n + gzipSync(f, { level: 9 }).length, 0),
  brotli: files.reduce((n, f) => n + brotliCompressSync(f, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: f.length } }).length, 0),
});

async function outputs(runner, model, split, shape) {
  await runner.load(model);
  return outputsOf(runner, split, shape, 128);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Decode time (median of 5) and memory of the .sws in a fresh Node process: the bytes to ModelArtifacts to a loaded tfjs model. */
function decodeFigures(sws, graph) {
  const script = `
    import { readFileSync } from 'node:fs';
    import * as tf from '@tensorflow/tfjs';
    import { selectBackend } from '@softshare/backend';
    import { swsIO } from '@softshare/format';
    await selectBackend({ backend: 'wasm' });
    const bytes = new Uint8Array(readFileSync(${JSON.stringify(sws)}));
    const times = [];
    let peak = 0;
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const m = await tf.${graph ? 'loadGraphModel' : 'loadLayersModel'}(swsIO(bytes));
      times.push(performance.now() - t0);
      peak = Math.max(peak, process.memoryUsage().rss - rss0);
      if (i === 4) console.log(JSON.stringify({ times, tensor_bytes: tf.memory().numBytes, rss_increase: peak }));
      m.dispose();
    }`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop());
  return { decode_ms_median: +median(r.times).toFixed(1), model_tensor_bytes: r.tensor_bytes, rss_increase_bytes: r.rss_increase };
}

/** The same in headless Chromium: tfjs's own script, the light decoder bundle (tools/decoder-bundle.mjs), the bytes; median of 5 loads on the cpu backend. */
async function browserDecodeFigures(sws, graph) {
  const { buildDecoderBundle } = await import('./decoder-bundle.mjs');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-precise-memory-info'] });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: join(root, 'node_modules/@tensorflow/tfjs/dist/tf.min.js') });
    await page.addScriptTag({ content: (await buildDecoderBundle()).code });
    const b64 = readFileSync(sws).toString('base64');
    return await page.evaluate(
      async ([data, isGraph]) => {
        await tf.setBackend('cpu');
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const heap0 = performance.memory?.usedJSHeapSize ?? 0;
        const times = [];
        let tensorBytes = 0;
        let heap = 0;
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const m = isGraph ? await tf.loadGraphModel(softshareDecoder.swsIO(bytes)) : await tf.loadLayersModel(softshareDecoder.swsIO(bytes));
          times.push(performance.now() - t0);
          tensorBytes = tf.memory().numBytes;
          heap = Math.max(heap, (performance.memory?.usedJSHeapSize ?? 0) - heap0);
          m.dispose();
        }
        times.sort((a, b) => a - b);
        return { browser_decode_ms_median: +times[2].toFixed(1), browser_model_tensor_bytes: tensorBytes, browser_js_heap_increase_bytes: heap };
      },
      [b64, graph],
    );
  } finally {
    await browser.close();
  }
}

/** The comparison as a markdown table: bytes (raw / gzip / brotli), ratio to float32, fidelity on the held-out inputs. */
function markdownTable(result) {
  const lines = ['| model | variant | bytes | gzip | brotli | x smaller than float32 (raw) | fidelity on held-out inputs | test error |', '|---|---|---|---|---|---|---|---|'];
  for (const r of result.rows) {
    for (const v of r.variants) {
      const f = v.fidelity
        .map((x) => (x.kind === 'classes' ? `top-1 agreement ${(100 * x.agreement).toFixed(2)}%, mean abs dp ${x.meanAbsProbabilityDiff.toExponential(1)}` : `relative output error ${x.relativeError.toExponential(2)}`))
        .join('; ');
      lines.push(`| ${r.model} (${r.kind}) | ${v.variant} | ${v.bytes.raw.toLocaleString('en-US')} | ${v.bytes.gzip.toLocaleString('en-US')} | ${v.bytes.brotli.toLocaleString('en-US')} | ${(r.float32_weight_bytes / v.bytes.raw).toFixed(1)} | ${f} | ${v.test_error === undefined ? '-' : `${(100 * v.test_error).toFixed(2)}%`} |`);
    }
  }
  return lines.join('\n');
}
if (process.argv.includes('--table')) {
  console.log(markdownTable(JSON.parse(readFileSync(arg('--table'), 'utf8'))));
  process.exit(0);
}

// One child process per model (`--one`): the wasm backend has crashed this process (or the
// shrink it runs) with a segfault now and then (cause not found; not under gdb), so each
// model runs alone and a crashed one is run again (its figures are seeded, so a rerun gives
// the same numbers); the JSON says how many tries each took.
if (!process.argv.includes('--one')) {
  const rows = [];
  for (const name of names) {
    const part = join(work, `${name}.part.json`);
    let tries = 0;
    for (;;) {
      tries++;
      try {
        execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--one', '--models', name, '--out', part, '--backend', backend.name], { cwd: root, stdio: 'inherit' });
        break;
      } catch (e) {
        if (tries >= 3) throw e;
        console.log(`${name}: the child process failed (${e.signal ?? `exit ${e.status}`}); running it again`);
      }
    }
    rows.push(...JSON.parse(readFileSync(part, 'utf8')).rows.map((r) => ({ ...r, tries })));
  }
  writeFileSync(outJson, JSON.stringify({ date: new Date().toISOString().slice(0, 10), backend: backend.name, node: process.version, command: `node tools/compare-shrink.mjs --models ${names.join(',')}`, rows }, null, 2) + '\n');
  console.log(`wrote ${outJson}`);
  console.log(markdownTable(JSON.parse(readFileSync(outJson, 'utf8'))));
  process.exit(0);
}

const rows = [];
for (const name of names) {
  const spec = MODELS[name]();
  const artifacts = loadModelArtifacts(spec.path);
  const graph = isGraphArtifacts(artifacts);
  const original = graph ? graphModelData(artifacts, spec.path) : toModelData(await tf.loadLayersModel(tf.io.fromMemory(artifacts)));
  // one runner per model: candidates' weights are swapped in (building many layers models crashed the wasm backend)
  const runner = await runnerOf(original);
  const modelShape = runner.inputShape;
  const shape = modelShape.every((d) => d !== null) ? modelShape : spec.report.shape;
  const report = spec.report;
  const reference = await outputs(runner, original, report, shape);
  const labels = report.labels;
  const source = spec.path.startsWith(HUMAN) ? `@vladmandic/human 3.3.6 (npm), ${spec.path.slice(HUMAN.length + 1)}` : spec.path.startsWith(NSFW) ? 'nsfwjs 4.4.0 (npm), dist/models/mobilenet_v2 (uint8 in its manifest)' : spec.path.slice(root.length + 1);
  const row = { model: name, kind: graph ? 'graph' : 'layers', source, inputs_shape: shape, reported_on: spec.reportName, variants: [] };
  const float32Bytes = 4 * original.params.reduce((n, p) => n + p.values.length, 0) + (original.graph?.constants.reduce((n, c) => n + c.values.byteLength, 0) ?? 0);
  row.float32_weight_bytes = float32Bytes;
  const figures = async (model) => {
    const got = await outputs(runner, model, report, shape);
    const f = reference.map((r, k) => outputFidelity(k, { values: r, examples: report.count }, { values: got[k], examples: report.count }));
    return { fidelity: f, ...(labels ? { test_error: topOneError(got[0], labels) } : {}) };
  };
  for (const dtype of ['float32', 'float16', 'uint16', 'uint8']) {
    const { files, model } = converterFiles(artifacts, original, dtype);
    row.variants.push({ variant: dtype === 'float32' ? 'float32 (model.json + shard)' : `tfjs-converter --quantize_${dtype}`, bytes: sizes(files), ...(await figures(model)) });
    console.log(`${name} ${dtype}: ${row.variants.at(-1).bytes.raw} bytes, ${describeFidelity(row.variants.at(-1).fidelity)}`);
  }
  const sws = join(work, `${name}.sws`);
  const cmd = ['packages/cli/bin/softshare.js', 'shrink', '--model', spec.path, '--out', sws, '--backend', 'wasm', '--json', ...spec.shrinkArgs];
  const t0 = performance.now();
  execFileSync(process.execPath, cmd, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = new Uint8Array(readFileSync(sws));
  const summary = JSON.parse(readFileSync(`${sws}.json`, 'utf8'));
  const decoded = swsToQuantized(bytes);
  row.variants.push({
    variant: 'softshare shrink (.sws)',
    command: `softshare shrink --model ${spec.path.slice(root.length + 1)} --out ${name}.sws ${spec.shrinkArgs.map((a) => (a.startsWith(work) ? `<${a.slice(work.length + 1)}>` : a)).join(' ')}`,
    bytes: sizes([Buffer.from(bytes)]),
    ...(await figures(decoded)),
    calibration_fidelity: summary.fidelity,
    tolerance: summary.tolerance,
    seconds: +seconds.toFixed(1),
    ...decodeFigures(sws, graph),
    ...(existsSync('/usr/bin/chromium') ? await browserDecodeFigures(sws, graph) : {}),
  });
  console.log(`${name} shrink: ${bytes.length} bytes (${(float32Bytes / bytes.length).toFixed(1)}x), ${describeFidelity(row.variants.at(-1).fidelity)}`);
  runner.dispose();
  rows.push(row);
}
writeFileSync(outJson, JSON.stringify({ date: new Date().toISOString().slice(0, 10), backend: backend.name, node: process.version, command: `node tools/compare-shrink.mjs --models ${names.join(',')}`, rows }, null, 2) + '\n');
console.log(`wrote ${outJson}`);
