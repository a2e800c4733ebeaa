import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every package a package's published code imports is declared in its package.json (as a
// dependency, a peer or an optional dependency): the source-level half of "installs alone"
// (packed.test.ts is the install-level half).
const root = fileURLToPath(new URL('../../packages/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'testing.ts' ? [p] : [];
  });
}

function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
  return specs
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

describe('package manifests', () => {
  it.each(readdirSync(root))('%s declares every package its code imports', (dir) => {
    const m = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string>;
    const declared = new Set([m.dependencies, m.peerDependencies, m.optionalDependencies].flatMap((d) => Object.keys((d as Record<string, string>) ?? {})));
    const undeclared = sources(join(root, dir, 'src'))
      .flatMap((f) => importedPackages(f).map((p) => ({ p, f: f.slice(root.length) })))
      .filter(({ p }) => p !== m.name && !declared.has(p));
    expect(undeclared).toEqual([]);
  });

  it.each(readdirSync(root))('%s depends on no softshare package its code does not import (the dependency graph is the import graph)', (dir) => {
    const m = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const imported = new Set(sources(join(root, dir, 'src')).flatMap(importedPackages));
    const unused = Object.keys(m.dependencies ?? {}).filter((d) => d.startsWith('@softshare/') && !imported.has(d));
    expect(unused).toEqual([]);
  });
});
