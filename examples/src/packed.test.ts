import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('published packages', () => {
  it('pack, install outside the workspace, and run a small pipeline from the tarballs', () => {
    const packs = mkdtempSync(join(tmpdir(), 'softshare-packs-'));
    const packages = readdirSync(join(root, 'packages'));
    for (const p of packages) {
      execFileSync(npm, ['pack', '--silent', '--pack-destination', packs], { cwd: join(root, 'packages', p), stdio: 'pipe' });
    }
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(packages.length);

    const app = mkdtempSync(join(tmpdir(), 'softshare-consumer-'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs.map((t) => join(packs, t))], { cwd: app, stdio: 'pipe' });
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
});
