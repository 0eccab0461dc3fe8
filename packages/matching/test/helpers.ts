import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Rng } from '@flow/random';
import type { DataSampler } from '../src/coupling';

/** SciPy's assignments, committed with their generator (fixtures/README.md). */
export const referenceDir = path.resolve(__dirname, '../../../fixtures/matching');

/** Minimal little-endian C-order .npy reader for the reference files (float32 / int64). */
export function readNpyLite(file: string): { shape: number[]; data: Float32Array | Float64Array | Int32Array } {
  const buf = readFileSync(file);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = buf.subarray(start + headerLen);
  const bytes = new Uint8Array(body.byteLength);
  bytes.set(body);
  if (descr === '<f4') return { shape, data: new Float32Array(bytes.buffer) };
  if (descr === '<f8') return { shape, data: new Float64Array(bytes.buffer) };
  if (descr === '<i8') {
    const big = new BigInt64Array(bytes.buffer);
    return { shape, data: Int32Array.from(big, (b) => Number(b)) };
  }
  throw new Error(`unsupported dtype ${descr}`);
}

/** Plain float64 squared distances, the definition the reference used. */
export function naiveCost(x: ArrayLike<number>, z: ArrayLike<number>, rows: number, cols: number, dim: number): Float64Array {
  const c = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const t = x[i * dim + k]! - z[j * dim + k]!;
        s += t * t;
      }
      c[i * cols + j] = s;
    }
  }
  return c;
}

export interface ReferenceCase {
  name: string;
  n: number;
  dim: number;
  data: string;
  noise: string;
  assignment: string;
  optimal_total_sq_l2: number;
  identity_total_sq_l2: number;
}

export function referenceCases(): ReferenceCase[] {
  return (JSON.parse(readFileSync(path.join(referenceDir, 'cases.json'), 'utf8')) as { cases: ReferenceCase[] }).cases;
}

/** A sampler cycling through a fixed two-cluster Gaussian data set (first coordinate +-`shift`); `pos` is its whole state. */
export function cyclingSampler(rows: number, dim: number, seed: number, shift = 4): DataSampler & { pos: number; rows: Float32Array } {
  const data = new Rng(seed).fillNormal(new Float32Array(rows * dim));
  for (let i = 0; i < rows; i++) data[i * dim] = data[i * dim]! + (i % 2 ? shift : -shift);
  const s = {
    dim,
    size: rows,
    pos: 0,
    rows: data,
    draw(count: number): Float32Array {
      const out = new Float32Array(count * dim);
      for (let b = 0; b < count; b++) {
        out.set(data.subarray(s.pos * dim, (s.pos + 1) * dim), b * dim);
        s.pos = (s.pos + 1) % rows;
      }
      return out;
    },
  };
  return s;
}
