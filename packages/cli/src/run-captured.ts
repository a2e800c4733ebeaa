import { main } from './main.js';
import type { Io } from './io.js';

/** Run a softshare command in-process, as a terminal would, with its stdout and stderr captured (the CLI tests' harness). */
export async function runCaptured(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t) };
  return { code: await main(argv, io), out, err };
}
