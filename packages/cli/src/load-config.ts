import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SoftshareError } from '@softshare/core';
import { parsePipelineConfig, type PipelineConfig } from '@softshare/pipeline';
import { loadCoderModule } from './coder-modules.js';

/**
 * Read and validate a --config JSON file (or the defaults when none is given): the stage
 * sections of @softshare/pipeline, plus `coderModules`, a list of coder module files
 * (relative to the config file) loaded like `--coder-module`.
 */
export async function loadPipelineConfig(path?: string, retrainOverrides: Record<string, unknown> = {}): Promise<PipelineConfig> {
  if (path === undefined) return parsePipelineConfig({}, retrainOverrides);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new SoftshareError('E_OPTIONS', 'cli', `Cannot read config ${path}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new SoftshareError('E_OPTIONS', 'cli', `Expected config ${path} to be JSON, got a parse error: ${(cause as Error).message}`, { cause });
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'coderModules' in raw) {
    const { coderModules, ...sections } = raw as Record<string, unknown>;
    if (!Array.isArray(coderModules) || !coderModules.every((m) => typeof m === 'string')) {
      throw new SoftshareError('E_OPTIONS', 'cli', `config: coderModules: expected a list of module files, got ${JSON.stringify(coderModules)}`);
    }
    for (const m of coderModules) await loadCoderModule(resolve(dirname(path), m));
    raw = sections;
  }
  return parsePipelineConfig(raw, retrainOverrides);
}
