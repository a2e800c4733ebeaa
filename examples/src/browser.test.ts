import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadMnist } from '@softshare/data';
import { encodeSws, swsIO, tinyGraphModel } from '@softshare/format';
import { applyFits, tensorFits } from '@softshare/shrink';
import { build } from 'vite';
// @ts-expect-error: a plain .mjs tool without types
import { buildDecoderBundle } from '../../tools/decoder-bundle.mjs';
import { describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
// .ci/run installs Debian's chromium; on a machine without it the browser check cannot run
const haveBrowser = existsSync(CHROMIUM) || process.env.CI !== undefined;
const sws = fileURLToPath(new URL('../../results/lenet-300-100.sws', import.meta.url));

/** The first `n` MNIST test images (pixels / 255), the file's bytes, and what Node's tfjs predicts for them from the file. */
async function predictedInNode(n: number): Promise<{ bytes: Buffer; input: number[][]; expected: number[][] }> {
  const bytes = readFileSync(sws);
  const test = loadMnist('mnist').test;
  const input = Array.from({ length: n }, (_, i) => Array.from(test.inputs.subarray(i * 784, (i + 1) * 784), (p) => p / 255));
  const model = await tf.loadLayersModel(swsIO(new Uint8Array(bytes)));
  const expected = tf.tidy(() => (model.predict(tf.tensor2d(input)) as tf.Tensor).arraySync()) as number[][];
  model.dispose();
  return { bytes, input, expected };
}

type PagePredict = (args: readonly [string, number[][]]) => Promise<number[][]>;

/** Load `scripts` into a blank page in Chromium, run `predict([base64 of the file, input])` there, and expect Node's predictions, with no page errors. */
async function expectSameInChromium(scripts: { path?: string; content?: string }[], predict: PagePredict, n: number, inNode: { bytes: Buffer; input: number[][]; expected: number[][] } | undefined = undefined): Promise<void> {
  const { bytes, input, expected } = inNode ?? (await predictedInNode(n));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent('<!doctype html><html><body></body></html>');
    for (const script of scripts) await page.addScriptTag(script);
    const inBrowser = await page.evaluate(predict, [bytes.toString('base64'), input] as const);
    expect(errors).toEqual([]);
    expect(inBrowser).toHaveLength(n);
    inBrowser.forEach((row, i) => row.forEach((p, k) => expect(Math.abs(p - expected[i][k]), `example ${i}, class ${k}`).toBeLessThan(1e-4)));
  } finally {
    await browser.close();
  }
}

/** What a page using the light decoder loads: tfjs's own script, then the decoder bundle (tools/decoder-bundle.mjs), and the bundle's gzipped size. */
async function lightDecoderPage(): Promise<{ scripts: { path?: string; content?: string }[]; gzipped: number }> {
  const bundle = (await buildDecoderBundle()) as { code: string; gzipped: number };
  const tfScript = fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs/dist/tf.min.js', import.meta.url));
  return { scripts: [{ path: tfScript }, { content: bundle.code }], gzipped: bundle.gzipped };
}

describe('a .sws in a browser bundle', () => {
  it.runIf(haveBrowser)('bundles without Node modules and predicts in Chromium what Node predicts, from results/lenet-300-100.sws', async () => {
    // the bundle a web app would ship: tfjs + @softshare/format (its published entry)
    const result = await build({
      configFile: false,
      logLevel: 'silent',
      build: {
        write: false,
        minify: false,
        lib: { entry: fileURLToPath(new URL('./browser-entry.ts', import.meta.url)), formats: ['iife'], name: 'softshareBrowser' },
      },
    });
    const output = (Array.isArray(result) ? result[0] : result) as { output: { type: string; code?: string }[] };
    const code = output.output.find((o) => o.type === 'chunk')!.code!;
    expect(code).not.toMatch(/require\(["']node:|from ["']node:/);
    await expectSameInChromium(
      [{ content: code }],
      ([b64, x]) => (globalThis as unknown as { predictSws: (b: string, x: number[][]) => Promise<number[][]> }).predictSws(b64, x),
      32,
    );
  }, 180_000);

  it.runIf(haveBrowser)('the light decoder (tools/decoder-bundle.mjs, at most 25,600 bytes gzipped) loads the file in Chromium beside tfjs\'s own script and predicts what Node predicts', async () => {
    const { scripts, gzipped } = await lightDecoderPage();
    expect(gzipped).toBeLessThanOrEqual(25_600);
    await expectSameInChromium(
      scripts,
      async ([b64, x]) => {
        const g = globalThis as unknown as { tf: typeof tf; softshareDecoder: { swsIO: typeof swsIO } };
        await g.tf.setBackend('cpu');
        const m = await g.tf.loadLayersModel(g.softshareDecoder.swsIO(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
        const y = m.predict(g.tf.tensor2d(x)) as tf.Tensor;
        return (await y.array()) as number[][];
      },
      16,
    );
  }, 180_000);

  it.runIf(haveBrowser)('the light decoder loads a shrunk graph model (tf.loadGraphModel) in Chromium and predicts what Node predicts', async () => {
    // a graph model through the shrink stage's fits (minElements 1: every tensor on shared values), stored as .sws 2.2
    const graph = { ...tinyGraphModel(), kind: 'pretrained' as const };
    const shrunk = applyFits(graph, tensorFits(graph, { minElements: 1 }), 0.01);
    expect(shrunk.quantized.length).toBe(4);
    const bytes = Buffer.from(encodeSws(shrunk).bytes);
    const input = Array.from({ length: 8 }, (_, i) => Array.from({ length: 6 }, (_, k) => Math.sin(i * 6 + k)));
    const model = await tf.loadGraphModel(swsIO(new Uint8Array(bytes)));
    const expected = tf.tidy(() => (model.predict(tf.tensor3d(input.flat(), [8, 2, 3])) as tf.Tensor).arraySync()) as number[][];
    await expectSameInChromium(
      (await lightDecoderPage()).scripts,
      async ([b64, x]) => {
        const g = globalThis as unknown as { tf: typeof tf; softshareDecoder: { swsIO: typeof swsIO } };
        await g.tf.setBackend('cpu');
        const m = await g.tf.loadGraphModel(g.softshareDecoder.swsIO(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
        const y = m.predict(g.tf.tensor3d(x.flat(), [x.length, 2, 3])) as tf.Tensor;
        return (await y.array()) as number[][];
      },
      8,
      { bytes, input, expected },
    );
  }, 180_000);
});
