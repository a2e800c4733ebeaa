import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pretrainedModelPath } from '@softshare/models';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.js';

const CHROMIUM = '/usr/bin/chromium';
// .ci/run installs Debian's chromium; on a machine without it the browser check cannot run
const haveBrowser = existsSync(CHROMIUM) || process.env.CI !== undefined;

const run = runCaptured;

describe('HTML report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-report-'));
  const config = join(dir, 'c.json');
    // a loose budget and one further point: the trade-off plot has two points or more to draw
  writeFileSync(config, JSON.stringify({ retrain: { epochs: 3, trainLimit: 3000, tau: 0.05, warmupEpochs: 1 }, budget: { maxErrorIncrease: 0.05, steps: 1, epochs: 1 } }));
  const sws = join(dir, 'm.sws');

  it('is written by compress, self-contained, and redrawn by softshare report', async () => {
    const r = await run('compress', '--model', pretrainedModelPath('lenet-300-100'), '--out', sws, '--config', config, '--quiet', '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect((html.match(/<svg class="plot/g) ?? []).length).toBe(9);
    // per layer: what was under the prior and what passed through
    expect(html).toMatch(/<table class="under-prior">.*fc1\/kernel/s);
    expect(html).toMatch(/<table class="pass-through">.*fc1\/bias.*(float32|float16|exact shared values)/s);
    const summary = JSON.parse(readFileSync(`${sws}.json`, 'utf8'));
    expect(summary.budget.points.length).toBeGreaterThanOrEqual(2);
    expect(html).toMatch(/budget: validation error at most [\d.]+% \+ 5\.00% = [\d.]+%: held/);
    const again = await run('report', sws, '--out', join(dir, 'again.html'));
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'again.html'), 'utf8')).toBe(html);
    const missing = await run('report', join(dir, 'nope.sws'), '--out', join(dir, 'x.html'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/written by softshare compress/);
  }, 120_000);

  it.runIf(haveBrowser)('loads in headless Chromium with no console errors and marks in every plot', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1240, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(join(dir, 'report.html')).href);
      const marks = await page.$$eval('svg.plot', (svgs) => svgs.map((s) => s.querySelectorAll('.mark').length));
      expect(marks).toHaveLength(9);
      marks.forEach((n, i) => expect(n, `plot ${i}`).toBeGreaterThan(0));
      // the trade-off: a dot per point the search measured, the front, the chosen point ringed, the budget's line
      const summary = JSON.parse(readFileSync(`${sws}.json`, 'utf8'));
      const tradeOff = await page.$eval('svg.tradeoff', (s) => ({ points: s.querySelectorAll('.point').length, chosen: s.querySelectorAll('.chosen').length, front: s.querySelectorAll('.front').length, limit: s.querySelectorAll('.limit').length }));
      expect(tradeOff).toEqual({ points: summary.budget.points.length, chosen: 1, front: 1, limit: 1 });
      expect(errors).toEqual([]);
      if (process.env.UPDATE_SCREENSHOT === '1') {
        await page.screenshot({ path: fileURLToPath(new URL('../../../docs/report.png', import.meta.url)), fullPage: true });
      }
    } finally {
      await browser.close();
    }
  }, 120_000);
});
