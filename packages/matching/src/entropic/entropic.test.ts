import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Rng } from '@flow/random';
import { entropicPartial } from './entropic-partial';
import { entropicMatch } from './entropic-match';
import { planToPermutation } from './round-plan';
import { samplePlanWithReplacement } from './sample-plan';
import { sinkhorn } from './sinkhorn';
import { sinkhornUnbalanced } from './sinkhorn-unbalanced';
import type { EntropicPlan } from './entropic-plan';

interface Case {
  name: string;
  solver: 'sinkhorn' | 'unbalanced' | 'partial';
  n: number;
  m: number;
  reg: number;
  reg_m?: number;
  mass?: number;
  iterations?: number;
  kernel_underflow?: number;
  cost: number[];
  a: number[];
  b: number[];
  plan: number[];
}

// Made by test/fixtures/make-entropic-fixtures.py with POT 0.8.2 (see the file for how each plan was run).
const fixtures = JSON.parse(readFileSync(path.resolve(__dirname, '../../test/fixtures/entropic-ot.json'), 'utf8')) as { cases: Case[] };

function solveCase(c: Case): EntropicPlan {
  // Converged cases run to float64 rounding; the fixed-iteration case runs POT's exact iteration count.
  const opts = c.iterations ? { a: c.a, b: c.b, maxIter: c.iterations, tol: 0 } : { a: c.a, b: c.b, maxIter: 200000, tol: 1e-14 };
  if (c.solver === 'sinkhorn') return sinkhorn(c.cost, c.n, c.m, c.reg, opts);
  if (c.solver === 'unbalanced') return sinkhornUnbalanced(c.cost, c.n, c.m, c.reg, c.reg_m!, opts);
  return entropicPartial(c.cost, c.n, c.m, c.reg, c.mass!, opts);
}

describe('entropic plans agree with POT 0.8.2 within 1e-6 absolute per entry', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const p = solveCase(c);
    let worst = 0;
    for (let k = 0; k < c.plan.length; k++) worst = Math.max(worst, Math.abs(p.plan[k]! - c.plan[k]!));
    expect(worst).toBeLessThan(1e-6);
    if (!c.iterations) expect(p.converged).toBe(true);
    expect(Number.isFinite(p.mass)).toBe(true);
  });

  it('the small-epsilon case really underflows the kernel (the fixture is a real test of the log domain)', () => {
    const c = fixtures.cases.find((q) => q.kernel_underflow !== undefined)!;
    expect(c.kernel_underflow).toBeGreaterThan(0.5);
  });
});

function randomCost(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const c = new Float64Array(n * n);
  for (let k = 0; k < c.length; k++) c[k] = rng.uniform();
  return c;
}

describe('marginals and invariants', () => {
  it('sinkhorn at reg 1e-3 (kernel exp(-C / reg) mostly 0) stays finite and meets its row marginals', () => {
    const n = 20;
    const cost = randomCost(n, 1);
    const p = sinkhorn(cost, n, n, 1e-3, { maxIter: 300, tol: 0 });
    expect(p.plan.every((v) => Number.isFinite(v))).toBe(true);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let j = 0; j < n; j++) r += p.plan[i * n + j]!;
      expect(Math.abs(r - 1 / n)).toBeLessThan(1e-12);
    }
    expect(p.error).toBeLessThan(0.1);
  });

  it('partial transport moves exactly the mass asked for and respects a, b', () => {
    const n = 12;
    const cost = randomCost(n, 2);
    const p = entropicPartial(cost, n, n, 0.05, 0.5, { tol: 1e-12 });
    expect(p.mass).toBeCloseTo(0.5, 12);
    for (let i = 0; i < n; i++) {
      let r = 0;
      let c = 0;
      for (let j = 0; j < n; j++) {
        r += p.plan[i * n + j]!;
        c += p.plan[j * n + i]!;
      }
      expect(r).toBeLessThanOrEqual(1 / n + 1e-12);
      expect(c).toBeLessThanOrEqual(1 / n + 1e-12);
    }
  });

  it('unbalanced with regM = Infinity is balanced Sinkhorn', () => {
    const n = 10;
    const cost = randomCost(n, 3);
    const bal = sinkhorn(cost, n, n, 0.1, { tol: 1e-13 });
    const unb = sinkhornUnbalanced(cost, n, n, 0.1, Infinity, { tol: 1e-13 });
    let worst = 0;
    for (let k = 0; k < n * n; k++) worst = Math.max(worst, Math.abs(bal.plan[k]! - unb.plan[k]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('rejects bad input with the package input error', () => {
    expect(() => sinkhorn([1, 2, 3], 2, 2, 0.1)).toThrow(/cost: expected 2 x 2 = 4 values, got 3/);
    expect(() => sinkhorn([1, 2, 3, 4], 2, 2, 0)).toThrow(/reg must be a positive/);
    expect(() => sinkhorn([1, 2, 3, 4], 2, 2, 0.1, { a: [0.5, 0.6] })).toThrow(/same total/);
    expect(() => entropicPartial([1, 2, 3, 4], 2, 2, 0.1, 2)).toThrow(/mass must be in/);
    expect(() => sinkhornUnbalanced([1, NaN, 3, 4], 2, 2, 0.1, 1)).toThrow(/entry \(0, 1\) is not finite/);
  });
});

describe('pairings drawn from a plan', () => {
  const n = 30;
  const cost = randomCost(n, 4);
  const p = sinkhorn(cost, n, n, 0.05, { tol: 1e-10 });
  const isPermutation = (a: Int32Array) => new Set(a).size === n && a.every((j) => j >= 0 && j < n);

  it('assignment rounding is a permutation carrying at least as much plan mass as any sampled one', () => {
    const a = planToPermutation(p, cost, 'assignment');
    expect(isPermutation(a)).toBe(true);
    const massOf = (s: Int32Array) => s.reduce((acc, j, i) => acc + p.plan[i * n + j]!, 0);
    const rng = new Rng(7);
    for (let t = 0; t < 20; t++) expect(massOf(a)).toBeGreaterThanOrEqual(massOf(planToPermutation(p, cost, 'sample', rng)) - 1e-15);
  });

  it('sampling without replacement gives a seeded permutation', () => {
    const s1 = planToPermutation(p, cost, 'sample', new Rng(1));
    const s2 = planToPermutation(p, cost, 'sample', new Rng(1));
    expect(isPermutation(s1)).toBe(true);
    expect(Array.from(s1)).toEqual(Array.from(s2));
  });

  it('sampling with replacement is opt-in and reports what it dropped', () => {
    const d = samplePlanWithReplacement(p.plan, n, n, n, new Rng(3));
    expect(d.rows.length).toBe(n);
    expect(d.distinctRows).toBeLessThan(n); // 30 draws with replacement: duplicates are all but certain
  });

  it('entropicMatch pairs every data row exactly once and shortens paths at small reg', async () => {
    const rng = new Rng(11);
    const dim = 3;
    const x = rng.fillNormal(new Float64Array(n * dim)).map((v, k) => v + (k % dim === 0 ? 3 : 0));
    const z = rng.fillNormal(new Float64Array(n * dim));
    for (const solver of ['sinkhorn', 'unbalanced', 'partial'] as const) {
      const r = await entropicMatch(x, z, n, dim, { solver, reg: 0.05, maxIter: 500, costBackend: 'cpu' });
      expect(isPermutation(r.assignment)).toBe(true);
      expect(r.meanSqPathAfter).toBeLessThan(r.meanSqPathBefore);
      expect(r.pairedMass).toBeGreaterThan(0);
    }
  });
});
