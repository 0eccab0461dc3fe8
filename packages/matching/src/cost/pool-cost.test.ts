import { isNativeAvailable, nativeUnavailableReason, setNativeThreads } from '@flow/native';
import { Rng } from '@flow/random';
import { availableParallelism } from 'node:os';
import { createCoupling, type DataSampler } from '../coupling';
import { greedyAssign } from '../greedy-match';
import { greedyMatchStream } from '../greedy-stream';
import { computeCostMatrix } from './compute-cost-matrix';
import { createWasmPoolCost, type PoolCostFactory } from './pool-cost';
import { poolCostFromDotProducts, type PoolDotProducts } from './pool-cost-from-dot';
import { createNativePoolCost } from './native-pool-cost';

const defaultThreads = (): number => Number(process.env.FLOW_THREADS) || availableParallelism();

/**
 * Integer rows in {-2..2} whose set is closed under negation (row i + n/2 = -row i), with `distinct` distinct
 * rows repeated: every mean is exactly 0, so the centred float32 arithmetic of every path is exact and the
 * repeated rows give exact ties (the rule: the lowest index wins).
 */
function symmetricIntegers(rng: Rng, n: number, dim: number, distinct: number): Float32Array {
  const half = n / 2;
  const base = Array.from({ length: distinct }, () => Array.from({ length: dim }, () => Math.floor(rng.uniform() * 5) - 2));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < half; i++) {
    const row = base[Math.floor(rng.uniform() * distinct)]!;
    for (let k = 0; k < dim; k++) {
      out[i * dim + k] = row[k]!;
      out[(i + half) * dim + k] = -row[k]!;
    }
  }
  return out;
}

function exact(x: Float32Array, i: number, z: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += (x[i * dim + k]! - z[j * dim + k]!) ** 2;
  return s;
}

describe('wasm pool kernel (DANSM distances + greedy per batch)', () => {
  // [rows, cols, dim, workers]: the first runs on the main thread, the others split the pool over workers.
  const cases: [number, number, number, number][] = [
    [10, 64, 5, 2],
    [128, 1024, 160, 2],
    [96, 1000, 200, 3],
  ];
  for (const [rows, cols, dim, workers] of cases) {
    test(`exact distances and the same assignment as the existing greedy, with ties (${rows} x ${cols} x ${dim}, ${workers} workers)`, async () => {
      const rng = new Rng(rows * 7 + cols + dim);
      const x = symmetricIntegers(rng, rows, dim, 9);
      const z = symmetricIntegers(rng, cols, dim, Math.max(3, cols / 8));
      const k = await createWasmPoolCost(cols, dim, rows, workers);
      await k.setPool(z);
      const d = await k.distances(x, rows);
      expect(d.ld).toBeGreaterThanOrEqual(cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (d.cost[i * d.ld + j] !== exact(x, i, z, j, dim)) throw new Error(`C[${i}][${j}] = ${d.cost[i * d.ld + j]}, expected ${exact(x, i, z, j, dim)}`);
      const fused = Array.from(greedyAssign(d.cost, rows, cols, new Uint8Array(cols), d.ld));
      // The greedy as it ran before: the cost module's matrix per batch, then greedyAssign; and the float64 streaming greedy.
      const before = await computeCostMatrix(x, z, rows, cols, dim, { backend: 'cpu' });
      expect(fused).toEqual(Array.from(greedyAssign(before.cost, rows, cols, new Uint8Array(cols))));
      expect(fused).toEqual(Array.from(greedyMatchStream(x, z, rows, cols, dim, { method: 'scan' })));
      // The GEMM adapter a native sgemm plugs into, here around a plain JS product: the same distances.
      const jsDot: PoolDotProducts = (a, r, b, c, dd, out) => {
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) {
          let s = 0;
          for (let q = 0; q < dd; q++) s += a[i * dd + q]! * b[j * dd + q]!;
          out[i * c + j] = s;
        }
      };
      const g = await poolCostFromDotProducts('js-dot', jsDot)(cols, dim, rows);
      await g.setPool(z);
      const gd = await g.distances(x, rows);
      expect(Array.from(greedyAssign(gd.cost, rows, cols, new Uint8Array(cols), gd.ld))).toEqual(fused);
      // Ties really happened: rows whose nearest unused pool row was not unique.
      const used = new Uint8Array(cols);
      let tied = 0;
      for (let i = 0; i < rows; i++) {
        let best = Infinity;
        let count = 0;
        for (let j = 0; j < cols; j++) {
          if (used[j]) continue;
          const v = exact(x, i, z, j, dim);
          if (v < best) [best, count] = [v, 1];
          else if (v === best) count++;
        }
        if (count > 1) tied++;
        used[fused[i]!] = 1;
      }
      expect(tied).toBeGreaterThan(0);
      k.dispose();
    });
  }

  test('a smaller batch after a larger one, and random data within float32 rounding', async () => {
    const rows = 37;
    const cols = 300;
    const dim = 33;
    const rng = new Rng(5);
    const z = rng.fillNormal(new Float32Array(cols * dim));
    const k = await createWasmPoolCost(cols, dim, rows, 2);
    await k.setPool(z);
    await k.distances(rng.fillNormal(new Float32Array(rows * dim)), rows);
    const x = rng.fillNormal(new Float32Array(7 * dim));
    const d = await k.distances(x, 7);
    for (let i = 0; i < 7; i++) for (let j = 0; j < cols; j++) expect(Math.abs(d.cost[i * d.ld + j]! - exact(x, i, z, j, dim))).toBeLessThan(2e-4 * (1 + exact(x, i, z, j, dim)));
    await expect(k.distances(x, rows + 1)).rejects.toThrow(/1\.\.37 rows/);
  });
});

