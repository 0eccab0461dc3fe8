import { existsSync, statSync } from 'node:fs';
import { ndarray, readArrayFile, toFloat32, toFloat64, writeNpy, type NdArray } from '@flow/io';
import { COST_SCALES, entropicMatch, matchPairs, PLAN_PAIRINGS, type CostBackendName, type EntropicSolver } from '@flow/matching';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { MEMORY_LIMIT_HELP, memoryLimitOption } from '../memory-limit-option';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

const SOLVERS = ['exact', 'greedy', 'sinkhorn', 'unbalanced', 'partial'] as const;
const BACKENDS = ['auto', 'cpu', 'native', 'wasm', 'webgpu', 'gpujs', 'gpujs-webgpu', 'gpujs-webasm', 'gpujs-cpu'] as const;
const PRECISIONS = ['float64', 'float32'] as const;

const usage = `usage: flow match --data X.npy --noise Z.npy --out P.npy [--solver exact|greedy]
                  [--cost-backend auto|cpu|native|wasm|webgpu|gpujs|gpujs-webgpu|gpujs-webasm|gpujs-cpu]
                  [--precision float64|float32] [--memory-limit SIZE] [--json]
       flow match --data X.npy --noise Z.npy --out P.npy --solver sinkhorn|unbalanced|partial --reg E
                  [--reg-m M | --mass M] [--plan-out PLAN.npy] [--pairing sample|assignment] [--seed S]
                  [--cost-scale mean|max|none] [--max-iter N] [--tol T] [--json]

Pairs each data row with a noise row. X and Z have the same shape (n, ...); rows are flattened to vectors.
Writes P (int64, length n): P[i] is the noise row paired with data row i. P is always a permutation: no data
row or noise row is dropped or used twice.

  --solver exact     (default) an optimal assignment: minimal sum of squared L2 distances
                     (Jonker-Volgenant shortest augmenting paths, float64 duals)
  --solver greedy    DANSM's rule: each data row in order takes the nearest unused noise row
                     (not optimal: "optimal": false). Needs no n x n matrix: memory grows with n x d
                     (a k-d tree for d <= 8, blocked float64 scans above; cost_backend "stream")
  --cost-backend B   which backend computes the exact solver's distance matrix (default auto: the fastest present)
  --precision P      precision of the cost matrix the exact solver optimises (default float64: exactly
                     optimal for the float64 distances; float32 halves memory and time)
  ${MEMORY_LIMIT_HELP}

entropic plans (log-domain, float64; uniform weights 1/n), then rounded to a permutation:
  --solver sinkhorn    entropic OT: min <P, C> - reg H(P), marginals exactly uniform
  --solver unbalanced  marginals relaxed by KL with weight --reg-m (default 1): far pairs may lose mass
  --solver partial     moves only --mass of the total mass 1 (default 0.9): outliers are left out
  --reg E              entropic regularisation (default 0.05), in units of the scaled cost (--cost-scale)
  --cost-scale S       divide the squared distances by their mean (default), max, or nothing (none)
  --plan-out FILE      write the plan (float64, n x n; sums to 1 for sinkhorn, --mass for partial)
  --pairing R          sample (default): a permutation drawn from the plan without replacement (rows in a
                       random order, each takes a free noise with probability proportional to the plan;
                       seeded by --seed, default 0): the pairs follow the plan;
                       assignment: the permutation carrying the most plan mass (exact assignment on the
                       plan), in practice close to the exact OT pairing whatever --reg
  --max-iter N --tol T iteration cap (default 10000) and stopping threshold (default 1e-9)
  --json             one JSON object on stdout: n, dim, solver, cost_backend, optimal, total_cost,
                     identity_cost, seconds_cost, seconds_assign, seconds_total; entropic solvers add reg,
                     reg_m | mass, cost_scale, cost_scale_value, pairing, paired_mass, iterations, converged,
                     marginal_error, plan_mass, plan_cost, seconds_plan, seconds_pairing, plan_out`;

