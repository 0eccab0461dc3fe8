import { existsSync, statSync } from 'node:fs';
import { ndarray, readArrayFile, toFloat32, toFloat64, writeNpy, type NdArray } from '@flow/io';
import { matchPairs, type CostBackendName } from '@flow/matching';
import type { Command } from '../command';
import { parseOptions, requireOption } from '../parse-options';
import { MEMORY_LIMIT_HELP, memoryLimitOption } from '../memory-limit-option';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

const SOLVERS = ['exact', 'greedy'] as const;
const BACKENDS = ['auto', 'cpu', 'wasm', 'webgpu', 'gpujs', 'gpujs-webgpu', 'gpujs-webasm', 'gpujs-cpu'] as const;
const PRECISIONS = ['float64', 'float32'] as const;

const usage = `usage: flow match --data X.npy --noise Z.npy --out P.npy [--solver exact|greedy]
                  [--cost-backend auto|cpu|wasm|webgpu|gpujs|gpujs-webgpu|gpujs-webasm|gpujs-cpu]
                  [--precision float64|float32] [--memory-limit SIZE] [--json]

Pairs each data row with a noise row. X and Z have the same shape (n, ...); rows are flattened to vectors.
Writes P (int64, length n): P[i] is the noise row paired with data row i.

  --solver exact     (default) an optimal assignment: minimal sum of squared L2 distances
                     (Jonker-Volgenant shortest augmenting paths, float64 duals)
  --solver greedy    DANSM's rule: each data row in order takes the nearest unused noise row
                     (not optimal: "optimal": false). Needs no n x n matrix: memory grows with n x d
                     (a k-d tree for d <= 8, blocked float64 scans above; cost_backend "stream")
  --cost-backend B   which backend computes the exact solver's distance matrix (default auto: the fastest present)
  --precision P      precision of the cost matrix the exact solver optimises (default float64: exactly
                     optimal for the float64 distances; float32 halves memory and time)
  ${MEMORY_LIMIT_HELP}
  --json             one JSON object on stdout: n, dim, solver, cost_backend, optimal, total_cost,
                     identity_cost, seconds_cost, seconds_assign, seconds_total`;

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
  summary: 'pair data rows with noise rows: exact optimal assignment or DANSM greedy',
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
    const r = await matchPairs(xr, zr, x.n, x.dim, {
      solver,
      costBackend: backend,
      precision,
      memoryLimitBytes,
      names: [`--data ${dataPath}`, `--noise ${noisePath}`],
    });
    const p = new BigInt64Array(r.n);
    for (let i = 0; i < r.n; i++) p[i] = BigInt(r.assignment[i]!);
    writeNpy(outPath, ndarray('int64', [r.n], p));
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
