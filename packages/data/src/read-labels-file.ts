import { isFlowInputError } from '@flow/errors';
import { readArrayFile, toFloat64 } from '@flow/io';
import { DataInputError } from './errors';
import type { DatasetLabels } from './dataset';

/**
 * Class labels from a `.npy`/`.npz` file: one integer per row (shape (n,) or (n, 1), any integer or float
 * dtype holding whole numbers >= 0). The number of classes is the largest label + 1.
 */
export function readLabelsFile(file: string): DatasetLabels {
  let a;
  try {
    a = readArrayFile(file);
  } catch (error) {
    if (isFlowInputError(error)) throw error;
    throw DataInputError.field('labels', `${file}: cannot read (${(error as Error).message})`);
  }
  if (!(a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1)) || a.shape[0]! < 1) {
    throw DataInputError.field('labels', `${file}: expected one class index per row, shape (n,) or (n, 1), got (${a.shape.join(', ')})`);
  }
  if (a.dtype === 'bool') throw DataInputError.field('labels', `${file}: expected integer class indices, got dtype bool`);
  const raw = toFloat64(a);
  const values = new Int32Array(raw.length);
  let max = 0;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 20) throw DataInputError.field('labels', `${file}: row ${i} has label ${v}, expected an integer class index >= 0`);
    values[i] = v;
    if (v > max) max = v;
  }
  return { values, classes: max + 1 };
}
