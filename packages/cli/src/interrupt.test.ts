import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pretrainedModelPath } from '@softshare/models';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/softshare.js', import.meta.url));

function runBin(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('faults mid-run', () => {
  it('SIGINT and kill -9 write nothing half-done; SIGINT tells how to resume; resumed runs give the same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'softshare-sigint-'));
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify({ retrain: { epochs: 3, trainLimit: 1536, tau: 0.5, evalEvery: 0, warmupEpochs: 1 }, budget: { maxErrorIncrease: null } }));
    const common = ['--model', pretrainedModelPath('lenet-300-100'), '--config', config, '--backend', 'wasm'];

    const straight = join(dir, 'straight.sws');
    expect((await runBin(['compress', ...common, '--out', straight, '--quiet'])).code).toBe(0);

    const out = join(dir, 'interrupted.sws');
    let sent = false;
    const interrupted = await runBin(['compress', ...common, '--out', out], (text, child) => {
      if (!sent && text.includes('epoch 2/3')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/Interrupted by SIGINT; the run so far \((epoch 3, batch \d+|after epoch 2)\) is saved: continue with --resume .*checkpoint\.json/);
    expect(existsSync(out)).toBe(false);

    const resumed = await runBin(['compress', ...common, '--out', out, '--quiet', '--resume', `${out}.ckpt/checkpoint.json`]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(straight))).toBe(true);

    // kill -9 right after an epoch is reported: the last complete checkpoint (that epoch's
    // or the one before) resumes to the same bytes; at most one epoch is lost
    const killed = join(dir, 'killed.sws');
    let shot = false;
    const k = await runBin(['compress', ...common, '--out', killed], (text, child) => {
      if (!shot && text.includes('epoch 2/3')) {
        shot = true;
        child.kill('SIGKILL');
      }
    });
    expect(k.code).toBe(null);
    expect(existsSync(killed)).toBe(false);
    const again = await runBin(['compress', ...common, '--out', killed, '--quiet', '--resume', `${killed}.ckpt/checkpoint.json`]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(killed).equals(readFileSync(straight))).toBe(true);
  }, 240_000);
});
