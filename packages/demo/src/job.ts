import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { featureStatistics, frechetDistance, readStats } from '@flow/fid';
import { ndarray, writeFileAtomic, writeNpy, writeNpz, type NdArray } from '@flow/io';
import { Rng } from '@flow/random';
import { BespokeSolver, dopri5, loadBespoke, saveBespoke, solve, trainBespoke, trajectoryMetrics, type VelocityField } from '@flow/solvers';
import { loadDataset } from '@flow/data';
import { loadVelocityModel, resume, RunDirectory, train, type TrainSummary } from '@flow/trainer';
import type { Coupling, DatasetPlan, DemoSolver, EntropicDemoOptions } from './plan';
import { isEntropicCoupling, SOLVERS } from './plan';
import { pcaDecode, type PcaModel } from './mnist-pca';
import { mnistFeatures, readPca } from './prepare-data';
import type { StageUpdate } from './progress';

/** One dataset x coupling of the demo: what a worker needs (JSON-safe; written to `<dir>/job.json`). */
export interface JobSpec {
  id: string;
  dir: string;
  dataset: DatasetPlan;
  coupling: Coupling;
  /** The entropic couplings' plan parameters (used by sinkhorn, unbalanced and partial only). */
  entropic?: EntropicDemoOptions;
  /** The trainer's dataset spec: a built-in name or the flattened MNIST `.npy`. */
  dataSpec: string;
  /** MNIST only: reference feature statistics (`.npz`) and the PCA the latents come from. */
  refStats?: string;
  pca?: string;
  nfes: readonly number[];
  seed: number;
  trajectoryPaths: number;
  trajectoryPoints: number;
  /** The backend the demo resolved (wasm, cpu, ...): a worker initialises exactly this one. */
  backend: string;
}

export interface TrainResult {
  steps: number;
  initial_loss: number;
  final_loss: number;
  seconds: number;
  backend: string;
  images_per_second: number;
  parameters: number;
  resumed_from: number;
  coupling: Record<string, unknown>;
}

export interface SolverRow {
  solver: DemoSolver | 'dopri5';
  nfe: number;
  /** Frechet distance to the data (MNIST: built-in extractor features; 2-D: raw coordinates). */
  fid: number;
  /** RMSE (per coordinate, model space) to the dopri5 endpoint from the same noise. */
  rmse: number;
  seconds: number;
}

export interface EvalResult {
  curvature: number;
  straightness: number;
  path_length_ratio: number;
  curvature_samples: number;
  samples: number;
  /** Frechet distance of as many fresh data samples as model samples: the floor at this sample count. */
  data_fid: number;
  reference: SolverRow;
  solvers: SolverRow[];
  bespoke: { nfe: number; base: string; parameters: number; initial_loss: number; final_loss: number; seconds: number; reused: boolean }[];
  seconds: { reference: number; curvature: number; bespoke: number; solvers: number };
  model: { identity: string; parameters: number };
}

export interface JobResult {
  id: string;
  dataset: string;
  coupling: Coupling;
  train: TrainResult;
  eval: EvalResult;
  /** Stages skipped because their result was already on disk (rerun). */
  skipped: string[];
}

type Report = (u: Omit<StageUpdate, 'job'>) => void;

/** A stage's JSON result, or null when it is missing or unreadable (the stage then runs again). */
export function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

const now = () => performance.now() / 1000;

/** Data space of the 2-D toy (the model trains at scale 1/8): data = x / scale + shift. */
function toDataSpace(x: Float32Array, norm: { scale: number; shift: number }): Float32Array {
  return x.map((v) => v / norm.scale + norm.shift);
}

/** The trainer's `couplingOptions`: the encoder's beta, or an entropic plan's reg (and regM or mass). */
function couplingOptions(spec: JobSpec): Record<string, unknown> {
  if (spec.coupling === 'encoder') return { beta: spec.dataset.beta };
  if (!isEntropicCoupling(spec.coupling)) return {};
  const e = spec.entropic;
  if (!e) throw new Error(`demo job ${spec.id}: an entropic coupling needs the plan's entropic options`);
  return {
    reg: e.reg,
    ...(spec.coupling === 'unbalanced' ? { regM: e.regM } : {}),
    ...(spec.coupling === 'partial' ? { mass: e.mass } : {}),
    pairing: e.pairing,
    tol: e.tol,
  };
}

