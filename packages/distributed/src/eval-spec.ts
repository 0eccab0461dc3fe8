import { createHash } from 'node:crypto';
import path from 'node:path';
import { SOLVER_NAMES } from '@flow/solvers';
import { DistributedInputError } from './errors';

/**
 * One FID evaluation: sample `count` rows of `model` with `solver` at `nfe` (seed `seed`), in `shards` shards,
 * extract features, merge, and compare with the reference statistics `ref`. Only paths and parameters: a job
 * never carries code. Paths are absolute, as every worker must see them (a shared file system).
 */
export interface EvalSpec {
  /** A run directory of flow train, or `gmm:/abs/spec.json`. */
  model: string;
  /** `euler`, `midpoint`, `heun`, `rk4` or `bespoke:/abs/params.json` (fixed steps, so shards are exact). */
  solver: string;
  nfe: number;
  count: number;
  shards: number;
  seed: number;
  /** `auto` (mnist for one-channel images, identity for points), `mnist`, `identity` or `tfjs:/abs/model`. */
  extractor: string;
  /** Reference statistics `.npz` (mu, sigma). */
  ref: string;
  /**
   * Shared results directory: shard statistics, merged stats and result.json go to RESULTS/<run id>/ (default
   * `evals/` in the run directory, or beside the gmm spec).
   */
  results: string;
  /** Samples integrated at once (speed only; results do not depend on it). */
  batch?: number;
}

const FIXED = SOLVER_NAMES.filter((s) => s !== 'dopri5');

function positiveInteger(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new DistributedInputError(`evaluation spec: '${name}' must be an integer >= ${min}, got ${String(value)}`);
  return value;
}

function absolute(name: string, value: unknown, base: string): string {
  if (typeof value !== 'string' || value === '') throw new DistributedInputError(`evaluation spec: '${name}' must be a path, got ${String(value)}`);
  return path.resolve(base, value);
}

/** Checks a spec and makes its paths absolute (relative to `base`, default the working directory). */
export function normalizeEvalSpec(input: Partial<EvalSpec>, base = process.cwd()): EvalSpec {
  const model = typeof input.model === 'string' && input.model.startsWith('gmm:') ? `gmm:${absolute('model', input.model.slice(4), base)}` : absolute('model', input.model, base);
  const solverArg = input.solver;
  if (typeof solverArg !== 'string' || !(FIXED.includes(solverArg as (typeof FIXED)[number]) || solverArg.startsWith('bespoke:'))) {
    throw new DistributedInputError(`evaluation spec: 'solver' must be one of ${FIXED.join(', ')} or bespoke:FILE (fixed steps, so shards are exact), got ${String(solverArg)}`);
  }
  const solver = solverArg.startsWith('bespoke:') ? `bespoke:${absolute('solver', solverArg.slice(8), base)}` : solverArg;
  const count = positiveInteger('count', input.count);
  const shards = positiveInteger('shards', input.shards);
  if (shards > count) throw new DistributedInputError(`evaluation spec: 'shards' (${shards}) must not exceed 'count' (${count})`);
  const extractorArg = input.extractor ?? 'auto';
  if (!/^(auto|mnist|identity|tfjs:.+)$/.test(extractorArg)) throw new DistributedInputError(`evaluation spec: 'extractor' must be auto, mnist, identity or tfjs:PATH, got ${extractorArg}`);
  const extractor = extractorArg.startsWith('tfjs:') ? `tfjs:${absolute('extractor', extractorArg.slice(5), base)}` : extractorArg;
  const spec: EvalSpec = {
    model,
    solver,
    nfe: positiveInteger('nfe', input.nfe),
    count,
    shards,
    seed: positiveInteger('seed', input.seed ?? 0, 0),
    extractor,
    ref: absolute('ref', input.ref, base),
    results: input.results === undefined ? path.join(model.startsWith('gmm:') ? path.dirname(model.slice(4)) : model, 'evals') : absolute('results', input.results, base),
  };
  if (input.batch !== undefined) spec.batch = positiveInteger('batch', input.batch);
  return spec;
}

/** The run id: a hash of everything that determines the result (not the batch size), so resubmitting reuses it. */
export function evalRunId(spec: EvalSpec): string {
  const { model, solver, nfe, count, shards, seed, extractor, ref, results } = spec;
  const key = JSON.stringify({ model, solver, nfe, count, shards, seed, extractor, ref, results });
  return `eval-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Every file or folder a spec points at (what a worker checks against its roots). */
export function evalSpecPaths(spec: EvalSpec): string[] {
  const paths = [spec.model.startsWith('gmm:') ? spec.model.slice(4) : spec.model, spec.ref, spec.results];
  if (spec.solver.startsWith('bespoke:')) paths.push(spec.solver.slice(8));
  if (spec.extractor.startsWith('tfjs:')) paths.push(spec.extractor.slice(5));
  return paths;
}
