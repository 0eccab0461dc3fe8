import { readArrayFile, toFloat32, writeNpy, ndarray } from '@flow/io';
import { initBackend } from '@flow/runtime';
import {
  loadBespoke,
  solve,
  SOLVER_NAMES,
  trajectoryMetrics,
  type BespokeSolver,
  type SolverName,
  type TimeGridSpec,
} from '@flow/solvers';
import { loadFlowModel } from '@flow/trainer';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

/** `uniform`, `polynomial[:RHO]` or `edm[:RHO]`. */
export function parseGrid(command: string, value: string | undefined): TimeGridSpec | undefined {
  if (value === undefined) return undefined;
  const [kind, arg] = value.split(':');
  const rho = arg === undefined ? undefined : Number(arg);
  if (arg !== undefined && !(Number.isFinite(rho) && (rho as number) > 0)) throw new UsageError(`flow ${command}: --grid ${value}: expected a positive number after ':'`);
  if (kind === 'uniform') return 'uniform';
  if (kind === 'polynomial') return { kind: 'polynomial', rho };
  if (kind === 'edm') return { kind: 'edm', rho };
  throw new UsageError(`flow ${command}: --grid expects uniform, polynomial[:RHO] or edm[:RHO], got '${value}'`);
}

const usage = `usage: flow solve --model M --x0 X0.npy --solver S [--nfe N | --steps K] [--rtol R --atol A]
                  [--out X1.npy] [--save-trajectory T.npy] [--json]

Integrates dx/dt = v(x, t) from t = 0 (X0, noise, shape (n, ...)) to t = 1.

  --model M              gmm:SPEC.json (exact Gaussian-mixture flow) or a model directory from flow train
  --x0 FILE              start states (.npy/.npz), batch first
  --solver S             euler | midpoint | heun | rk4 | dopri5 | bespoke:PARAMS.json
  --nfe N                fixed-step: total velocity evaluations (a multiple of the solver's stages:
                         euler 1, midpoint 2, heun 2, rk4 4)
  --steps K              fixed-step: number of steps (instead of --nfe)
  --grid G               fixed-step time grid: uniform (default), polynomial[:RHO], edm[:RHO]
  --rtol R --atol A      dopri5 tolerances (default 1e-5 each)
  --out FILE             write the states at t = 1 (float32 .npy)
  --save-trajectory FILE write the states along the way, shape (T, n, ...): every grid time for fixed-step
                         and Bespoke solvers, the --save-at times for dopri5 (default 0, 0.1, ..., 1)
  --save-at LIST         dopri5: comma-separated times in [0, 1] for --save-trajectory
  --metrics              also report curvature / straightness of the saved trajectory (T extra evaluations)
  --force                use a Bespoke file made for another model
  --backend NAME         auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu
  --json                 print {solver, nfe, seconds, backend, n, dim, steps, ...}`;

