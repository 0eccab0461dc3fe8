import { EmaInputError } from './errors';
import { sigmaRelToGamma } from './power-function';
import { powerProfileInnerProduct } from './power-profile';
import { solveLinear } from './solve-linear';

/** One stored EMA: its step (updates so far) and its profile, given by sigma_rel or directly by gamma. */
export interface EmaProfile {
  step: number;
  sigmaRel?: number;
  gamma?: number;
}

export interface PosthocSolution {
  /** One weight per input snapshot, in the order given; 0 for snapshots after the target step. */
  coefficients: number[];
  /** How many snapshots took part (those with step <= target step). */
  used: number;
  /** gamma of the target profile. */
  gamma: number;
  /**
   * Relative L2 distance between the reconstructed profile and the target profile,
   * |sum_i x_i p_i - p_target| / |p_target|: how well the snapshots can express the target.
   */
  profileError: number;
}

/** gamma of a profile, from `gamma` when given, else from `sigmaRel`. */
export function profileGamma(p: EmaProfile, what: string): number {
  if (p.gamma !== undefined) {
    if (!Number.isFinite(p.gamma) || p.gamma <= -0.5) throw new EmaInputError(`${what}: gamma must be > -0.5, got ${p.gamma}`);
    return p.gamma;
  }
  if (p.sigmaRel === undefined) throw new EmaInputError(`${what}: needs sigmaRel or gamma`);
  return sigmaRelToGamma(p.sigmaRel);
}

/**
 * EDM2 post-hoc EMA (Algorithm 3 of the paper's appendix C): the least-squares combination of the stored
 * profiles that best matches the target profile in L2 over [0, target step]. Solves A x = b with the closed-form
 * Gram matrix A_ij = <p_i, p_j> and b_i = <p_i, p_target>, in float64, then rescales x to sum to 1 (the paper's
 * normalisation, so that a constant trajectory is reproduced exactly). Only snapshots with step <= target step
 * take part; the target step defaults to the last snapshot's step. The coefficients alternate in sign and grow
 * when the snapshots are dense, so they are kept in float64 throughout.
 */
export function solvePosthocCoefficients(snapshots: readonly EmaProfile[], target: EmaProfile): PosthocSolution {
  if (snapshots.length === 0) throw new EmaInputError('post-hoc EMA needs at least one snapshot');
  const steps = snapshots.map((s, i) => {
    if (!(s.step > 0) || !Number.isFinite(s.step)) throw new EmaInputError(`snapshot ${i}: step must be > 0, got ${s.step}`);
    return s.step;
  });
  const gammas = snapshots.map((s, i) => profileGamma(s, `snapshot ${i}`));
  const targetStep = target.step;
  if (!(targetStep > 0) || !Number.isFinite(targetStep)) throw new EmaInputError(`target step must be > 0, got ${targetStep}`);
  const targetGamma = profileGamma(target, 'target');
  const used: number[] = [];
  for (let i = 0; i < snapshots.length; i++) if (steps[i]! <= targetStep) used.push(i);
  if (used.length === 0) {
    throw new EmaInputError(`no snapshot at or before step ${targetStep} (the first is at step ${Math.min(...steps)})`);
  }
  const seen = new Map<string, number>();
  for (const i of used) {
    const key = `${steps[i]}:${gammas[i]}`;
    const j = seen.get(key);
    if (j !== undefined) throw new EmaInputError(`snapshots ${j} and ${i} are the same profile (step ${steps[i]}, gamma ${gammas[i]})`);
    seen.set(key, i);
  }
  const n = used.length;
  const a = new Float64Array(n * n);
  const b = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const i = used[r]!;
    for (let c = 0; c < n; c++) {
      const j = used[c]!;
      a[r * n + c] = powerProfileInnerProduct(steps[i]!, gammas[i]!, steps[j]!, gammas[j]!);
    }
    b[r] = powerProfileInnerProduct(steps[i]!, gammas[i]!, targetStep, targetGamma);
  }
  const x = solveLinear(a, b, n);
  let sum = 0;
  for (let r = 0; r < n; r++) sum += x[r]!;
  for (let r = 0; r < n; r++) x[r] = x[r]! / sum;
  // |sum x_i p_i - p_t|^2 = x'Ax - 2 x'b + <p_t, p_t>, evaluated after the normalisation.
  let xax = 0;
  let xb = 0;
  for (let r = 0; r < n; r++) {
    let ax = 0;
    for (let c = 0; c < n; c++) ax += a[r * n + c]! * x[c]!;
    xax += x[r]! * ax;
    xb += x[r]! * b[r]!;
  }
  const tt = powerProfileInnerProduct(targetStep, targetGamma, targetStep, targetGamma);
  const profileError = Math.sqrt(Math.max(0, xax - 2 * xb + tt) / tt);
  const coefficients = new Array<number>(snapshots.length).fill(0);
  for (let r = 0; r < n; r++) coefficients[used[r]!] = x[r]!;
  return { coefficients, used: n, gamma: targetGamma, profileError };
}
