import { Rng } from '@flow/random';
import { greedyAssign } from './greedy-match';
import { greedyMatchStream } from './greedy-stream';
import { matchPairs } from './match-pairs';
import { pairCost } from './pair-cost';
import type { RealArray } from './validate';

/** The greedy mode as it was before streaming: one float64 distance matrix, then greedyAssign row by row. */
async function matrixGreedy(x: RealArray, z: RealArray, n: number, dim: number): Promise<number[]> {
  const c = await pairCost(x, z, n, n, dim, { backend: 'cpu', precision: 'float64' });
  return Array.from(greedyAssign(c.cost, n, n, new Uint8Array(n)));
}

function normal(rng: Rng, count: number): Float32Array {
  return rng.fillNormal(new Float32Array(count));
}

describe('greedyMatchStream', () => {
  const shapes: [number, number][] = [
    [1, 3],
    [60, 1],
    [300, 2],
    [257, 5],
    [120, 17],
  ];
  for (const [n, dim] of shapes) {
    test(`equals the distance-matrix greedy on ${n} x ${dim} normals, for any block and candidate count`, async () => {
      const rng = new Rng(1000 + n * 31 + dim);
      const x = normal(rng, n * dim);
      const z = normal(rng, n * dim);
      const want = await matrixGreedy(x, z, n, dim);
      expect(Array.from(greedyMatchStream(x, z, n, n, dim, { method: 'tree' }))).toEqual(want);
      for (const blockRows of [1, 7, 64, n]) {
        for (const candidates of [1, 2, 16]) {
          expect(Array.from(greedyMatchStream(x, z, n, n, dim, { blockRows, candidates, method: 'scan' }))).toEqual(want);
        }
      }
    });
  }

  test('breaks exact ties by the lowest index, as the matrix greedy (numpy argmin) does', async () => {
    const rng = new Rng(7);
    const n = 90;
    const dim = 3;
    // Every noise row appears three times and every data row twice: many exactly equal distances.
    const zBase = normal(rng, (n / 3) * dim);
    const xBase = normal(rng, (n / 2) * dim);
    const z = new Float32Array(n * dim);
    const x = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) z.set(zBase.subarray((i % (n / 3)) * dim, ((i % (n / 3)) + 1) * dim), i * dim);
    for (let i = 0; i < n; i++) x.set(xBase.subarray(Math.floor(i / 2) * dim, (Math.floor(i / 2) + 1) * dim), i * dim);
    const want = await matrixGreedy(x, z, n, dim);
    expect(Array.from(greedyMatchStream(x, z, n, n, dim, { method: 'tree' }))).toEqual(want);
    for (const blockRows of [1, 5, n]) {
      for (const candidates of [1, 3, 16]) expect(Array.from(greedyMatchStream(x, z, n, n, dim, { blockRows, candidates, method: 'scan' }))).toEqual(want);
    }
  });

  test('the k-d tree and the blocked scan agree on larger inputs, with and without ties', () => {
    const rng = new Rng(5);
    for (const [n, dim] of [[3000, 2], [2000, 3], [1500, 8]] as const) {
      const x = normal(rng, n * dim);
      const z = normal(rng, n * dim);
      expect(Array.from(greedyMatchStream(x, z, n, n, dim, { method: 'tree' }))).toEqual(Array.from(greedyMatchStream(x, z, n, n, dim, { method: 'scan' })));
    }
    // Small integers on a grid: distances are exact and ties are everywhere.
    const n = 2000;
    const xi = Float32Array.from({ length: n * 2 }, () => rng.int(12));
    const zi = Float32Array.from({ length: n * 2 }, () => rng.int(12));
    expect(Array.from(greedyMatchStream(xi, zi, n, n, 2, { method: 'tree' }))).toEqual(Array.from(greedyMatchStream(xi, zi, n, n, 2, { method: 'scan' })));
  });

  test('matches as many rows as a larger pool allows, each noise row at most once', () => {
    const rng = new Rng(3);
    const x = normal(rng, 40 * 2);
    const z = normal(rng, 100 * 2);
    const p = Array.from(greedyMatchStream(x, z, 40, 100, 2, { blockRows: 8, candidates: 2, method: 'scan' }));
    expect(Array.from(greedyMatchStream(x, z, 40, 100, 2, { method: 'tree' }))).toEqual(p);
    expect(new Set(p).size).toBe(40);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...p)).toBeLessThan(100);
  });

  test('overflowing distances fall back to the first unused row, as the matrix greedy does', async () => {
    // (2e200)^2 overflows float64: every distance is Infinity, so each row takes the first unused noise row.
    const x = Float64Array.from([1e200, 1e200, 1e200]);
    const z = Float64Array.from([-1e200, -1e200, -1e200]);
    expect(Array.from(greedyMatchStream(x, z, 3, 3, 1, { method: 'scan' }))).toEqual([0, 1, 2]);
    expect(Array.from(greedyMatchStream(x, z, 3, 3, 1, { method: 'tree' }))).toEqual([0, 1, 2]);
    expect(Array.from(greedyMatchStream(x, z, 3, 3, 1))).toEqual(await matrixGreedy(x, z, 3, 1));
  });
});

describe('matchPairs greedy', () => {
  test('needs no n x n matrix: 20,000 rows match within a 2 MiB memory budget', async () => {
    const rng = new Rng(11);
    const n = 20000;
    const x = normal(rng, n * 2);
    const z = normal(rng, n * 2);
    const r = await matchPairs(x, z, n, 2, { solver: 'greedy', memoryLimitBytes: 2 * 2 ** 20 });
    expect(new Set(r.assignment).size).toBe(n);
    expect(r.totalCost).toBeLessThan(r.identityCost);
    expect(r.optimal).toBe(false);
  });

  test('refuses up front only what does not fit, naming the largest n and the budget field', async () => {
    const n = 1000;
    const x = new Float32Array(n * 4);
    await expect(matchPairs(x, x, n, 4, { solver: 'greedy', memoryLimitBytes: 20000 })).rejects.toThrow(
      /^greedy matching at d = 4: n = 1000 needs .*, more than the memory budget of 19\.5 KiB \(memoryLimitBytes\); the largest n that fits is \d+; raise memoryLimitBytes$/,
    );
  });
});
