import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gammaToSigmaRel, MAX_SIGMA_REL, powerEmaBeta, sigmaRelToGamma } from './power-function';
import { solvePosthocCoefficients } from './posthoc-coefficients';

interface Cases {
  exp_of_sigma_rel: { sigma_rel: number; gamma: number }[];
  beta: { sigma_rel: number; step: number; delta: number; beta: number }[];
  posthoc: {
    name: string;
    snapshot_steps: number[];
    snapshot_sigma_rel: number[];
    targets: { target_step: number; target_sigma_rel: number; snapshots_used: number; coefficients: number[] }[];
  }[];
}

// EDM2's formulas in numpy, committed with their generator (fixtures/README.md).
const file = path.resolve(__dirname, '../../../fixtures/ema/cases.json');
const cases: Cases = JSON.parse(readFileSync(file, 'utf8'));

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('EDM2 power-function EMA against fixtures/ema', () => {
  test.each(cases.exp_of_sigma_rel)('gamma of sigma_rel $sigma_rel', ({ sigma_rel, gamma }) => {
    expect(rel(sigmaRelToGamma(sigma_rel), gamma)).toBeLessThan(1e-12);
    expect(rel(gammaToSigmaRel(gamma), sigma_rel)).toBeLessThan(1e-13);
  });

  test.each(cases.beta)('beta at sigma_rel $sigma_rel, step $step', ({ sigma_rel, step, delta, beta }) => {
    expect(rel(powerEmaBeta(step, sigmaRelToGamma(sigma_rel), delta), beta)).toBeLessThan(1e-12);
  });

  const targets = cases.posthoc.flatMap((c) => c.targets.map((t) => ({ c, t, label: `${c.name} step ${t.target_step} sigma_rel ${t.target_sigma_rel}` })));
  test.each(targets)('post-hoc coefficients: $label', ({ c, t }) => {
    const snaps = c.snapshot_steps.map((step, i) => ({ step, sigmaRel: c.snapshot_sigma_rel[i]! }));
    const sol = solvePosthocCoefficients(snaps, { step: t.target_step, sigmaRel: t.target_sigma_rel });
    expect(sol.used).toBe(t.snapshots_used);
    const got = sol.coefficients.slice(0, t.snapshots_used);
    // The reference vector carries LAPACK round-off (about 1e-14 of its largest entry) in entries that are
    // mathematically ~0, so compare entry by entry relative to the vector's largest magnitude.
    const scale = Math.max(...t.coefficients.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - t.coefficients[i]!) / scale);
    expect(worst).toBeLessThan(1e-9);
    // Entries of non-negligible size also agree one by one.
    for (let i = 0; i < got.length; i++) {
      if (Math.abs(t.coefficients[i]!) > 1e-6 * scale) expect(rel(got[i]!, t.coefficients[i]!)).toBeLessThan(1e-8);
    }
    expect(sol.coefficients.slice(t.snapshots_used).every((v) => v === 0)).toBe(true);
    expect(got.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });
});

describe('power-function relations', () => {
  test('gamma <-> sigma_rel round trip across the valid range', () => {
    for (const s of [1e-4, 0.003, 0.02, 0.05, 0.1, 0.17, 0.25, 0.29, 0.3]) {
      expect(rel(gammaToSigmaRel(sigmaRelToGamma(s)), s)).toBeLessThan(1e-12);
    }
    expect(sigmaRelToGamma(MAX_SIGMA_REL)).toBeCloseTo((Math.sqrt(5) - 3) / 2, 6);
  });
  test('out-of-range sigma_rel is an input error', () => {
    for (const s of [0, -0.1, 0.31, Number.NaN]) expect(() => sigmaRelToGamma(s)).toThrow(/sigma_rel must be in/);
    try {
      sigmaRelToGamma(0.5);
    } catch (e) {
      expect((e as { kind?: string }).kind).toBe('input');
    }
  });
  test('first update has beta 0; betas reproduce the power profile', () => {
    const gamma = 3.5;
    expect(powerEmaBeta(1, gamma)).toBe(0);
    // Weight of step tau in the EMA after t steps is (tau^(g+1) - (tau-1)^(g+1)) / t^(g+1).
    const t = 50;
    const w = new Float64Array(t);
    for (let s = 1; s <= t; s++) {
      const b = powerEmaBeta(s, gamma);
      for (let k = 0; k < s - 1; k++) w[k]! *= b;
      w[s - 1] = 1 - b;
    }
    for (let tau = 1; tau <= t; tau++) {
      const expected = (tau ** (gamma + 1) - (tau - 1) ** (gamma + 1)) / t ** (gamma + 1);
      expect(rel(w[tau - 1]!, expected)).toBeLessThan(1e-10);
    }
  });
});
