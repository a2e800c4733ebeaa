import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pretrainedModelPath } from '@softshare/models';
import { describe, expect, it } from 'vitest';

// A user's coder from the shell: --coder-module loads a module that exports a coder, so a
// file written with it can be compressed, inspected, evaluated and decompressed.
const bin = fileURLToPath(new URL('../bin/softshare.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'softshare-coder-'));
const coder = join(dir, 'raw8.mjs');
// a plain module with no imports: one byte per symbol (alphabets up to 256)
writeFileSync(
  coder,
  `export const raw8 = {
  id: 'raw8/1',
  encode(symbols, alphabetSize) { if (alphabetSize > 256) throw new RangeError('raw8/1 takes alphabets up to 256'); return Uint8Array.from(symbols); },
  decode(bytes, count, alphabetSize) {
    if (bytes.length !== count) throw new RangeError('Expected ' + count + ' bytes, got ' + bytes.length);
    const out = Uint32Array.from(bytes);
    for (const s of out) if (s >= alphabetSize) throw new RangeError('Expected symbols below ' + alphabetSize + ', got ' + s);
    return out;
  },
};
`,
);

function cli(...argv: string[]) {
  const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('--coder-module', () => {
  it('compresses with a user coder, and inspect / eval / decompress read the file only with the module', () => {
    const config = join(dir, 'tiny.json');
    writeFileSync(config, JSON.stringify({ retrain: { epochs: 1, trainLimit: 256, tau: 0.5, evalEvery: 0 }, quantize: { rule: 'ml' }, budget: { maxErrorIncrease: null } }));
    const sws = join(dir, 'raw8.sws');
    const c = cli('compress', '--coder-module', coder, '--model', pretrainedModelPath('lenet-300-100'), '--data', 'mnist', '--out', sws, '--config', config, '--coder', 'raw8/1', '--json', '--backend', 'wasm');
    expect(c.status, c.err).toBe(0);
    expect(JSON.parse(c.out.trim().split('\n').pop()!).coder).toBe('raw8/1');

    const without = cli('inspect', sws);
    expect(without.status).toBe(1);
    expect(without.err).toMatch(/Expected a registered coder, got 'raw8\/1'.*\[E_FORMAT_CODER\]/);

    expect(cli('inspect', sws, `--coder-module=${coder}`).status).toBe(0);
    const e = cli('eval', '--coder-module', coder, '--model', sws, '--data', 'mnist', '--json', '--backend', 'wasm');
    expect(e.status, e.err).toBe(0);
    expect(JSON.parse(e.out).error).toBeLessThan(0.5);
    const out = join(dir, 'plain');
    expect(cli('decompress', '--coder-module', coder, sws, '--out', out).status).toBe(0);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
  }, 600_000);

  it('loads the coder modules a config names (relative to the config file), once even when the flag names the same one', () => {
    const config = join(dir, 'with-coder.json');
    writeFileSync(config, JSON.stringify({ coderModules: ['raw8.mjs'], retrain: { epochs: 1, trainLimit: 256, tau: 0.5, evalEvery: 0 }, tune: { epochs: 0 }, budget: { maxErrorIncrease: null } }));
    const sws = join(dir, 'config-coder.sws');
    const c = cli('compress', '--coder-module', coder, '--model', pretrainedModelPath('lenet-300-100'), '--data', 'mnist', '--out', sws, '--config', config, '--coder', 'raw8/1', '--json', '--backend', 'wasm');
    expect(c.status, c.err).toBe(0);
    expect(JSON.parse(c.out.trim().split('\n').pop()!).coder).toBe('raw8/1');
    const bad = join(dir, 'bad-coder.json');
    writeFileSync(bad, JSON.stringify({ coderModules: 'raw8.mjs' }));
    const b = cli('compress', '--model', pretrainedModelPath('lenet-300-100'), '--data', 'mnist', '--out', join(dir, 'x.sws'), '--config', bad);
    expect(b.status).toBe(1);
    expect(b.err).toBe('softshare compress: error: config: coderModules: expected a list of module files, got "raw8.mjs" [E_OPTIONS]\n');
    expect(existsSync(join(dir, 'x.sws'))).toBe(false);
  }, 600_000);

  it('refuses a module that cannot be loaded or holds no coder, with one coded line', () => {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const x = 1;\n');
    for (const [file, message] of [
      [join(dir, 'nope.mjs'), /Cannot load coder module .*nope\.mjs/],
      [empty, /Expected coder module .*empty\.mjs to export or register a coder/],
    ] as const) {
      const r = cli('inspect', fileURLToPath(new URL('../../../results/lenet-300-100.sws', import.meta.url)), '--coder-module', file);
      expect(r.status).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(r.err).toContain('[E_OPTIONS]');
    }
  }, 60_000);
});
