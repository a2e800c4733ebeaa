import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { SoftshareError } from '@softshare/core';
import type { Dataset, DataSplit } from './mnist.js';

/** The two files a CSV dataset folder holds. */
export const CSV_FILES = { train: 'train.csv', test: 'test.csv' } as const;

interface Table {
  readonly header: string[];
  readonly rows: string[][];
}

function readTable(dir: string, name: string): Table {
  const path = join(dir, name);
  if (!existsSync(path)) throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected ${name} in the CSV dataset folder ${dir}, got no such file`);
  let records: string[][];
  try {
    records = parse(readFileSync(path, 'utf8'), { skip_empty_lines: true, trim: true }) as string[][];
  } catch (cause) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: not readable as CSV (${String((cause as Error).message).split('\n')[0]})`, { cause });
  }
  const [header, ...rows] = records;
  if (!header || rows.length === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected a header row and at least one example, got ${records.length} row(s)`);
  return { header, rows };
}

/** The target column: the one named `label` (classes) or `target` (values), else the last. */
function labelColumn(header: readonly string[]): number {
  const named = header.indexOf('label');
  if (named >= 0) return named;
  const target = header.indexOf('target');
  return target >= 0 ? target : header.length - 1;
}

/** Regression: a column named `target`, or a last column holding a number that is not a whole one. */
function isRegression(t: Table): boolean {
  if (t.header.includes('label')) return false;
  if (t.header.includes('target')) return true;
  const c = t.header.length - 1;
  return t.rows.some((r) => r[c] !== '' && Number.isFinite(Number(r[c])) && !Number.isInteger(Number(r[c])));
}

function toSplit(t: Table, name: string, classIndex: ReadonlyMap<string, number> | null): DataSplit {
  const label = labelColumn(t.header);
  const features = t.header.length - 1;
  const inputs = new Float32Array(t.rows.length * features);
  const labels = new Uint8Array(t.rows.length);
  const values = new Float32Array(t.rows.length);
  t.rows.forEach((row, r) => {
    let f = 0;
    row.forEach((cell, c) => {
      if (c === label) return;
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v)) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name} row ${r + 2}, column "${t.header[c]}": expected a number, got "${cell}"`);
      inputs[r * features + f++] = v;
    });
    if (classIndex === null) {
      const v = Number(row[label]);
      if (row[label] === '' || !Number.isFinite(v)) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name} row ${r + 2}, column "${t.header[label]}": expected a number (the regression target), got "${row[label]}"`);
      values[r] = v;
      return;
    }
    const k = classIndex.get(row[label]);
    if (k === undefined) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name} row ${r + 2}: class "${row[label]}" does not occur in ${CSV_FILES.train}`);
    labels[r] = k;
  });
  const base = { count: t.rows.length, shape: [features], inputs, divisor: 1 };
  return classIndex === null ? { ...base, targets: [{ kind: 'values', values, shape: [1] }] } : { ...base, labels };
}

/**
 * A tabular dataset from `train.csv` and `test.csv` (a header row; every column but the
 * target a number, used as it is). Classification: the column named `label`, else the
 * last, holds the class: integers 0..K-1 as written, or names, numbered in sorted order.
 * Regression: a column named `target`, or a last column with a number that is not a
 * whole one, holds the value (one `targets` entry of kind values, shape [1]).
 *
 * @example
 * const data = loadCsvFolder('iris/'); // iris/train.csv: sepal_length,...,label
 */
export function loadCsvFolder(dir: string): Dataset {
  const train = readTable(dir, CSV_FILES.train);
  const test = readTable(dir, CSV_FILES.test);
  if (train.header.join(',') !== test.header.join(',')) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected ${CSV_FILES.test} to have the columns of ${CSV_FILES.train} (${train.header.join(', ')}), got ${test.header.join(', ')}`);
  for (const [name, t] of [[CSV_FILES.train, train], [CSV_FILES.test, test]] as const) {
    const bad = t.rows.findIndex((row) => row.length !== t.header.length);
    if (bad >= 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name} row ${bad + 2}: expected ${t.header.length} columns, got ${t.rows[bad].length}`);
  }
  const label = labelColumn(train.header);
  if (isRegression(train)) return { name: dir, train: toSplit(train, CSV_FILES.train, null), test: toSplit(test, CSV_FILES.test, null) };
  const names = [...new Set(train.rows.map((r) => r[label]))];
  const numeric = names.every((n) => /^\d+$/.test(n));
  const sorted = numeric ? names.map(Number).sort((a, b) => a - b).map(String) : names.sort();
  if (numeric && Number(sorted[sorted.length - 1]) > 255) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${CSV_FILES.train}: expected class labels from 0 to 255, got ${sorted[sorted.length - 1]}`);
  if (!numeric && sorted.length > 256) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${CSV_FILES.train}: expected at most 256 classes, got ${sorted.length}`);
  // integer classes keep their numbers (0..K-1 with gaps allowed); names are numbered in order
  const classIndex = new Map(numeric ? Array.from({ length: Number(sorted[sorted.length - 1]) + 1 }, (_, k) => [String(k), k] as const) : sorted.map((n, k) => [n, k] as const));
  return {
    name: dir,
    train: toSplit(train, CSV_FILES.train, classIndex),
    test: toSplit(test, CSV_FILES.test, classIndex),
    numClasses: classIndex.size,
    ...(numeric ? {} : { classNames: sorted }),
  };
}
