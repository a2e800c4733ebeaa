#!/usr/bin/env node
// Adds up the vitest JSON reports in a folder and prints "N passed, N failed".
// A project listed in packages/ without a report counts as one failure: its tests did not run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports';
const projects = [
  ...readdirSync('packages').filter((p) => existsSync(join('packages', p, 'vitest.config.ts'))).map((p) => join('packages', p)),
  'examples',
];
let passed = 0;
let failed = 0;
for (const p of projects) {
  const file = join(dir, `${p.split('/').pop()}.json`);
  if (!existsSync(file)) {
    console.error(`no test report for ${p}`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numTotalTestSuites > 0 && r.success === false && r.numFailedTests === 0 ? 1 : 0);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
