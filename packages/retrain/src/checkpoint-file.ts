import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureWritableDir, writeFileAtomic } from '@softshare/backend';
import { SoftshareError } from '@softshare/core';
import { decodeTrainingState, encodeTrainingState, type TrainingState } from './training-state.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Write `<dir>/checkpoint-<hash>.bin`, then `<dir>/checkpoint.json` naming that bin and its
 * SHA-256, each atomically, then remove older bins. A process killed at any point leaves a
 * json whose bin is complete and matches it (never the previous epoch's json over this one's bin).
 */
export function saveCheckpoint(dir: string, state: TrainingState): string {
  const { json, bin } = encodeTrainingState(state);
  ensureWritableDir(dir);
  const digest = sha256(bin);
  const binName = `checkpoint-${digest.slice(0, 16)}.bin`;
  writeFileAtomic(join(dir, binName), bin);
  writeFileAtomic(join(dir, 'checkpoint.json'), JSON.stringify({ ...JSON.parse(json), bin: binName, binSha256: digest }));
  for (const f of readdirSync(dir)) if (/^checkpoint.*\.bin$/.test(f) && f !== binName) rmSync(join(dir, f), { force: true });
  return join(dir, 'checkpoint.json');
}

/** Read a checkpoint written by saveCheckpoint, given its .json path or its folder. */
export function loadCheckpoint(path: string): TrainingState {
  const jsonPath = path.endsWith('.json') ? path : join(path, 'checkpoint.json');
  try {
    const json = readFileSync(jsonPath, 'utf8');
    const h = JSON.parse(json) as { bin?: unknown; binSha256?: unknown };
    // checkpoints written before the bin was named by its hash used checkpoint.bin
    const binName = typeof h.bin === 'string' && /^checkpoint-[0-9a-f]{16}\.bin$/.test(h.bin) ? h.bin : 'checkpoint.bin';
    const bin = readFileSync(join(dirname(jsonPath), binName));
    if (typeof h.binSha256 === 'string' && sha256(bin) !== h.binSha256) throw new Error(`${binName} does not match the SHA-256 the json records`);
    return decodeTrainingState(json, bin);
  } catch (cause) {
    throw new SoftshareError('E_IO', 'retrain', `Cannot read checkpoint ${jsonPath}: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
}
