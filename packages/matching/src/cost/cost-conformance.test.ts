import { Rng } from '@flow/random';
import { computeCostBlocks, computeCostMatrix, CostInputError, largestSquareScope, listCostBackends } from './index';
import type { CostBackendName, CostPrecision } from './index';

// Conformance suite run for every backend available here. Reference: float64 sum of squared differences.
// Tolerance (stated): |c - ref| <= tol * (|x_i - m|^2 + |z_j - m|^2) + tiny, m the common mean, with
// tol = 1e-5 in float32 and 1e-12 in float64 (measured worst cases are ~20x below; see README-backends.md).
const TOL: Record<CostPrecision, number> = { float32: 1e-5, float64: 1e-12 };

function reference(x: Float64Array, z: Float64Array, rows: number, cols: number, dim: number) {
  const ref = new Float64Array(rows * cols);
  const mean = new Float64Array(dim);
  for (let i = 0; i < rows * dim; i++) mean[i % dim] += x[i] / (rows + cols);
  for (let i = 0; i < cols * dim; i++) mean[i % dim] += z[i] / (rows + cols);
  const norm = (a: Float64Array, r: number) => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += (a[r * dim + k] - mean[k]) ** 2;
    return s;
  };
  const nx = Array.from({ length: rows }, (_, i) => norm(x, i));
  const nz = Array.from({ length: cols }, (_, j) => norm(z, j));
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (x[i * dim + k] - z[j * dim + k]) ** 2;
      ref[i * cols + j] = s;
    }
  return { ref, nx, nz };
}

/** Worst error relative to the stated bound; NaN never counts as close. */
function worst(cost: ArrayLike<number>, r: ReturnType<typeof reference>, cols: number): number {
  let w = 0;
  for (let idx = 0; idx < r.ref.length; idx++) {
    const i = Math.floor(idx / cols);
    const j = idx - i * cols;
    const bound = r.nx[i] + r.nz[j] + 1e-30;
    const e = Math.abs(cost[idx] - r.ref[idx]) / bound;
    if (!(e <= 1e300)) return Infinity; // NaN or Inf
    if (cost[idx] < 0) return Infinity;
    w = Math.max(w, e);
  }
  return w;
}

function data(rng: Rng, n: number, dim: number, offset: number, scale: number): Float64Array {
  const a = new Float64Array(n * dim);
  rng.fillNormal(a);
  for (let i = 0; i < a.length; i++) a[i] = offset + scale * a[i];
  return a;
}

const backendsPromise = listCostBackends();

// Shapes: odd sizes, tile remainders, dims 1/2/3/784, and (not for gpujs-cpu, which is slow) a d = 2100
// case that crosses the wasm k blocks and is large enough to use worker threads.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 2],
  [5, 1, 3],
  [7, 13, 3],
  [13, 11, 2],
  [17, 9, 784],
  [33, 29, 784],
  [4, 6, 5],
];
const BIG: [number, number, number] = [101, 67, 2100];

