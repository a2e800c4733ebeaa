import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SoftshareError } from '@softshare/core';
import { coderIds, registerCoder, type Coder } from '@softshare/entropy';

function isCoder(v: unknown): v is Coder {
  const c = v as Coder;
  return c !== null && typeof c === 'object' && typeof c.id === 'string' && typeof c.encode === 'function' && typeof c.decode === 'function';
}

/**
 * Take every `--coder-module <file>` out of argv and load it: each module may register
 * coders itself or export them (a Coder, or an array of them, as any export); exported
 * ones are registered here, on the CLI's own @softshare/entropy. So files written with a
 * user's coder can be compressed, inspected, evaluated and decompressed from the shell.
 */
export async function loadCoderModules(argv: readonly string[]): Promise<string[]> {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const path = a === '--coder-module' ? argv[++i] : a.startsWith('--coder-module=') ? a.slice('--coder-module='.length) : undefined;
    if (path === undefined) {
      if (a !== '--coder-module') rest.push(a);
      else throw new SoftshareError('E_OPTIONS', 'cli', 'Expected a file after --coder-module, got none');
      continue;
    }
    await loadCoderModule(path);
  }
  return rest;
}

/** Modules already loaded (by absolute path): a module named twice, by flag and by config, registers once. */
const loaded = new Set<string>();

/** Load one coder module (a path, relative to the working directory) and register what it exports; see `loadCoderModules`. */
export async function loadCoderModule(path: string): Promise<void> {
  const absolute = resolve(path);
  if (loaded.has(absolute)) return;
  const before = coderIds().length;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new SoftshareError('E_OPTIONS', 'cli', `Cannot load coder module ${path}: ${String((cause as Error).message).split('\n')[0]}`, { cause });
  }
  const exported = Object.values(mod).flatMap((v) => (Array.isArray(v) ? v : [v])).filter(isCoder);
  try {
    for (const c of exported) registerCoder(c);
  } catch (cause) {
    throw new SoftshareError('E_OPTIONS', 'cli', `Cannot register the coders of ${path}: ${(cause as Error).message}`, { cause });
  }
  if (exported.length === 0 && coderIds().length === before) throw new SoftshareError('E_OPTIONS', 'cli', `Expected coder module ${path} to export or register a coder ({ id, encode, decode }), got none`);
  loaded.add(absolute);
}
