import { readFileSync } from 'node:fs';
import { SoftshareError } from '@softshare/core';
import { parsePipelineConfig, type PipelineConfig } from '@softshare/pipeline';

/** Read and validate a --config JSON file (or the defaults when none is given). */
export function loadPipelineConfig(path?: string, retrainOverrides: Record<string, unknown> = {}): PipelineConfig {
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
  return parsePipelineConfig(raw, retrainOverrides);
}
