import { Rng } from '@flow/random';
import { greedyAssign } from './greedy-match';

/** The rule as first written: every row tests every entry's used flag. */
function reference(dist: Float32Array, rows: number, poolSize: number, used: Uint8Array, ld: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < rows; b++) {
    let best = Infinity;
    let arg = -1;
    for (let k = 0; k < poolSize; k++) if (!used[k] && dist[b * ld + k]! < best) [best, arg] = [dist[b * ld + k]!, k];
    if (arg < 0) arg = used.indexOf(0);
    if (arg < 0) {
      out.push(-1);
      continue;
    }
    used[arg] = 1;
    out.push(arg);
  }
  return out;
}

describe('greedyAssign', () => {
  test('the same picks as the plain rule: ties (lowest index), a partly used pool, NaN and Infinity rows, a row stride', () => {
    const rng = new Rng(3);
    const [rows, pool, ld] = [60, 97, 101];
    for (let trial = 0; trial < 20; trial++) {
      // Few distinct values, so ties are common; some rows only NaN / Infinity.
      const dist = Float32Array.from({ length: rows * ld }, () => Math.floor(rng.uniform() * 6));
      for (const r of [5, 17]) dist.fill(trial % 2 ? NaN : Infinity, r * ld, r * ld + pool);
      const used = Uint8Array.from({ length: pool }, () => (rng.uniform() < trial / 25 ? 1 : 0));
      const mine = used.slice();
      expect(Array.from(greedyAssign(dist, rows, pool, mine, ld))).toEqual(reference(dist, rows, pool, used, ld));
      expect(Array.from(mine)).toEqual(Array.from(used));
    }
  });

  test('rows beyond the unused entries get -1', () => {
    const used = Uint8Array.from([1, 0, 1, 0]);
    expect(Array.from(greedyAssign(new Float32Array(12).fill(1), 3, 4, used))).toEqual([1, 3, -1]);
  });
});