describe('cost backends', () => {
  test('registry lists every backend with a reason', async () => {
    const list = await backendsPromise;
    expect(list.map((b) => b.name).sort()).toEqual(['cpu', 'gpujs-cpu', 'gpujs-webasm', 'gpujs-webgpu', 'native', 'wasm', 'webgpu']);
    for (const b of list) expect(b.reason.length).toBeGreaterThan(0);
    expect(list.find((b) => b.name === 'cpu')?.available).toBe(true);
  });

  const names: CostBackendName[] = ['cpu', 'native', 'wasm', 'gpujs-webasm', 'gpujs-cpu', 'gpujs-webgpu'];
  for (const name of names) {
    for (const precision of ['float32', 'float64'] as const) {
      test(`${name} ${precision} matches the float64 reference`, async () => {
        const info = (await backendsPromise).find((b) => b.name === name);
        if (!info?.available) {
          console.warn(`skipping ${name}: ${info?.reason}`);
          return;
        }
        if ((name.startsWith('gpujs') || name === 'native') && precision === 'float64') {
          await expect(computeCostMatrix(new Float32Array(2), new Float32Array(2), 1, 1, 2, { backend: name, precision })).rejects.toThrow(/float32/);
          return;
        }
        const rng = new Rng(1234);
        const shapes = name === 'gpujs-cpu' ? SHAPES.filter((s) => s[2] < 784) : [...SHAPES, BIG];
        let w = 0;
        for (const [rows, cols, dim] of shapes) {
          // Offset data (mean 3, spread 0.5) checks the centring: without it float32 would lose ~6 bits.
          for (const [offset, scale] of [[0, 1], [3, 0.5]]) {
            const x = data(rng, rows, dim, offset, scale);
            const z = data(rng, cols, dim, offset * 1.1, scale);
            const r = reference(x, z, rows, cols, dim);
            const xin = precision === 'float32' ? Float32Array.from(x) : x;
            const zin = precision === 'float32' ? Float32Array.from(z) : z;
            const rx = precision === 'float32' ? reference(Float64Array.from(xin), Float64Array.from(zin), rows, cols, dim) : r;
            const res = await computeCostMatrix(xin, zin, rows, cols, dim, { backend: name, precision, workers: 2 });
            expect(res.backend).toBe(name);
            expect(res.cost).toBeInstanceOf(precision === 'float32' ? Float32Array : Float64Array);
            expect(res.cost.length).toBe(rows * cols);
            const e = worst(res.cost, rx, cols);
            w = Math.max(w, e);
            expect(e).toBeLessThanOrEqual(TOL[precision]);
          }
        }
        console.log(`${name} ${precision}: worst error / (|x-m|^2 + |z-m|^2) = ${w.toExponential(2)}`);
      });
    }
  }

  test('identical points give exact zeros, never negative', async () => {
    const rng = new Rng(7);
    const x = data(rng, 9, 784, 0.5, 0.3);
    for (const backend of ['cpu', 'wasm'] as const) {
      const res = await computeCostMatrix(x, x, 9, 9, 784, { backend });
      for (let i = 0; i < 9; i++) {
        expect(res.cost[i * 9 + i]).toBeGreaterThanOrEqual(0);
        expect(res.cost[i * 9 + i]).toBeLessThan(1e-3);
      }
      for (const v of res.cost) expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  test('NaN is reported by row, and never passes as a distance', async () => {
    const x = new Float32Array(4 * 3).fill(1);
    const z = new Float32Array(2 * 3).fill(0);
    x[2 * 3 + 1] = Number.NaN;
    await expect(computeCostMatrix(x, z, 4, 2, 3)).rejects.toThrow(/x row 2/);
    await expect(computeCostMatrix(z, x, 2, 4, 3)).rejects.toThrow(CostInputError);
    for (const backend of ['cpu', 'wasm'] as const) {
      const res = await computeCostMatrix(x, z, 4, 2, 3, { backend, validate: false });
      // The NaN row is NaN (it also reaches the common mean, so it may spread; it never becomes a number).
      expect(Number.isNaN(res.cost[2 * 2])).toBe(true);
      expect(Number.isNaN(res.cost[2 * 2 + 1])).toBe(true);
    }
    const inf = new Float64Array(3).fill(Number.POSITIVE_INFINITY);
    await expect(computeCostMatrix(new Float64Array(3), inf, 1, 1, 3)).rejects.toThrow(/z row 0/);
  });

  test('bad shapes, empty input, unknown backend and too large matrices are input errors', async () => {
    const a = new Float32Array(6);
    await expect(computeCostMatrix(a, a, 2, 2, 4)).rejects.toMatchObject({ kind: 'input' });
    await expect(computeCostMatrix(new Float32Array(0), a, 0, 2, 3)).rejects.toMatchObject({ kind: 'input' });
    await expect(computeCostMatrix(a, a, 2, 2, 3, { backend: 'nope' as CostBackendName })).rejects.toMatchObject({ kind: 'input' });
    const big = largestSquareScope() * 2;
    const one = new Float32Array(big);
    await expect(computeCostMatrix(one, one, big, big, 1)).rejects.toThrow(/largest square scope is ms = \d+/);
  });

  test('auto says which backend ran and why', async () => {
    const x = new Float32Array(30).fill(1);
    const res = await computeCostMatrix(x, x, 10, 10, 3);
    expect(['native', 'wasm', 'cpu', 'gpujs-webgpu']).toContain(res.backend);
    expect(res.reason).toMatch(/^auto/);
    const f64 = await computeCostMatrix(x, x, 10, 10, 3, { precision: 'float64' });
    expect(f64.cost).toBeInstanceOf(Float64Array);
  });

  test('computeCostBlocks tiles reproduce the full matrix', async () => {
    const rng = new Rng(99);
    const [rows, cols, dim] = [23, 41, 17];
    const x = Float32Array.from(data(rng, rows, dim, 0, 1));
    const z = Float32Array.from(data(rng, cols, dim, 0, 1));
    const full = await computeCostMatrix(x, z, rows, cols, dim, { backend: 'cpu' });
    let seen = 0;
    for await (const b of computeCostBlocks(x, z, rows, cols, dim, { blockRows: 8, blockCols: 10, backend: 'cpu' })) {
      for (let i = 0; i < b.rows; i++)
        for (let j = 0; j < b.cols; j++) {
          const want = full.cost[(b.rowStart + i) * cols + b.colStart + j];
          expect(Math.abs(b.cost[i * b.cols + j] - want)).toBeLessThanOrEqual(1e-5 * (want + 1));
          seen++;
        }
    }
    expect(seen).toBe(rows * cols);
  });
});
