import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@flow/io';
import { type BespokeBase, BespokeSolver, type BespokeRawParams } from './bespoke-solver';
import { SolverInputError } from './solver-input-error';

export const BESPOKE_FORMAT = 'flow-bespoke-solver';
export const BESPOKE_VERSION = 1;

/** What a Bespoke parameter file holds (JSON). */
export interface BespokeFile {
  format: typeof BESPOKE_FORMAT;
  version: number;
  /** euler (RK1-BES) or midpoint (RK2-BES). */
  base: BespokeBase;
  /** Velocity evaluations per solve. */
  nfe: number;
  steps: number;
  /** Identity of the model the solver was trained for (VelocityModel.identity). */
  model: string;
  /** Effective parameter count (4n - 1 or 8n - 1). */
  parameters: number;
  training: Record<string, number | string | boolean>;
  params: BespokeRawParams;
  /** The resulting transform, for reading: t_j, t'_j, s_j, s'_j on the grid r_j = j / M. */
  derived: { t: number[]; dt: number[]; s: number[]; ds: number[] };
}

export function bespokeToJson(solver: BespokeSolver, model: string, training: Record<string, number | string | boolean> = {}): BespokeFile {
  return {
    format: BESPOKE_FORMAT,
    version: BESPOKE_VERSION,
    base: solver.base,
    nfe: solver.nfe,
    steps: solver.steps,
    model,
    parameters: solver.parameterCount,
    training,
    params: solver.params,
    derived: solver.coefficients(),
  };
}

/** Writes the parameter file atomically. */
export function saveBespoke(path: string, solver: BespokeSolver, model: string, training: Record<string, number | string | boolean> = {}): BespokeFile {
  const file = bespokeToJson(solver, model, training);
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

export interface LoadBespokeOptions {
  /** The identity of the model about to be solved; a file made for another model is refused. */
  identity?: string;
  /** Accept a file made for another model. */
  force?: boolean;
}

/** Parses a Bespoke parameter file (object or JSON text); `source` names it in errors. */
export function parseBespoke(json: unknown, source = 'bespoke file', opts: LoadBespokeOptions = {}): { solver: BespokeSolver; file: BespokeFile } {
  let obj = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new SolverInputError(`${source}: not valid JSON (${(e as Error).message})`);
    }
  }
  const f = obj as Partial<BespokeFile>;
  if (typeof f !== 'object' || f === null || f.format !== BESPOKE_FORMAT) throw new SolverInputError(`${source}: not a Bespoke solver file (expected "format": "${BESPOKE_FORMAT}")`);
  if (f.version !== BESPOKE_VERSION) throw new SolverInputError(`${source}: unsupported version ${String(f.version)} (expected ${BESPOKE_VERSION})`);
  if (f.base !== 'euler' && f.base !== 'midpoint') throw new SolverInputError(`${source}: "base" must be euler or midpoint, got ${JSON.stringify(f.base)}`);
  if (!Number.isInteger(f.steps) || (f.steps as number) < 1) throw new SolverInputError(`${source}: "steps" must be a positive integer`);
  if (typeof f.model !== 'string') throw new SolverInputError(`${source}: "model" (the model identity) must be a string`);
  if (typeof f.params !== 'object' || f.params === null) throw new SolverInputError(`${source}: "params" is missing`);
  let solver: BespokeSolver;
  try {
    solver = new BespokeSolver(f.base, f.steps as number, f.params);
  } catch (e) {
    throw new SolverInputError(`${source}: ${(e as Error).message}`);
  }
  if (f.nfe !== undefined && f.nfe !== solver.nfe) throw new SolverInputError(`${source}: "nfe" ${f.nfe} does not match ${f.base} with ${f.steps} steps (${solver.nfe})`);
  if (opts.identity !== undefined && f.model !== opts.identity && !opts.force) {
    throw new SolverInputError(`${source}: made for model ${f.model}, not for this model (${opts.identity}); retrain it, or force it (flow solve --force) to use it anyway`);
  }
  return { solver, file: f as BespokeFile };
}

/** Reads and checks a Bespoke parameter file. */
export function loadBespoke(path: string, opts: LoadBespokeOptions = {}): { solver: BespokeSolver; file: BespokeFile } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SolverInputError(`${path}: cannot read the Bespoke solver file (${(e as Error).message})`);
  }
  return parseBespoke(text, path, opts);
}

/** The loader `flow sample` looks for: the solver from a parameter file, checked against the model identity. */
export function loadBespokeSolver(path: string, opts: LoadBespokeOptions = {}): BespokeSolver {
  return loadBespoke(path, opts).solver;
}
