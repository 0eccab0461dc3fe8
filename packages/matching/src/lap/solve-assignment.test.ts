import * as path from 'node:path';
import { solveAssignment } from './solve-assignment';
import { naiveCost, readNpyLite, referenceCases, referenceDir } from '../../test/helpers';

function bruteForce(c: Float64Array, n: number): number {
  const perm = Array.from({ length: n }, (_, i) => i);
  let best = Infinity;
  const rec = (k: number, acc: number) => {
    if (acc >= best) return;
    if (k === n) {
      best = acc;
      return;
    }
    for (let t = k; t < n; t++) {
      [perm[k], perm[t]] = [perm[t]!, perm[k]!];
      rec(k + 1, acc + c[k * n + perm[k]!]!);
      [perm[k], perm[t]] = [perm[t]!, perm[k]!];
    }
  };
  rec(0, 0);
  return best;
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('solveAssignment', () => {
  test('matches brute force on small random and tied matrices', () => {
    for (let trial = 0; trial < 60; trial++) {
      const rand = lcg(trial + 1);
      const n = 1 + (trial % 7);
      const c = new Float64Array(n * n);
      // Integer costs from a small range give many ties, the hard case for the row reduction.
      for (let k = 0; k < c.length; k++) c[k] = trial % 2 ? Math.floor(rand() * 4) : rand() * 10;
      const r = solveAssignment(c, n);
      expect(r.total).toBeCloseTo(bruteForce(c, n), 9);
      const seen = new Set(r.rowToCol);
      expect(seen.size).toBe(n);
      for (let i = 0; i < n; i++) {
        expect(r.colToRow[r.rowToCol[i]!]).toBe(i);
        for (let j = 0; j < n; j++) expect(c[i * n + j]! - r.u[i]! - r.v[j]!).toBeGreaterThanOrEqual(-1e-9);
      }
    }
  });

  const cases = referenceCases();
  for (const rc of cases) {
    test(`reaches SciPy's optimum and assignment on ${rc.name}`, () => {
      const x = readNpyLite(path.join(referenceDir, rc.data)).data;
      const z = readNpyLite(path.join(referenceDir, rc.noise)).data;
      const expected = readNpyLite(path.join(referenceDir, rc.assignment)).data;
      const c = naiveCost(x, z, rc.n, rc.n, rc.dim);
      const r = solveAssignment(c, rc.n);
      expect(Math.abs(r.total - rc.optimal_total_sq_l2) / rc.optimal_total_sq_l2).toBeLessThan(1e-9);
      expect(Array.from(r.rowToCol)).toEqual(Array.from(expected));
      // Same on the float32 matrix: exact for the matrix it is given.
      const r32 = solveAssignment(Float32Array.from(c), rc.n);
      expect(Array.from(r32.rowToCol)).toEqual(Array.from(expected));
    });
  }
});
