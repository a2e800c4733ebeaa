import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorLine } from '@softshare/core';
import { loadData } from './index.js';

function folder(train: string, test: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-csv-'));
  writeFileSync(join(dir, 'train.csv'), train);
  writeFileSync(join(dir, 'test.csv'), test);
  return dir;
}

const line = (dir: string) => errorLine(() => loadData(dir));

describe('CSV dataset folders', () => {
  it('reads numeric features and a label column (named, or the last), class names numbered in sorted order', () => {
    const d = loadData(folder('a,label,b\n1.5,setosa,2\n-3,virginica,4e-1\n0,setosa,1\n', 'a,label,b\n7,virginica,8\n'));
    expect([d.train.count, d.train.shape, d.train.divisor, Array.from(d.train.inputs), Array.from(d.train.labels!), d.numClasses, d.classNames, Array.from(d.test.labels!)]).toEqual([
      3, [2], 1, [1.5, 2, -3, 0.4000000059604645, 0, 1], [0, 1, 0], 2, ['setosa', 'virginica'], [1],
    ]);
    const n = loadData(folder('x,y,class\n1,2,2\n3,4,0\n', 'x,y,class\n5,6,1\n'));
    expect([n.train.shape, Array.from(n.train.labels!), n.numClasses, n.classNames, Array.from(n.test.labels!)]).toEqual([[2], [2, 0], 3, undefined, [1]]);
  });

  it('refuses a non-number, a short row, other columns in test.csv or an unknown test class, in one coded line', () => {
    expect(line(folder('a,label\nx,1\n', 'a,label\n1,1\n'))).toBe('E_DATA_MISMATCH: train.csv row 2, column "a": expected a number, got "x"');
    expect(line(folder('a,b,label\n1,2,0\n3,1\n', 'a,b,label\n1,2,0\n'))).toMatch(/^E_DATA_MISMATCH: train.csv: not readable as CSV|^E_DATA_MISMATCH: train.csv row 3: expected 3 columns, got 2$/);
    expect(line(folder('a,label\n1,0\n', 'b,label\n1,0\n'))).toBe('E_DATA_MISMATCH: Expected test.csv to have the columns of train.csv (a, label), got b, label');
    expect(line(folder('a,label\n1,cat\n', 'a,label\n1,dog\n'))).toBe('E_DATA_MISMATCH: test.csv row 2: class "dog" does not occur in train.csv');
  });
});
