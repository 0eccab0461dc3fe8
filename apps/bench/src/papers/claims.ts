import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { reconstructEma, snapshotFileName } from '@flow/ema';
import { fillRowNormals } from '@flow/random';
import { BespokeSolver, solve, trainBespoke, trajectoryMetrics, type BespokeBase, type BespokeRawParams, type FixedStepMethod, type TrajectoryMetrics } from '@flow/solvers';
import { loadVelocityModel, RunDirectory, train, type CustomSolver, type LoadedVelocityModel } from '@flow/trainer';
import { extraWeightsFile } from './extra-ema-hook';
import type { FidMeter, FidValue } from './fid-meter';
import type { PapersPlan } from './plan';
import type { ResultStore } from './store';
import { extraDir, runDir, runKey, trainTo, type RunSpec } from './train-run';

export type Log = (message: string) => void;

/** The grid's context: where results go, what to run, how FID is measured. */
export interface Grid {
  store: ResultStore;
  plan: PapersPlan;
  fid: FidMeter;
  log: Log;
}

/** The run's network with the tracked EMA profile claims 1-3 sample from, as it was at `step`. */
async function emaModel(g: Grid, spec: RunSpec, step: number): Promise<LoadedVelocityModel> {
  const dir = runDir(g.store, spec);
  return loadVelocityModel(dir, { weights: join(new RunDirectory(dir).emaDir, snapshotFileName(g.plan.evalSigmaRel, step)) });
}

