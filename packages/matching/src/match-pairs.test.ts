import * as path from 'node:path';
import { matchPairs } from './match-pairs';
import { naiveCost, readNpyLite, referenceCases, referenceDir } from '../test/helpers';

/** Greedy rule written out plainly: each data row in order takes the nearest unused noise (float64 distances). */
function greedyBrute(x: ArrayLike<number>, z: ArrayLike<number>, n: number, dim: number): number[] {
  const c = naiveCost(x, z, n, n, dim);
  const used = new Set<number>();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let arg = -1;
    for (let j = 0; j < n; j++) {
      if (!used.has(j) && c[i * n + j]! < best) {
        best = c[i * n + j]!;
        arg = j;
      }
    }
    used.add(arg);
    out.push(arg);
  }
  return out;
}

describe('matchPairs', () => {
  for (const rc of referenceCases()) {
    test(`exact and greedy on ${rc.name}`, async () => {
      const x = readNpyLite(path.join(referenceDir, rc.data)).data as Float32Array;
      const z = readNpyLite(path.join(referenceDir, rc.noise)).data as Float32Array;
      const expected = Array.from(readNpyLite(path.join(referenceDir, rc.assignment)).data);
      for (const precision of ['float64', 'float32'] as const) {
        const r = await matchPairs(x, z, rc.n, rc.dim, { precision, costBackend: 'cpu' });
        expect(Math.abs(r.totalCost - rc.optimal_total_sq_l2) / rc.optimal_total_sq_l2).toBeLessThan(1e-9);
        expect(Array.from(r.assignment)).toEqual(expected);
        expect(Math.abs(r.identityCost - rc.identity_total_sq_l2) / rc.identity_total_sq_l2).toBeLessThan(1e-9);
        expect(r.optimal).toBe(true);
      }
      const g = await matchPairs(x, z, rc.n, rc.dim, { solver: 'greedy', precision: 'float64', costBackend: 'cpu', greedyBlock: 37 });
      expect(Array.from(g.assignment)).toEqual(greedyBrute(x, z, rc.n, rc.dim));
      expect(g.optimal).toBe(false);
      expect(g.totalCost).toBeGreaterThanOrEqual(rc.optimal_total_sq_l2 * (1 - 1e-12));
      expect(g.totalCost).toBeLessThan(g.identityCost);
    });
  }

  test('bad input names the problem', async () => {
    const x = new Float32Array(12);
    const z = new Float32Array(12);
    z[7] = NaN;
    await expect(matchPairs(x, z, 4, 3)).rejects.toThrow(/noise: row 2 holds a non-finite value/);
    x[3] = Infinity;
    await expect(matchPairs(x, z, 4, 3)).rejects.toThrow(/data: row 1 holds a non-finite value \(Infinity\)/);
    await expect(matchPairs(new Float32Array(12), new Float32Array(9), 4, 3)).rejects.toMatchObject({ kind: 'input' });
    await expect(matchPairs(new Float32Array(0), new Float32Array(0), 0, 3)).rejects.toThrow(/at least one row/);
    await expect(matchPairs(x, z, 4, 3, { solver: 'fast' as 'exact' })).rejects.toThrow(/solver/);
  });

  test('a scope too large for memory says how large one can be', async () => {
    const n = 200000;
    const x = new Float32Array(n);
    // Every suggestion is a field matchPairs has: the solver, the precision, the budget (rows are the input's).
    await expect(matchPairs(x, x, n, 1, { memoryLimitBytes: 2 ** 30 })).rejects.toThrow(
      /^exact matching at d = 1: n = 200000 needs 298\.04 GiB, more than the memory budget of 1\.00 GiB \(memoryLimitBytes\); the largest n that fits is 11581; use solver 'greedy' \(no n x n matrix\), or use precision 'float32' \(half the memory\), or raise memoryLimitBytes$/,
    );
    await expect(matchPairs(x, x, n, 1, { precision: 'float32', memoryLimitBytes: 2 ** 30 })).rejects.toThrow(/the largest n that fits is 16376; use solver 'greedy' \(no n x n matrix\), or raise memoryLimitBytes$/);
  });
});
