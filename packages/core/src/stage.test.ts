import { firstValueFrom, map, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createProgressChannel, defineStage, type ProgressEvent } from './index.js';

const scale = defineStage(
  'scale',
  z.object({ by: z.number().positive().default(2) }),
  (opts, ctx) =>
    map((x: number) => {
      ctx.progress.emit({ stage: 'scale', unit: 'item', current: x });
      return x * opts.by;
    }),
);

describe('defineStage', () => {
  it('applies defaults and options', async () => {
    expect(await firstValueFrom(of(1, 2).pipe(scale(), toArray()))).toEqual([2, 4]);
    expect(await firstValueFrom(of(1, 2).pipe(scale({ by: 3 }), toArray()))).toEqual([3, 6]);
  });

  it.each([
    [{ by: -1 }, /scale: invalid options: by: Too small/],
    [{ by: 'x' }, /scale: invalid options: by: Invalid input: expected number, received string/],
  ])('throws at assembly for %j', (options, message) => {
    expect(() => scale(options as never)).toThrow(message);
  });

  it('sends progress beside the artefacts', async () => {
    const progress = createProgressChannel();
    const seen: ProgressEvent[] = [];
    progress.events$.subscribe((e) => seen.push(e));
    await firstValueFrom(of(5).pipe(scale({}, { progress })));
    expect(seen).toEqual([{ stage: 'scale', unit: 'item', current: 5 }]);
  });
});