async function withModel<T>(load: Promise<LoadedVelocityModel>, use: (m: LoadedVelocityModel) => Promise<T>): Promise<T> {
  const model = await load;
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

export interface StepFid extends FidValue {
  run: string;
  coupling: string;
  seed: number;
  step: number;
}

/** Claim 1: train one run segment by segment, FID of its EMA after each. */
export async function claim1Run(g: Grid, spec: RunSpec): Promise<void> {
  for (const step of g.plan.evalSteps) {
    await trainTo(g.store, g.plan, spec, step, g.log);
    const key = `fid-steps-${runKey(spec)}-${step}`;
    await g.store.once<StepFid>(key, async () => {
      const { solver, nfe, count } = g.plan.fid;
      const r = await withModel(emaModel(g, spec, step), (m) => g.fid.measure(m, solver, nfe, count));
      g.log(`  ${runKey(spec)} step ${step}: FID ${r.fid.toFixed(2)} (${r.seconds.toFixed(0)} s)`);
      return { ...r, run: runKey(spec), coupling: spec.coupling, seed: spec.seed, step };
    });
  }
}

export interface SolverFid extends FidValue {
  run: string;
  solver: string;
}

export interface CurvatureRecord extends TrajectoryMetrics {
  run: string;
  samples: number;
  steps: number;
}

/** Claim 2: FID at each NFE with Euler and Heun, and the trajectory curvature, of a run's final EMA. */
export async function claim2Run(g: Grid, spec: RunSpec): Promise<void> {
  const { plan } = g;
  await trainTo(g.store, plan, spec, plan.steps, g.log);
  for (const solver of plan.claim2.solvers) {
    for (const nfe of plan.claim2.nfes) {
      await g.store.once<SolverFid>(`fid-nfe-${runKey(spec)}-${solver}-${nfe}`, async () => {
        const r = await withModel(emaModel(g, spec, plan.steps), (m) => g.fid.measure(m, solver, nfe, plan.fid.count));
        g.log(`  ${runKey(spec)} ${solver} NFE ${nfe}: FID ${r.fid.toFixed(2)}`);
        return { ...r, run: runKey(spec), solver };
      });
    }
  }
  await g.store.once<CurvatureRecord>(`curvature-${runKey(spec)}`, () =>
    withModel(emaModel(g, spec, plan.steps), async (m) => {
      const { curvatureSamples: n, curvatureSteps: steps } = plan.claim2;
      const x0 = tf.tensor(fillRowNormals(new Float32Array(n * m.dim), 11, 0, m.dim), [n, ...m.shape]);
      const r = solve(m.velocity, x0, { method: 'euler', steps, trajectory: true });
      const metrics = trajectoryMetrics(m.velocity, r.times!, r.trajectory!);
      tf.dispose([x0, r.x, r.trajectory!]);
      g.log(`  ${runKey(spec)} curvature ${metrics.curvature.toFixed(4)}`);
      return { ...metrics, run: runKey(spec), samples: n, steps };
    }),
  );
}

export interface TwoModeRecord {
  coupling: 'independent' | 'encoder';
  steps: number;
  seconds: number;
  /** Paths in data coordinates: path p, point k at (p * length + k) * 2. */
  paths: number[];
  length: number;
  count: number;
  /** Endpoints of 1,000 samples (data coordinates), and the curvature of their Euler trajectories. */
  samples: number[];
  curvature: number;
}

/** Store key of a two-mode run (its length is part of it: a longer plan trains anew). */
export function twoModeKey(coupling: 'independent' | 'encoder', steps: number): string {
  return `two-mode-${coupling}-${steps}`;
}

/** Claim 2's picture: the paper's two-mode Gaussian, an MLP per coupling, Euler trajectories from the same noises. */
export async function twoModeRun(g: Grid, coupling: 'independent' | 'encoder'): Promise<void> {
  const { twoMode } = g.plan;
  await g.store.once<TwoModeRecord>(twoModeKey(coupling, twoMode.steps), async () => {
    const dir = g.store.path('runs', `two-mode-${coupling}`);
    rmSync(dir, { recursive: true, force: true });
    g.log(`  two-mode-2d ${coupling}: ${twoMode.steps} steps`);
    const t = await train(
      { dataset: 'two-mode-2d', model: 'mlp', coupling, ...(coupling === 'encoder' ? { couplingOptions: { beta: twoMode.beta } } : {}), steps: twoMode.steps, seed: 0, out: dir },
      { progress: false, log: g.log },
    );
    return withModel(loadVelocityModel(dir), async (m) => {
      const { scale, shift } = m.normalization;
      const toData = (a: Float32Array | number[]) => Array.from(a, (v) => Math.round((v / scale + shift) * 1e4) / 1e4);
      const count = 1000;
      const x0 = tf.tensor2d(fillRowNormals(new Float32Array(count * 2), 3, 0, 2), [count, 2]);
      const r = solve(m.velocity, x0, { method: 'euler', nfe: twoMode.nfe, trajectory: true });
      const metrics = trajectoryMetrics(m.velocity, r.times!, r.trajectory!);
      const traj = (await r.trajectory!.data()) as Float32Array; // [T, count, 2]
      const T = r.times!.length;
      const paths: number[] = [];
      for (let p = 0; p < twoMode.paths; p++) for (let k = 0; k < T; k++) paths.push(traj[(k * count + p) * 2]!, traj[(k * count + p) * 2 + 1]!);
      const samples = toData((await r.x.data()) as Float32Array);
      tf.dispose([x0, r.x, r.trajectory!]);
      return { coupling, steps: twoMode.steps, seconds: t.seconds, paths: toData(paths), length: T, count: twoMode.paths, samples, curvature: metrics.curvature };
    });
  });
}

export interface BespokeRecord {
  base: BespokeBase;
  nfe: number;
  steps: number;
  params: BespokeRawParams;
  seconds: number;
  heldOut: { rmse: number; baseRmseN: number; baseRmse2n: number; samples: number };
  keptInitial: boolean;
  iterations: number[];
  groundTruthNfe: number;
}

export interface SolverRow {
  solver: string;
  nfe: number;
  rmse: number;
  fid: number;
  seconds: number;
}

const BESPOKE_NAME: Record<BespokeBase, string> = { euler: 'RK1-BES', midpoint: 'RK2-BES' };

/** Claim 3: Bespoke solvers trained for the independent run's final EMA; FID and RMSE to dopri5 per solver and NFE. */
export async function claim3(g: Grid, spec: RunSpec): Promise<void> {
  const { plan, store } = g;
  await trainTo(store, plan, spec, plan.steps, g.log);
  const b = plan.bespoke;
  await withModel(emaModel(g, spec, plan.steps), async (m) => {
    for (const base of ['midpoint', 'euler'] as const) {
      for (const nfe of b.nfes) {
        await store.once<BespokeRecord>(`bespoke-${base}-${nfe}`, async () => {
          g.log(`  ${BESPOKE_NAME[base]} NFE ${nfe}: training`);
          const r = trainBespoke(m.velocity, {
            base,
            nfe,
            shape: m.shape,
            iterations: b.iterations,
            batch: b.batch,
            validationSamples: b.validationSamples,
            testSamples: b.testSamples,
            patience: b.patience,
            rtol: b.trainTolerance,
            atol: b.trainTolerance,
            seed: 1000 + nfe,
          });
          g.log(`    ${r.seconds.toFixed(0)} s, held-out RMSE ${r.heldOut.rmse.toExponential(3)} (base ${r.heldOut.baseRmseN.toExponential(3)}, base at 2n ${r.heldOut.baseRmse2n.toExponential(3)})`);
          return { base, nfe, steps: r.solver.steps, params: r.solver.params, seconds: r.seconds, heldOut: r.heldOut, keptInitial: r.keptInitial, iterations: r.phases.map((p) => p.iterations), groundTruthNfe: r.groundTruthNfe };
        });
      }
    }
    // the tight reference endpoints, once
    const n = b.rmseSamples;
    const x0 = tf.tensor(fillRowNormals(new Float32Array(n * m.dim), 29, 0, m.dim), [n, ...m.shape]);
    const gt = await store.once<{ endpoint: number[]; nfe: number }>('bespoke-dopri5-endpoints', async () => {
      g.log(`  dopri5 rtol = atol = ${b.rmseTolerance} on ${n} noises`);
      const r = solve(m.velocity, x0, { method: 'dopri5', rtol: b.rmseTolerance, atol: b.rmseTolerance });
      const endpoint = Array.from((await r.x.data()) as Float32Array);
      r.x.dispose();
      return { endpoint, nfe: r.nfe };
    });
    const exact = tf.tensor(gt.endpoint, x0.shape);
    const solvers: [string, (nfe: number) => FixedStepMethod | CustomSolver | null][] = [
      ['euler', () => 'euler'],
      ['midpoint', () => 'midpoint'],
      ['heun', () => 'heun'],
      ...(['midpoint', 'euler'] as const).map((base): [string, (nfe: number) => CustomSolver | null] => [
        BESPOKE_NAME[base],
        (nfe) => {
          const rec = store.get<BespokeRecord>(`bespoke-${base}-${nfe}`);
          if (!rec) return null;
          const s = new BespokeSolver(base, rec.steps, rec.params);
          return (v, x) => s.solve(v, x);
        },
      ]),
    ];
    for (const [name, make] of solvers) {
      for (const nfe of b.nfes) {
        const solver = make(nfe);
        if (solver === null) continue;
        await store.once<SolverRow>(`solver-${name}-${nfe}`, async () => {
          const r = typeof solver === 'function' ? solver(m.velocity, x0) : solve(m.velocity, x0, { method: solver, nfe });
          const rmse = tf.tidy(() => Math.sqrt(tf.mean(tf.square(tf.sub(r.x, exact))).dataSync()[0]!));
          r.x.dispose();
          const f = await g.fid.measure(m, solver, nfe, plan.fid.count);
          g.log(`  ${name} NFE ${nfe}: RMSE ${rmse.toExponential(3)}, FID ${f.fid.toFixed(2)}`);
          return { solver: name, nfe, rmse, fid: f.fid, seconds: f.seconds };
        });
      }
    }
    tf.dispose([x0, exact]);
  });
}

export interface PosthocRecord extends FidValue {
  run: string;
  step: number;
  /** A sigma_rel, or 'classic' / 'raw'. */
  weights: string;
  sigmaRel: number | null;
}

/** Claim 4: FID of post-hoc EMA reconstructions over sigma_rel at a few steps, next to the classic EMA and the raw weights. */
export async function claim4Run(g: Grid, spec: RunSpec, steps: readonly number[]): Promise<void> {
  const { plan, store } = g;
  await trainTo(store, plan, spec, plan.steps, g.log);
  const dir = runDir(store, spec);
  const emaDir = new RunDirectory(dir).emaDir;
  for (const step of steps) {
    const choices: [string, number | null][] = [...plan.posthoc.sigmaRels.map((s): [string, number] => [String(s), s]), ['classic', null], ['raw', null]];
    for (const [weights, sigmaRel] of choices) {
      await store.once<PosthocRecord>(`posthoc-${runKey(spec)}-${step}-${weights}`, async () => {
        let file: string;
        let temp = false;
        if (sigmaRel !== null) {
          mkdirSync(store.path('posthoc'), { recursive: true });
          file = store.path('posthoc', `${runKey(spec)}-${step}-${weights}.safetensors`);
          reconstructEma({ snapshots: emaDir, sigmaRel, step, out: file });
          temp = true;
        } else file = extraWeightsFile(extraDir(store, spec), weights as 'classic' | 'raw', step);
        if (!existsSync(file)) throw new Error(`${file}: missing (was the run trained by this harness?)`);
        const r = await withModel(loadVelocityModel(dir, { weights: file }), (m) => g.fid.measure(m, plan.fid.solver, plan.fid.nfe, plan.fid.count));
        if (temp) rmSync(file, { force: true });
        g.log(`  ${runKey(spec)} step ${step} ${weights}: FID ${r.fid.toFixed(2)}`);
        return { ...r, run: runKey(spec), step, weights, sigmaRel };
      });
    }
  }
}
