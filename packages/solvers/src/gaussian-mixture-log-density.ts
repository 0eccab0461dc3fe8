import type { GaussianMixtureSpec } from './gaussian-mixture-flow';
import { SolverInputError } from './solver-input-error';

/**
 * log p_t(x) in nats, in float64, of the rectified-flow marginal toward an isotropic Gaussian mixture:
 * p_t = sum_k pi_k N(t mu_k, (t^2 s_k^2 + (1 - t)^2) I). At t = 1 (default) this is the mixture itself,
 * the closed-form reference for likelihoods computed by integrating the flow.
 */
export function gaussianMixtureLogDensity(spec: GaussianMixtureSpec, x: ArrayLike<number>, n: number, t = 1): Float64Array {
  const K = spec.weights.length;
  const d = spec.means[0]!.length;
  if (x.length !== n * d) throw new SolverInputError(`gaussianMixtureLogDensity: x must hold ${n} x ${d} values, got ${x.length}`);
  const total = spec.weights.reduce((a, b) => a + b, 0);
  const out = new Float64Array(n);
  const logs = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) {
      const v = t * t * spec.stds[k]! * spec.stds[k]! + (1 - t) * (1 - t);
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const e = x[i * d + j]! - t * spec.means[k]![j]!;
        sq += e * e;
      }
      logs[k] = Math.log(spec.weights[k]! / total) - 0.5 * d * Math.log(2 * Math.PI * v) - sq / (2 * v);
      if (logs[k]! > mx) mx = logs[k]!;
    }
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(logs[k]! - mx);
    out[i] = mx + Math.log(s);
  }
  return out;
}
