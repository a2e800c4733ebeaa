import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWritableDir, writeFileAtomic } from '@softshare/backend';
import { SoftshareError } from '@softshare/core';
import { decodeTrainingState, encodeTrainingState, type TrainingState } from './training-state.js';

/** Write `<dir>/checkpoint.bin` then `<dir>/checkpoint.json`, each atomically (json last: it names a complete bin). */
export function saveCheckpoint(dir: string, state: TrainingState): string {
  const { json, bin } = encodeTrainingState(state);
  ensureWritableDir(dir);
  writeFileAtomic(join(dir, 'checkpoint.bin'), bin);
  writeFileAtomic(join(dir, 'checkpoint.json'), json);
  return join(dir, 'checkpoint.json');
}

/** Read a checkpoint written by saveCheckpoint, given its .json path or its folder. */
export function loadCheckpoint(path: string): TrainingState {
  const jsonPath = path.endsWith('.json') ? path : join(path, 'checkpoint.json');
  const binPath = jsonPath.replace(/\.json$/, '.bin');
  try {
    return decodeTrainingState(readFileSync(jsonPath, 'utf8'), readFileSync(binPath));
  } catch (cause) {
    throw new SoftshareError('E_IO', 'retrain', `Cannot read checkpoint ${jsonPath}: ${(cause as Error).message.split('\n')[0]}`, { cause });
  }
}
