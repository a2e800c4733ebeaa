import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadMnist } from '@softshare/data';
import { swsIO } from '@softshare/format';
import { build } from 'vite';
// @ts-expect-error: a plain .mjs tool without types
import { buildDecoderBundle } from '../../tools/decoder-bundle.mjs';
import { describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
// .ci/run installs Debian's chromium; on a machine without it the browser check cannot run
const haveBrowser = existsSync(CHROMIUM) || process.env.CI !== undefined;
const sws = fileURLToPath(new URL('../../results/lenet-300-100.sws', import.meta.url));

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

    const bytes = readFileSync(sws);
    const test = loadMnist('mnist').test;
    const input = Array.from({ length: 32 }, (_, i) => Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255));
    const model = await tf.loadLayersModel(swsIO(new Uint8Array(bytes)));
    const inNode = tf.tidy(() => (model.predict(tf.tensor2d(input)) as tf.Tensor).arraySync()) as number[][];
    model.dispose();

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.setContent('<!doctype html><html><body></body></html>');
      await page.addScriptTag({ content: code });
      const inBrowser = await page.evaluate(
        ([b64, x]) => (globalThis as unknown as { predictSws: (b: string, x: number[][]) => Promise<number[][]> }).predictSws(b64, x),
        [bytes.toString('base64'), input] as const,
      );
      expect(errors).toEqual([]);
      expect(inBrowser).toHaveLength(32);
      inBrowser.forEach((row, i) => row.forEach((p, k) => expect(Math.abs(p - inNode[i][k]), `example ${i}, class ${k}`).toBeLessThan(1e-4)));
    } finally {
      await browser.close();
    }
  }, 180_000);

  it.runIf(haveBrowser)('the light decoder (tools/decoder-bundle.mjs, at most 25,600 bytes gzipped) loads the file in Chromium beside tfjs\'s own script and predicts what Node predicts', async () => {
    const bundle = (await buildDecoderBundle()) as { code: string; gzipped: number };
    expect(bundle.gzipped).toBeLessThanOrEqual(25_600);
    const tfScript = fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs/dist/tf.min.js', import.meta.url));
    const bytes = readFileSync(sws);
    const test = loadMnist('mnist').test;
    const input = Array.from({ length: 16 }, (_, i) => Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255));
    const model = await tf.loadLayersModel(swsIO(new Uint8Array(bytes)));
    const inNode = tf.tidy(() => (model.predict(tf.tensor2d(input)) as tf.Tensor).arraySync()) as number[][];
    model.dispose();

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.setContent('<!doctype html><html><body></body></html>');
      await page.addScriptTag({ path: tfScript });
      await page.addScriptTag({ content: bundle.code });
      const inBrowser = await page.evaluate(
        async ([b64, x]) => {
          const g = globalThis as unknown as { tf: typeof tf; softshareDecoder: { swsIO: typeof swsIO } };
          await g.tf.setBackend('cpu');
          const m = await g.tf.loadLayersModel(g.softshareDecoder.swsIO(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
          const y = m.predict(g.tf.tensor2d(x)) as tf.Tensor;
          return (await y.array()) as number[][];
        },
        [bytes.toString('base64'), input] as const,
      );
      expect(errors).toEqual([]);
      expect(inBrowser).toHaveLength(16);
      inBrowser.forEach((row, i) => row.forEach((p, k) => expect(Math.abs(p - inNode[i][k]), `example ${i}, class ${k}`).toBeLessThan(1e-4)));
    } finally {
      await browser.close();
    }
  }, 180_000);
});