async function trainStage(spec: JobSpec, report: Report): Promise<{ result: TrainResult; skipped: boolean }> {
  const ds = spec.dataset;
  const file = path.join(spec.dir, 'train.json');
  const done = readJson<TrainResult>(file);
  if (done && done.steps === ds.steps) return { result: done, skipped: true };
  const runDir = path.join(spec.dir, 'run');
  let last = 0;
  const hooks = {
    progress: false,
    log: () => {},
    onStep: (s: { step: number; loss: number }) => {
      const t = Date.now();
      if (t - last < 200 && s.step < ds.steps) return;
      last = t;
      report({ stage: 'train', done: s.step, total: ds.steps, note: `loss ${s.loss.toPrecision(3)}` });
    },
  };
  report({ stage: 'train', done: 0, total: ds.steps });
  let summary: TrainSummary;
  if (new RunDirectory(runDir).hasConfig()) {
    summary = await resume(runDir, ds.steps, hooks);
  } else {
    summary = await train(
      {
        dataset: spec.dataSpec,
        model: 'mlp',
        hidden: ds.hidden,
        layers: ds.layers,
        coupling: spec.coupling,
        ...(spec.coupling === 'independent' || spec.coupling === 'encoder' ? {} : { ms: ds.ms, costBackend: 'cpu' }),
        couplingOptions: couplingOptions(spec),
        batch: ds.batch,
        steps: ds.steps,
        seed: spec.seed,
        lr: ds.lr,
        checkpointEvery: ds.checkpointEvery,
        keepCheckpoints: 2,
        logEvery: 10,
        out: runDir,
        backendName: spec.backend,
      },
      hooks,
    );
  }
  const result: TrainResult = {
    steps: summary.steps,
    initial_loss: summary.initial_loss,
    final_loss: summary.final_loss,
    seconds: summary.seconds,
    backend: summary.backend,
    images_per_second: summary.images_per_second,
    parameters: summary.parameters,
    resumed_from: summary.startStep,
    coupling: summary.coupling,
  };
  writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
  return { result, skipped: false };
}

/** Frechet distance of model-space samples to the data (2-D: raw coordinates in data space; MNIST: extractor features). */
interface FidScorer {
  score(x: Float32Array, count: number): Promise<number>;
  dataFid(count: number): Promise<number>;
}

function toyScorer(spec: JobSpec): FidScorer {
  const dataset = loadDataset(spec.dataSpec);
  const norm = dataset.normalization;
  const fresh = (stream: number, n: number) => toDataSpace(dataset.sampler(new Rng(spec.seed).fork(stream)).draw(n), norm);
  const ref = featureStatistics(fresh(103, Math.max(4000, spec.dataset.samples)), 2);
  return {
    score: async (x, n) => frechetDistance(featureStatistics(toDataSpace(x.subarray(0, n * 2), norm), 2), ref),
    dataFid: async (n) => frechetDistance(featureStatistics(fresh(104, n), 2), ref),
  };
}

function mnistScorer(spec: JobSpec, pca: PcaModel): FidScorer {
  const ref = readStats(spec.refStats!);
  const dataset = loadDataset(spec.dataSpec);
  const score = async (z: Float32Array, n: number) => frechetDistance(featureStatistics(await mnistFeatures(pcaDecode(pca, z, n), n), ref.dim), ref);
  return {
    score,
    // real digits through the PCA: the floor of this pipeline at this sample count
    dataFid: async (n) => score(dataset.sampler(new Rng(spec.seed).fork(104)).draw(n), n),
  };
}

function rmse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / a.length);
}

function takeOut(x: tf.Tensor): Float32Array {
  const data = Float32Array.from(x.dataSync() as Float32Array);
  x.dispose();
  return data;
}

