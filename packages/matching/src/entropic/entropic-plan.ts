import { MatchingInputError } from '../errors';

/** An entropic transport plan between n sources (rows) and m targets (columns). */
export interface EntropicPlan {
  /** P[i * m + j]: mass moved from row i to column j (float64, row-major). */
  plan: Float64Array;
  n: number;
  m: number;
  reg: number;
  /** log P_ij = rowLog[i] + colLog[j] - C_ij / reg, exact even where P_ij underflows to 0. */
  rowLog: Float64Array;
  colLog: Float64Array;
  iterations: number;
  /** The stopping quantity at the last check (see each solver). */
  error: number;
  converged: boolean;
  /** sum_ij P_ij. */
  mass: number;
  /** sum_ij P_ij C_ij. */
  transportCost: number;
}

export interface EntropicOptions {
  /** Row weights (length n, positive). Default uniform 1/n. */
  a?: ArrayLike<number>;
  /** Column weights (length m, positive). Default uniform 1/m. */
  b?: ArrayLike<number>;
  /** Most iterations (default 10000). */
  maxIter?: number;
  /** Stopping threshold (default 1e-9; its meaning is per solver). */
  tol?: number;
}

export interface EntropicSetup {
  logA: Float64Array;
  logB: Float64Array;
  sumA: number;
  sumB: number;
  maxIter: number;
  tol: number;
}

function weights(name: string, w: ArrayLike<number> | undefined, len: number): Float64Array {
  if (w === undefined) return new Float64Array(len).fill(-Math.log(len));
  if (w.length !== len) throw new MatchingInputError(`${name}: expected ${len} weights, got ${w.length}`);
  const out = new Float64Array(len);
  for (let k = 0; k < len; k++) {
    const v = w[k]!;
    if (!(v > 0) || !Number.isFinite(v)) throw new MatchingInputError(`${name}: weight ${k} must be a positive finite number, got ${v}`);
    out[k] = Math.log(v);
  }
  return out;
}

/** Validates the common inputs of the entropic solvers; `who` names the caller in messages. */
export function entropicSetup(who: string, cost: ArrayLike<number>, n: number, m: number, reg: number, opts: EntropicOptions): EntropicSetup {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(m) || m < 1) throw new MatchingInputError(`${who}: expected n, m >= 1, got ${n} x ${m}`);
  if (cost.length !== n * m) throw new MatchingInputError(`${who}: cost: expected ${n} x ${m} = ${n * m} values, got ${cost.length}`);
  for (let k = 0; k < cost.length; k++) {
    if (!Number.isFinite(cost[k]!)) throw new MatchingInputError(`${who}: cost: entry (${Math.floor(k / m)}, ${k % m}) is not finite (${cost[k]})`);
  }
  if (!(reg > 0) || !Number.isFinite(reg)) throw new MatchingInputError(`${who}: reg must be a positive finite number, got ${reg}`);
  const maxIter = opts.maxIter ?? 10000;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new MatchingInputError(`${who}: maxIter must be a positive integer, got ${maxIter}`);
  const tol = opts.tol ?? 1e-9;
  if (!(tol >= 0)) throw new MatchingInputError(`${who}: tol must be >= 0, got ${tol}`);
  const logA = weights(`${who}: a`, opts.a, n);
  const logB = weights(`${who}: b`, opts.b, m);
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < n; i++) sumA += Math.exp(logA[i]!);
  for (let j = 0; j < m; j++) sumB += Math.exp(logB[j]!);
  return { logA, logB, sumA, sumB, maxIter, tol };
}

/** Materialises P_ij = exp(rowLog_i + colLog_j - C_ij / reg) with its mass and transport cost. */
export function finishPlan(
  cost: ArrayLike<number>,
  n: number,
  m: number,
  reg: number,
  rowLog: Float64Array,
  colLog: Float64Array,
  run: { iterations: number; error: number; converged: boolean },
): EntropicPlan {
  const plan = new Float64Array(n * m);
  let mass = 0;
  let transportCost = 0;
  for (let i = 0; i < n; i++) {
    const o = i * m;
    for (let j = 0; j < m; j++) {
      const p = Math.exp(rowLog[i]! + colLog[j]! - cost[o + j]! / reg);
      plan[o + j] = p;
      mass += p;
      transportCost += p * cost[o + j]!;
    }
  }
  return { plan, n, m, reg, rowLog, colLog, ...run, mass, transportCost };
}
