import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('nx release', () => {
  it('versions every package in a dry run', () => {
    const out = execFileSync(process.execPath, [createRequire(import.meta.url).resolve('nx/package.json').replace(/package\.json$/, 'dist/bin/nx.js'), 'release', 'version', '0.1.1', '--dry-run'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0', NO_COLOR: '1' },
    }).replace(/\x1b\[[0-9;]*m/g, ''); // colours, when run under nx
    for (const p of readdirSync(fileURLToPath(new URL('../../packages/', import.meta.url)))) {
      expect(out, p).toMatch(new RegExp(`"name": "@softshare/${p}",\\s*\\n-\\s*"version": "0.1.0",\\s*\\n\\+\\s*"version": "0.1.1"`));
    }
    // a dry run: nothing on disk changed
    expect(JSON.parse(readFileSync(fileURLToPath(new URL('../../packages/core/package.json', import.meta.url)), 'utf8')).version).toBe('0.1.0');
  }, 120_000);
});