async function evalStage(spec: JobSpec, report: Report, skipped: string[], retrained: boolean): Promise<EvalResult> {
  const ds = spec.dataset;
  const file = path.join(spec.dir, 'eval.json');
  const done = readJson<EvalResult & { nfes: number[] }>(file);
  if (done && !retrained && done.samples === ds.samples && JSON.stringify(done.nfes) === JSON.stringify(spec.nfes)) {
    skipped.push('eval');
    return done;
  }
  const runDir = path.join(spec.dir, 'run');
  const model = await loadVelocityModel(runDir);
  const v: VelocityField = model.velocity;
  const { shape, dim } = model;
  const n = ds.samples;
  const isToy = ds.name === 'two-mode-2d';
  const pca = isToy ? null : readPca(spec.pca!);
  const scorer = isToy ? toyScorer(spec) : mnistScorer(spec, pca!);
  // the same noises for every coupling and solver (stream 101 of the demo seed)
  const noise = new Rng(spec.seed).fork(101).fillNormal(new Float32Array(n * dim));
  const x0 = tf.tensor(noise, [n, ...shape], 'float32');
  const saved: Record<string, NdArray> = {};
  const keep = isToy ? n : Math.min(n, 64);
  const save = (key: string, x: Float32Array) => {
    const part = x.slice(0, keep * dim);
    saved[key] = isToy ? ndarray('float32', [keep, ...shape], toDataSpace(part, model.normalization)) : ndarray('float32', [keep, 784], pcaDecode(pca!, part, keep));
  };

  try {
    // 1. reference endpoint: dopri5
    report({ stage: 'dopri5', done: 0, total: 1 });
    let t = now();
    const ref = dopri5(v, x0, { rtol: ds.rtol, atol: ds.rtol });
    const refX = takeOut(ref.x);
    const refSeconds = now() - t;
    const reference: SolverRow = { solver: 'dopri5', nfe: ref.nfe, fid: await scorer.score(refX, n), rmse: 0, seconds: refSeconds };
    save('dopri5', refX);
    report({ stage: 'dopri5', done: 1, total: 1, note: `nfe ${ref.nfe}` });

    // 2. curvature (Lee et al.) along dopri5 trajectories saved on a uniform grid
    report({ stage: 'curvature', done: 0, total: 1 });
    t = now();
    const nc = Math.min(n, ds.curvatureSamples);
    const points = isToy ? spec.trajectoryPoints : Math.max(spec.trajectoryPoints, 9);
    const times = Array.from({ length: points }, (_, i) => i / (points - 1));
    const x0c = tf.tensor(noise.subarray(0, nc * dim), [nc, ...shape], 'float32');
    const sol = dopri5(v, x0c, { rtol: ds.rtol, atol: ds.rtol, saveAt: times });
    const metrics = trajectoryMetrics(v, sol.times ?? times, sol.trajectory!);
    if (isToy) {
      const paths = Math.min(nc, spec.trajectoryPaths);
      const traj = tf.slice(sol.trajectory!, [0, 0, 0], [points, paths, 2]);
      writeNpy(path.join(spec.dir, 'trajectories.npy'), ndarray('float32', [points, paths, 2], toDataSpace(takeOut(traj), model.normalization)));
    }
    sol.x.dispose();
    sol.trajectory!.dispose();
    x0c.dispose();
    const curvatureSeconds = now() - t;
    report({ stage: 'curvature', done: 1, total: 1, note: `${metrics.curvature.toPrecision(3)}` });

    // 3. Bespoke RK2 solvers, one per NFE (trained on fresh noise; parameter files reused on rerun)
    t = now();
    const bespoke: EvalResult['bespoke'] = [];
    const solvers = new Map<number, BespokeSolver>();
    for (const nfe of spec.nfes) {
      const pfile = path.join(spec.dir, `bespoke-nfe${nfe}.json`);
      let reused = false;
      if (existsSync(pfile)) {
        try {
          const { solver, file: f } = loadBespoke(pfile, { identity: model.identity });
          solvers.set(nfe, solver);
          const tr = f.training as Record<string, number>;
          bespoke.push({ nfe, base: solver.base, parameters: solver.parameterCount, initial_loss: tr.initial_loss ?? NaN, final_loss: tr.final_loss ?? NaN, seconds: tr.seconds ?? NaN, reused: true });
          reused = true;
        } catch {
          // another model's file (retrained run): train again
        }
      }
      if (reused) continue;
      const label = `bespoke-${nfe}`;
      report({ stage: label, done: 0, total: ds.bespokeIterations });
      let last = 0;
      // a step size that diverges on this model is retried smaller (a few times), never silently dropped
      let r: ReturnType<typeof trainBespoke> | null = null;
      let lr = ds.bespokeLr;
      for (let attempt = 0; r === null; attempt++) {
        try {
          r = trainBespoke(v, {
            base: 'midpoint',
            nfe,
            shape,
            iterations: ds.bespokeIterations,
            batch: ds.bespokeBatch,
            // validation / test sets as small as the training set: the demo's budget is fixed
            validationSamples: ds.bespokeBatch,
            testSamples: ds.bespokeBatch,
            learningRate: lr,
            loss: ds.bespokeLoss,
            seed: new Rng(spec.seed).fork(200 + nfe).nextUint32(),
            rtol: ds.bespokeRtol,
            atol: ds.bespokeRtol,
            onIteration: (info) => {
              const tt = Date.now();
              if (tt - last < 200) return;
              last = tt;
              report({ stage: label, done: info.iteration + 1, total: ds.bespokeIterations, note: `loss ${info.loss.toPrecision(3)}${attempt ? ` lr ${lr.toPrecision(2)}` : ''}` });
            },
          });
        } catch (error) {
          if (attempt >= 3 || !/loss became/.test((error as Error).message)) throw error;
          lr /= 4;
        }
      }
      report({ stage: label, done: ds.bespokeIterations, total: ds.bespokeIterations });
      const training = { iterations: ds.bespokeIterations, batch: ds.bespokeBatch, learning_rate: lr, rtol: ds.bespokeRtol, initial_loss: r.initialLoss, final_loss: r.finalLoss, seconds: r.seconds };
      saveBespoke(pfile, r.solver, model.identity, training);
      solvers.set(nfe, r.solver);
      bespoke.push({ nfe, base: r.solver.base, parameters: r.solver.parameterCount, initial_loss: r.initialLoss, final_loss: r.finalLoss, seconds: r.seconds, reused: false });
    }
    const bespokeSeconds = now() - t;

    // 4. every solver at every NFE from the same noise: FID and distance to the dopri5 endpoint
    t = now();
    const rows: SolverRow[] = [];
    const total = SOLVERS.length * spec.nfes.length;
    for (const solver of SOLVERS) {
      for (const nfe of spec.nfes) {
        report({ stage: 'solve', done: rows.length, total, note: `${solver} ${nfe}` });
        const s0 = now();
        const x = solver === 'bespoke' ? solvers.get(nfe)!.solve(v, x0).x : solve(v, x0, { method: solver, nfe }).x;
        const xs = takeOut(x);
        const seconds = now() - s0;
        rows.push({ solver, nfe, fid: await scorer.score(xs, n), rmse: rmse(xs, refX), seconds });
        save(`${solver}-${nfe}`, xs);
      }
    }
    report({ stage: 'solve', done: total, total });
    const solverSeconds = now() - t;
    const dataFid = await scorer.dataFid(n);
    writeNpz(path.join(spec.dir, 'samples.npz'), saved, { compress: !isToy });

    const result: EvalResult & { nfes: readonly number[] } = {
      nfes: spec.nfes,
      curvature: metrics.curvature,
      straightness: metrics.straightness,
      path_length_ratio: metrics.pathLengthRatio,
      curvature_samples: nc,
      samples: n,
      data_fid: dataFid,
      reference,
      solvers: rows,
      bespoke,
      seconds: { reference: refSeconds, curvature: curvatureSeconds, bespoke: bespokeSeconds, solvers: solverSeconds },
      model: { identity: model.identity, parameters: model.parameters },
    };
    writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    x0.dispose();
    model.dispose();
  }
}

/** Trains (or resumes) one model, then measures it; each stage's result is on disk before the next starts. */
export async function runJob(spec: JobSpec, report: Report): Promise<JobResult> {
  mkdirSync(spec.dir, { recursive: true });
  writeFileAtomic(path.join(spec.dir, 'job.json'), `${JSON.stringify(spec, null, 2)}\n`);
  const skipped: string[] = [];
  const tr = await trainStage(spec, report);
  if (tr.skipped) skipped.push('train');
  const ev = await evalStage(spec, report, skipped, !tr.skipped);
  return { id: spec.id, dataset: spec.dataset.name, coupling: spec.coupling, train: tr.result, eval: ev, skipped };
}
