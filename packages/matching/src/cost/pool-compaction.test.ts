import { isNativeAvailable } from '@flow/native';
import { Rng } from '@flow/random';
import { createCoupling, type DataSampler } from '../coupling';
import { greedyAssign } from '../greedy-match';
import { createNativePoolCost } from './native-pool-cost';
import { createWasmPoolCost, type PoolCost } from './pool-cost';
import { poolCostFromDotProducts, type PoolDotProducts } from './pool-cost-from-dot';

/** Rows of integers in {-2..2}, closed under negation (mean exactly 0, so every path's arithmetic is exact), drawn from `distinct` rows: exact ties. */
function tiedIntegers(rng: Rng, n: number, dim: number, distinct: number): Float32Array {
  const base = Array.from({ length: distinct }, () => Array.from({ length: dim }, () => Math.floor(rng.uniform() * 5) - 2));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n / 2; i++) {
    const row = base[Math.floor(rng.uniform() * distinct)]!;
    for (let k = 0; k < dim; k++) {
      out[i * dim + k] = row[k]!;
      out[(i + n / 2) * dim + k] = -row[k]!;
    }
  }
  return out;
}

function sq(x: Float32Array, i: number, z: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += (x[i * dim + k]! - z[j * dim + k]!) ** 2;
  return s;
}

const jsDot: PoolDotProducts = (a, r, b, c, d, out) => {
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += a[i * d + q]! * b[j * d + q]!;
      out[i * c + j] = s;
    }
};

const kernels: [string, (cols: number, dim: number, rows: number) => Promise<PoolCost>][] = [
  ['wasm', (c, d, r) => createWasmPoolCost(c, d, r, 2)],
  ['gemm adapter', (c, d, r) => poolCostFromDotProducts('js-dot', jsDot)(c, d, r)],
  ...(isNativeAvailable() ? [['native', (c: number, d: number, r: number) => createNativePoolCost(c, d, r)] as [string, (cols: number, dim: number, rows: number) => Promise<PoolCost>]] : []),
];

describe('pool kernels skip retired entries (the GEMM shrinks over a draw cycle)', () => {
  const [ms, dim, batch] = [300, 12, 37];
  for (const [name, make] of kernels) {
    test(`${name}: a whole draw cycle with ties picks as the plain greedy over the full matrix`, async () => {
      const rng = new Rng(11);
      const z = tiedIntegers(rng, ms, dim, 7);
      const k = await make(ms, dim, batch);
      expect(typeof k.retire).toBe('function');
      if (name === 'native') expect(typeof k.assign).toBe('function');
      await k.setPool(z);
      const used = new Uint8Array(ms);
      const usedRef = new Uint8Array(ms);
      let tiesAfterCompaction = 0;
      for (let left = ms; left > 0; ) {
        const rows = Math.min(batch, left);
        const x = tiedIntegers(rng, 2 * Math.ceil(rows / 2), dim, 5);
        const d = await k.distances(x, rows);
        expect(d.index!.length).toBe(left);
        const full = new Float64Array(rows * ms);
        for (let i = 0; i < rows; i++) for (let j = 0; j < ms; j++) full[i * ms + j] = sq(x, i, z, j, dim);
        for (let i = 0; i < rows; i++) for (let j = 0; j < left; j++) if (d.cost[i * d.ld + j] !== full[i * ms + d.index![j]!]) throw new Error(`row ${i}, column ${j}: ${d.cost[i * d.ld + j]}`);
        // Ties among live entries whose columns are no longer in index order: the rule must still take the lowest index.
        if (left < ms) {
          const order = Array.from(d.index!);
          for (let i = 0; i < rows; i++) {
            const best = Math.min(...order.map((e) => full[i * ms + e]!));
            const tied = order.map((e, j) => [e, j] as const).filter(([e]) => full[i * ms + e] === best).sort((p, q) => p[0] - q[0]);
            if (tied.length > 1 && tied.some(([, j], q) => q > 0 && j < tied[q - 1]![1])) tiesAfterCompaction++;
          }
        }
        // The kernel's own rule (native) where it has one, else the JS one; both where it has.
        const js = greedyAssign(d.cost, rows, ms, used.slice(), d.ld, d.index);
        const pick = k.assign ? k.assign(d, rows, used) : greedyAssign(d.cost, rows, ms, used, d.ld, d.index);
        expect(Array.from(pick)).toEqual(Array.from(js));
        k.retire!(pick, rows);
        expect(Array.from(pick)).toEqual(Array.from(greedyAssign(full, rows, ms, usedRef)));
        left -= rows;
      }
      expect(Array.from(used)).toEqual(new Array(ms).fill(1));
      expect(tiesAfterCompaction).toBeGreaterThan(0);
      // A new draw packs the whole pool again.
      await k.setPool(z);
      expect((await k.distances(z, 1)).index!.length).toBe(ms);
      k.dispose();
    });
  }

  test('dansm: two draw cycles (batches crossing a redraw) and a restore mid-cycle pair as the per-batch cpu path', async () => {
    const sampler = (seed: number): DataSampler => {
      const rng = new Rng(seed);
      return { dim, draw: (n: number) => tiedIntegers(rng, 2 * Math.ceil(n / 2), dim, 5).subarray(0, n * dim) };
    };
    // The coupling draws a Gaussian pool (no exact ties here; the kernel test above has them): the pool kernels
    // against the cpu cost backend (full blocks, no retire) on the same data.
    const run = async (costBackend: string) => {
      const c = createCoupling('dansm', { sampler: sampler(3), rng: new Rng(4), ms: 100, costBackend, batch: 32 });
      const noise: number[] = [];
      for (const b of [32, 32, 30, 32, 32, 32, 32]) noise.push(...(await c.next(b)).noise);
      return noise;
    };
    const cpu = await run('cpu');
    for (const backend of ['wasm', ...(isNativeAvailable() ? ['native'] : [])]) expect(await run(backend)).toEqual(cpu);
    // Restore mid-cycle: the kernel of the restored coupling drops the entries used before the snapshot.
    const a = createCoupling('dansm', { sampler: sampler(3), rng: new Rng(4), ms: 100, costBackend: 'wasm', batch: 32 });
    await a.next(32);
    await a.next(32);
    const snap = a.snapshot();
    const b = createCoupling('dansm', { sampler: sampler(3), rng: new Rng(4), ms: 100, costBackend: 'wasm', batch: 32 });
    await b.next(32);
    await b.next(32);
    b.restore(snap);
    for (let s = 0; s < 3; s++) expect(Array.from((await b.next(32)).noise)).toEqual(Array.from((await a.next(32)).noise));
  });
});
