#!/usr/bin/env node
// Screenshot an HTML report in headless Debian chromium (docs/report.png).
//   node tools/screenshot-report.mjs out/report.html docs/report.png
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [input, output] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1240, height: 900 } });
await page.goto(pathToFileURL(resolve(input)).href);
await page.screenshot({ path: output, fullPage: true });
await browser.close();
console.log(`wrote ${output}`);