describe('dansm coupling through the pool kernel', () => {
  const dim = 24;
  const sampler = (seed: number): DataSampler => {
    const rng = new Rng(seed);
    return { dim, draw: (n: number) => rng.fillNormal(new Float32Array(n * dim)) };
  };
  const run = async (costBackend: string, batches: number[], poolCost?: PoolCostFactory) => {
    const c = createCoupling('dansm', { sampler: sampler(1), rng: new Rng(2), ms: 200, costBackend, poolCost });
    const noise: number[] = [];
    for (const b of batches) noise.push(...(await c.next(b)).noise);
    return { noise, stats: c.stats(), used: Array.from(c.snapshot().arrays.used as Uint8Array) };
  };

  test('pairs exactly as the per-batch cost path, across pool redraws and a batch larger than planned', async () => {
    const batches = [64, 64, 100, 300, 5];
    const cpu = await run('cpu', batches);
    const wasm = await run('wasm', batches);
    expect(wasm.stats.costBackend).toMatch(/^wasm pool kernel/);
    expect(cpu.stats.costBackend).toBe('cpu');
    expect(wasm.noise).toEqual(cpu.noise);
    expect(wasm.used).toEqual(cpu.used);
    expect(wasm.stats.meanSqPathBefore).toBe(cpu.stats.meanSqPathBefore);
  });

  test('a poolCost factory plugs in (an exact float64 one here) and restore re-packs the pool', async () => {
    let made = 0;
    const exactFactory: PoolCostFactory = async (cols, d, maxRows) => {
      made++;
      let pool: Float32Array = new Float32Array(0);
      const out = new Float32Array(maxRows * cols);
      return {
        name: 'test-exact',
        setPool: async (p) => {
          pool = p;
        },
        distances: async (x, rows) => {
          for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = exact(x, i, pool, j, d);
          return { cost: out, ld: cols };
        },
        dispose: () => undefined,
      };
    };
    const plain = await run('wasm', [64, 64, 64]);
    const hooked = await run('auto', [64, 64, 64], exactFactory);
    expect(made).toBe(1);
    expect(hooked.stats.costBackend).toBe('test-exact');
    expect(hooked.used).toEqual(plain.used);
    // Resume mid-pool: a fresh coupling restored from a snapshot continues exactly as the uninterrupted one.
    const a = createCoupling('dansm', { sampler: sampler(1), rng: new Rng(2), ms: 200, costBackend: 'wasm' });
    await a.next(64);
    const snap = a.snapshot();
    const b = createCoupling('dansm', { sampler: sampler(1), rng: new Rng(2), ms: 200, costBackend: 'wasm' });
    await b.next(64); // the same data draw as `a`, so both samplers are at the same point
    b.restore(snap);
    expect(Array.from((await b.next(64)).noise)).toEqual(Array.from((await a.next(64)).noise));
  });
});

// The same checks on @flow/native's sgemm (an optional peer): skipped, with the reason printed, where its addon is absent.
const native = isNativeAvailable();
if (!native) console.warn(`native pool kernel tests skipped: ${nativeUnavailableReason()}`);
const nativeSuite = native ? describe : describe.skip;