export const solveCommand: Command = {
  name: 'solve',
  summary: 'integrate a flow model (or an exact GMM flow) from noise with a chosen ODE solver',
  usage,
  outputFiles: ['out', 'save-trajectory'],
  async run(argv) {
    const { values } = parseOptions('solve', argv, {
      model: { type: 'string' },
      x0: { type: 'string' },
      solver: { type: 'string' },
      nfe: { type: 'string' },
      steps: { type: 'string' },
      grid: { type: 'string' },
      rtol: { type: 'string' },
      atol: { type: 'string' },
      out: { type: 'string' },
      'save-trajectory': { type: 'string' },
      'save-at': { type: 'string' },
      metrics: { type: 'boolean' },
      force: { type: 'boolean' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    const modelSpec = requireOption('solve', 'model', values.model);
    const x0Path = requireOption('solve', 'x0', values.x0);
    const solverArg = requireOption('solve', 'solver', values.solver);
    const nfe = numberOption('solve', 'nfe', values.nfe, { integer: true, min: 1 });
    const steps = numberOption('solve', 'steps', values.steps, { integer: true, min: 1 });
    const rtol = numberOption('solve', 'rtol', values.rtol, { min: 0 });
    const atol = numberOption('solve', 'atol', values.atol, { min: 0 });
    const grid = parseGrid('solve', values.grid);
    const isBespoke = solverArg.startsWith('bespoke:');
    if (!isBespoke && !SOLVER_NAMES.includes(solverArg as SolverName)) {
      throw new UsageError(`flow solve: --solver expects one of ${SOLVER_NAMES.join(', ')} or bespoke:PARAMS.json, got '${solverArg}'`);
    }
    if (solverArg === 'dopri5' && (nfe !== undefined || steps !== undefined)) throw new UsageError('flow solve: --nfe/--steps do not apply to dopri5; use --rtol/--atol');
    if (solverArg !== 'dopri5' && (rtol !== undefined || atol !== undefined)) throw new UsageError('flow solve: --rtol/--atol apply only to --solver dopri5');
    if (!isBespoke && solverArg !== 'dopri5' && nfe === undefined && steps === undefined) throw new UsageError(`flow solve: --solver ${solverArg} needs --nfe N or --steps K`);
    let saveAt: number[] | undefined;
    if (values['save-at'] !== undefined) {
      saveAt = values['save-at'].split(',').map((s) => Number(s));
      if (saveAt.some((q) => !Number.isFinite(q) || q < 0 || q > 1)) throw new UsageError(`flow solve: --save-at expects comma-separated times in [0, 1], got '${values['save-at']}'`);
    }

    const backend = await initBackend(values.backend);
    const x0Array = readArrayFile(x0Path);
    if (x0Array.shape.length < 1 || x0Array.shape[0] < 1) throw new UsageError(`${x0Path}: expected an array (n, ...) with n >= 1, got shape (${x0Array.shape.join(', ')})`);
    const x0Data = toFloat32(x0Array);
    for (let i = 0; i < x0Data.length; i++) {
      if (!Number.isFinite(x0Data[i])) throw new UsageError(`${x0Path}: row ${Math.floor(i / (x0Data.length / x0Array.shape[0]))} holds a non-finite value`);
    }
    const model = await loadFlowModel(modelSpec);
    try {
      const n = x0Array.shape[0];
      const dim = x0Data.length / n;
      if (dim !== model.dim) throw new UsageError(`${x0Path}: rows have ${dim} values but the model expects ${model.dim} (shape ${model.shape.join('x')})`);
      const shape = x0Array.shape.length === 1 + model.shape.length ? x0Array.shape : [n, ...model.shape];
      let bespoke: BespokeSolver | undefined;
      if (isBespoke) {
        if (nfe !== undefined || steps !== undefined || grid !== undefined) throw new UsageError('flow solve: a Bespoke solver has its own NFE and grid; drop --nfe/--steps/--grid');
        bespoke = loadBespoke(solverArg.slice('bespoke:'.length), { identity: model.identity, force: values.force }).solver;
      }
      const x0 = tf.tensor(x0Data, shape);
      const wantTrajectory = values['save-trajectory'] !== undefined || values.metrics === true;
      const start = performance.now();
      let result: { x: tf.Tensor; nfe: number; steps: number; rejected: number; times?: number[]; trajectory?: tf.Tensor };
      if (bespoke) {
        const r = bespoke.solve(model.velocity, x0, { trajectory: wantTrajectory });
        result = { ...r, steps: bespoke.steps, rejected: 0 };
      } else {
        const method = solverArg as SolverName;
        result =
          method === 'dopri5'
            ? solve(model.velocity, x0, { method, rtol, atol, saveAt: wantTrajectory ? (saveAt ?? Array.from({ length: 11 }, (_, i) => i / 10)) : undefined })
            : solve(model.velocity, x0, { method, nfe, steps, grid, trajectory: wantTrajectory });
      }
      const x1 = await result.x.data();
      const seconds = (performance.now() - start) / 1000;
      let metrics: Record<string, number> = {};
      if (values.metrics && result.trajectory && result.times) {
        const m = trajectoryMetrics(model.velocity, result.times, result.trajectory);
        metrics = { curvature: m.curvature, straightness: m.straightness, path_length_ratio: m.pathLengthRatio };
      }
      if (values.out) writeNpy(values.out, ndarray('float32', shape, x1 as Float32Array));
      if (values['save-trajectory'] && result.trajectory) {
        writeNpy(values['save-trajectory'], ndarray('float32', result.trajectory.shape, result.trajectory.dataSync() as Float32Array));
      }
      tf.dispose([x0, result.x, ...(result.trajectory ? [result.trajectory] : [])]);
      const summary = {
        solver: solverArg,
        nfe: result.nfe,
        seconds,
        backend: backend.backend,
        n,
        dim,
        steps: result.steps,
        rejected: result.rejected,
        model: model.identity,
        ...(result.times && wantTrajectory ? { trajectory_times: result.times } : {}),
        ...metrics,
        ...(values.out ? { out: values.out } : {}),
      };
      if (values.json) printJson(summary);
      else log(`flow solve: ${solverArg} made ${result.nfe} evaluations on ${n} samples in ${seconds.toFixed(3)} s (backend ${backend.backend})${values.out ? `; wrote ${values.out}` : ''}`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
