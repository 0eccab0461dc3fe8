import { isFlowInputError } from '@flow/errors';
import { readArrayFile, toFloat32 } from '@flow/io';
import { DataInputError } from './errors';
import type { Dataset, DatasetLabels } from './dataset';
import { imageDataset, pointDataset } from './image-dataset';

/**
 * A `.npy` (or single-array `.npz`) dataset. Layouts: (n, d) vectors; (n, H, W) grey images;
 * (n, H, W, C) or (n, C, H, W) images (C in 1, 3, 4; channels-first, recognised as (n, C, S, S), is transposed
 * to NHWC).
 * uint8 arrays are scaled from [0, 255] to [-1, 1]; floating arrays are used as they are (so give images
 * in [-1, 1], and vectors at roughly unit scale).
 */
export function npyDataset(file: string, limit?: number, labels?: DatasetLabels): Dataset {
  const a = (() => {
    try {
      return readArrayFile(file);
    } catch (error) {
      if (isFlowInputError(error)) throw error;
      throw new DataInputError(`dataset ${file}: cannot read (${(error as Error).message})`);
    }
  })();
  const shape = a.shape;
  if (shape.length < 2 || shape.length > 4) {
    throw new DataInputError(`dataset ${file}: expected shape (n, d), (n, H, W), (n, H, W, C) or (n, C, H, W), got (${shape.join(', ')})`);
  }
  if (shape.some((s) => s < 1)) throw new DataInputError(`dataset ${file}: empty array of shape (${shape.join(', ')})`);
  if (a.dtype === 'bool' || a.dtype === 'int64' || a.dtype === 'uint64') {
    throw new DataInputError(`dataset ${file}: dtype ${a.dtype} is not a data type (expected float16/32/64 or uint8)`);
  }
  let data = toFloat32(a);
  if (a.dtype === 'uint8') data = data.map((v) => v / 127.5 - 1);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new DataInputError(`dataset ${file}: non-finite value ${data[i]} at flat index ${i}`);
  }
  const n = limit === undefined ? shape[0] : Math.max(1, Math.min(limit, shape[0]));
  if (labels && labels.values.length !== shape[0]) {
    throw DataInputError.field('labels', `has ${labels.values.length} labels, dataset ${file} has ${shape[0]} rows`);
  }
  if (n < shape[0]) data = data.slice(0, (data.length / shape[0]) * n);
  const lab = labels && n < shape[0] ? { ...labels, values: labels.values.slice(0, n) } : labels;
  if (shape.length === 2) return pointDataset(file, data, shape[1], lab);
  if (shape.length === 3) return imageDataset(file, data, [shape[1], shape[2], 1], lab);
  const [, d1, d2, d3] = shape;
  const isChannel = (c: number) => c === 1 || c === 3 || c === 4;
  // channels last unless the layout is plainly (n, C, S, S): square images with a channel count first
  const channelsFirst = isChannel(d1) && d2 === d3 && d1 !== d2;
  if (isChannel(d3) && !channelsFirst) return imageDataset(file, data, [d1, d2, d3], lab);
  if (!isChannel(d1)) throw new DataInputError(`dataset ${file}: cannot tell the channel axis of (${shape.join(', ')}); expected 1, 3 or 4 channels first or last`);
  const [c, h, w] = [d1, d2, d3];
  const nhwc = new Float32Array(data.length);
  for (let s = 0; s < n; s++) {
    const base = s * c * h * w;
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) nhwc[base + p * c + ch] = data[base + ch * h * w + p];
  }
  return imageDataset(file, nhwc, [h, w, c], lab);
}