function pick<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`flow match: --${name} expects one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

function readRows(option: string, file: string): { a: NdArray; rows: Float32Array | Float64Array; n: number; dim: number } {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`flow match: --${option} ${file}: no such file`);
  const a = readArrayFile(file);
  if (a.shape.length < 1 || a.shape[0] === 0) throw new UsageError(`flow match: --${option} ${file}: expected an array of shape (n, ...) with n >= 1, got (${a.shape.join(', ')})`);
  const n = a.shape[0]!;
  const dim = a.shape.slice(1).reduce((p, d) => p * d, 1);
  if (dim === 0) throw new UsageError(`flow match: --${option} ${file}: rows are empty (shape (${a.shape.join(', ')}))`);
  const rows = a.dtype === 'float32' || a.dtype === 'float16' ? toFloat32(a) : toFloat64(a);
  return { a, rows, n, dim };
}

export const matchCommand: Command = {
  name: 'match',
  summary: 'pair data rows with noise rows: exact OT, DANSM greedy, or an entropic / unbalanced / partial plan',
  usage,
  outputFiles: ['out'],
  optionForField: {
    memoryLimitBytes: '--memory-limit',
    "solver 'greedy'": '--solver greedy',
    "precision 'float32'": '--precision float32',
  },
  async run(argv) {
    const { values } = parseOptions('match', argv, {
      data: { type: 'string' },
      noise: { type: 'string' },
      out: { type: 'string' },
      solver: { type: 'string' },
      'cost-backend': { type: 'string' },
      precision: { type: 'string' },
      seed: { type: 'string' },
      'memory-limit': { type: 'string' },
      reg: { type: 'string' },
      'reg-m': { type: 'string' },
      mass: { type: 'string' },
      'plan-out': { type: 'string' },
      pairing: { type: 'string' },
      'cost-scale': { type: 'string' },
      'max-iter': { type: 'string' },
      tol: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const dataPath = requireOption('match', 'data', values.data);
    const noisePath = requireOption('match', 'noise', values.noise);
    const outPath = requireOption('match', 'out', values.out);
    const solver = pick('solver', values.solver, SOLVERS, 'exact');
    const backend = pick('cost-backend', values['cost-backend'], BACKENDS, 'auto') as CostBackendName;
    const precision = pick('precision', values.precision, PRECISIONS, 'float64');
    const memoryLimitBytes = memoryLimitOption('match', values['memory-limit']);
    const x = readRows('data', dataPath);
    const z = readRows('noise', noisePath);
    if (x.a.shape.join(',') !== z.a.shape.join(',')) {
      throw new UsageError(`flow match: --noise ${noisePath}: shape (${z.a.shape.join(', ')}) differs from --data ${dataPath} (${x.a.shape.join(', ')})`);
    }
    // Same element type on both sides keeps the cost computation on one path.
    const xr = x.rows instanceof Float64Array || z.rows instanceof Float64Array ? Float64Array.from(x.rows) : x.rows;
    const zr = xr instanceof Float64Array ? Float64Array.from(z.rows) : z.rows;
    if (solver === 'sinkhorn' || solver === 'unbalanced' || solver === 'partial') return runEntropic(solver, values, xr, zr, x.n, x.dim, outPath, backend);
    for (const flag of ['reg', 'reg-m', 'mass', 'plan-out', 'pairing', 'cost-scale', 'max-iter', 'tol'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`flow match: --${flag} applies only to --solver sinkhorn, unbalanced or partial`);
    }
    const r = await matchPairs(xr, zr, x.n, x.dim, {
      solver,
      costBackend: backend,
      precision,
      memoryLimitBytes,
      names: [`--data ${dataPath}`, `--noise ${noisePath}`],
    });
    writeAssignment(outPath, r.assignment);
    const summary = {
      n: r.n,
      dim: r.dim,
      solver: r.solver,
      cost_backend: r.costBackend,
      precision: r.precision,
      optimal: r.optimal,
      total_cost: r.totalCost,
      identity_cost: r.identityCost,
      mean_sq_path_before: r.meanSqPathBefore,
      mean_sq_path_after: r.meanSqPathAfter,
      seconds_cost: r.secondsCost,
      seconds_assign: r.secondsAssign,
      seconds_total: r.secondsTotal,
    };
    if (values.json) {
      printJson(summary);
    } else {
      log(`matched ${r.n} rows of dim ${r.dim} (${r.solver}${r.optimal ? ', optimal' : ''}; cost backend ${r.costBackend}, ${r.precision})`);
      log(`total squared distance ${r.totalCost.toPrecision(10)} (identity ${r.identityCost.toPrecision(10)}; mean path ${r.meanSqPathBefore.toPrecision(5)} -> ${r.meanSqPathAfter.toPrecision(5)})`);
      log(`seconds: cost ${r.secondsCost.toFixed(3)}, assignment ${r.secondsAssign.toFixed(3)}, total ${r.secondsTotal.toFixed(3)}; wrote ${outPath}`);
    }
    return 0;
  },
};

type MatchValues = Partial<Record<'reg' | 'reg-m' | 'mass' | 'plan-out' | 'pairing' | 'cost-scale' | 'max-iter' | 'tol' | 'seed', string>> & { json?: boolean };

function writeAssignment(outPath: string, assignment: Int32Array): void {
  const p = new BigInt64Array(assignment.length);
  for (let i = 0; i < assignment.length; i++) p[i] = BigInt(assignment[i]!);
  writeNpy(outPath, ndarray('int64', [assignment.length], p));
}

async function runEntropic(solver: EntropicSolver, values: MatchValues, x: Float32Array | Float64Array, z: Float32Array | Float64Array, n: number, dim: number, outPath: string, backend: CostBackendName): Promise<number> {
  const num = (name: keyof MatchValues, opts: { integer?: boolean; min?: number; max?: number } = {}) => numberOption('match', name, values[name] as string | undefined, opts);
  if (values['reg-m'] !== undefined && solver !== 'unbalanced') throw new UsageError(`flow match: --reg-m applies only to --solver unbalanced, not ${solver}`);
  if (values.mass !== undefined && solver !== 'partial') throw new UsageError(`flow match: --mass applies only to --solver partial, not ${solver}`);
  const reg = num('reg');
  if (reg !== undefined && !(reg > 0)) throw new UsageError(`flow match: --reg expects a positive number, got ${values.reg}`);
  const regM = num('reg-m');
  if (regM !== undefined && !(regM > 0)) throw new UsageError(`flow match: --reg-m expects a positive number, got ${values['reg-m']}`);
  const mass = num('mass', { max: 1 });
  if (mass !== undefined && !(mass > 0)) throw new UsageError(`flow match: --mass expects a number in (0, 1], got ${values.mass}`);
  const pairing = pick('pairing', values.pairing, PLAN_PAIRINGS, 'sample');
  const costScale = pick('cost-scale', values['cost-scale'], COST_SCALES, 'mean');
  const r = await entropicMatch(x, z, n, dim, {
    solver,
    reg,
    regM,
    mass,
    pairing,
    costScale,
    seed: num('seed', { integer: true, min: 0 }),
    maxIter: num('max-iter', { integer: true, min: 1 }),
    tol: num('tol', { min: 0 }),
    costBackend: backend,
  });
  writeAssignment(outPath, r.assignment);
  const planOut = values['plan-out'];
  if (planOut) writeNpy(planOut, ndarray('float64', [n, n], r.plan.plan));
  const summary = {
    n,
    dim,
    solver,
    cost_backend: r.costBackend,
    optimal: false,
    reg: r.reg,
    ...(r.regM !== undefined ? { reg_m: r.regM } : {}),
    ...(r.mass !== undefined ? { mass: r.mass } : {}),
    cost_scale: r.costScale,
    cost_scale_value: r.costScaleValue,
    pairing: r.pairing,
    paired_mass: r.pairedMass,
    iterations: r.plan.iterations,
    converged: r.plan.converged,
    marginal_error: r.plan.error,
    plan_mass: r.plan.mass,
    plan_cost: r.plan.transportCost * r.costScaleValue,
    total_cost: r.totalCost,
    identity_cost: r.identityCost,
    mean_sq_path_before: r.meanSqPathBefore,
    mean_sq_path_after: r.meanSqPathAfter,
    seconds_cost: r.secondsCost,
    seconds_plan: r.secondsPlan,
    seconds_pairing: r.secondsPairing,
    seconds_assign: r.secondsPlan + r.secondsPairing,
    seconds_total: r.secondsTotal,
    ...(planOut ? { plan_out: planOut } : {}),
  };
  if (values.json) {
    printJson(summary);
  } else {
    log(`matched ${n} rows of dim ${dim} (${solver}, reg ${r.reg} x ${r.costScale} cost ${r.costScaleValue.toPrecision(5)}; ${r.plan.iterations} iterations, ${r.plan.converged ? 'converged' : 'NOT converged'}, marginal error ${r.plan.error.toExponential(2)})`);
    log(`pairing ${r.pairing}: ${(100 * r.pairedMass).toFixed(1)}% of the plan's mass on the chosen pairs; mean path ${r.meanSqPathBefore.toPrecision(5)} -> ${r.meanSqPathAfter.toPrecision(5)}`);
    log(`seconds: cost ${r.secondsCost.toFixed(3)}, plan ${r.secondsPlan.toFixed(3)}, pairing ${r.secondsPairing.toFixed(3)}, total ${r.secondsTotal.toFixed(3)}; wrote ${outPath}${planOut ? ` and ${planOut}` : ''}`);
  }
  return 0;
}