nativeSuite('native pool kernel and cost backend (@flow/native sgemm)', () => {
  afterAll(() => setNativeThreads(defaultThreads()));

  for (const [rows, cols, dim] of [
    [10, 64, 5],
    [128, 1024, 160],
    [96, 1000, 200],
  ] as const) {
    test(`exact distances and the same assignment as the existing greedy, with ties (${rows} x ${cols} x ${dim})`, async () => {
      const rng = new Rng(rows * 7 + cols + dim);
      const x = symmetricIntegers(rng, rows, dim, 9);
      const z = symmetricIntegers(rng, cols, dim, Math.max(3, cols / 8));
      const k = await createNativePoolCost(cols, dim, rows);
      expect(k.name).toMatch(/^native pool kernel \(OpenBLAS sgemm/);
      await k.setPool(z);
      const d = await k.distances(x, rows);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (d.cost[i * d.ld + j] !== exact(x, i, z, j, dim)) throw new Error(`C[${i}][${j}] = ${d.cost[i * d.ld + j]}, expected ${exact(x, i, z, j, dim)}`);
      const pick = Array.from(greedyAssign(d.cost, rows, cols, new Uint8Array(cols), d.ld));
      const before = await computeCostMatrix(x, z, rows, cols, dim, { backend: 'cpu' });
      expect(pick).toEqual(Array.from(greedyAssign(before.cost, rows, cols, new Uint8Array(cols))));
      const wasm = await createWasmPoolCost(cols, dim, rows, 2);
      await wasm.setPool(z);
      const w = await wasm.distances(x, rows);
      expect(pick).toEqual(Array.from(greedyAssign(w.cost, rows, cols, new Uint8Array(cols), w.ld)));
      // The cost backend gives the same exact matrix.
      const m = await computeCostMatrix(x, z, rows, cols, dim, { backend: 'native' });
      expect(m.backend).toBe('native');
      expect(Array.from(m.cost)).toEqual(Array.from(before.cost));
      // Ties happened: the wasm test above counts them on the same data; here, that duplicate pool rows exist.
      expect(new Set(Array.from({ length: cols }, (_, j) => z.subarray(j * dim, (j + 1) * dim).join())).size).toBeLessThan(cols);
    });
  }

  test('random data within float32 rounding, the same bits for 1 and 2 threads, float64 refused', async () => {
    const rng = new Rng(9);
    const [rows, cols, dim] = [70, 900, 300];
    const x = rng.fillNormal(new Float32Array(rows * dim));
    const z = rng.fillNormal(new Float32Array(cols * dim));
    const bits: Float32Array[] = [];
    for (const threads of [1, 2]) {
      setNativeThreads(threads);
      const k = await createNativePoolCost(cols, dim, rows);
      await k.setPool(z);
      bits.push((await k.distances(x, rows)).cost.slice());
    }
    expect(Array.from(bits[1]!)).toEqual(Array.from(bits[0]!));
    let worst = 0;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) worst = Math.max(worst, Math.abs(bits[0]![i * cols + j]! - exact(x, i, z, j, dim)) / (1 + exact(x, i, z, j, dim)));
    expect(worst).toBeLessThan(2e-4);
    await expect(computeCostMatrix(x, z, rows, cols, dim, { backend: 'native', precision: 'float64' })).rejects.toThrow(/only float32/);
  });

  test('dansm: the same pairs as the per-batch cpu path, `auto` picks native, and a restore continues bit for bit', async () => {
    const dim = 24;
    const sampler = (seed: number): DataSampler => {
      const rng = new Rng(seed);
      return { dim, draw: (n: number) => rng.fillNormal(new Float32Array(n * dim)) };
    };
    const run = async (costBackend: string, batches: number[]) => {
      const c = createCoupling('dansm', { sampler: sampler(1), rng: new Rng(2), ms: 200, costBackend });
      const noise: number[] = [];
      for (const b of batches) noise.push(...(await c.next(b)).noise);
      return { noise, stats: c.stats() };
    };
    const batches = [64, 64, 100, 300, 5];
    const cpu = await run('cpu', batches);
    const nat = await run('native', batches);
    expect(nat.stats.costBackend).toMatch(/^native pool kernel/);
    expect(nat.noise).toEqual(cpu.noise);
    expect((await run('auto', [64])).stats.costBackend).toMatch(/^native pool kernel/);
    const a = createCoupling('dansm', { sampler: sampler(1), rng: new Rng(2), ms: 200, costBackend: 'native' });
    await a.next(64);
    const snap = a.snapshot();
    const b = createCoupling('dansm', { sampler: sampler(1), rng: new Rng(2), ms: 200, costBackend: 'native' });
    await b.next(64);
    b.restore(snap);
    expect(Array.from((await b.next(64)).noise)).toEqual(Array.from((await a.next(64)).noise));
  });

  test('ot: the exact coupling builds its cost matrix on native and pairs as on cpu', async () => {
    const dim = 12;
    const run = async (costBackend: string) => {
      const rng = new Rng(4);
      const c = createCoupling('ot', { sampler: { dim, draw: (n: number) => rng.fillNormal(new Float32Array(n * dim)) }, rng: new Rng(5), ms: 64, costBackend });
      const p = await c.next(64);
      return { noise: Array.from(p.noise), backend: c.stats().costBackend };
    };
    const nat = await run('native');
    expect(nat.backend).toBe('native');
    expect(nat.noise).toEqual((await run('cpu')).noise);
  });
});
