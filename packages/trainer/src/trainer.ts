import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic, type NdArray } from '@flow/io';
import { Rng, type RngState } from '@flow/random';
import { Adam } from './adam';
import { registerBuiltinCouplings } from './builtin-couplings';
import { latestGoodCheckpoint, pruneCheckpoints, writeCheckpoint } from './checkpoint';
import { getCouplingFactory, registeredCouplings, type CouplingSnapshot, type TrainerCoupling } from './coupling';
import type { Dataset, SamplerState } from './datasets/dataset';
import { loadDataset } from './datasets/load-dataset';
import { TrainerInputError } from './errors';
import { flowMatchingLoss } from './flow-matching-loss';
import { learningRate } from './lr-schedule';
import { createRunNet, RUN_STREAM, type ModelConfig, type TrainableNet } from './model-factory';
import { powerEmaHook } from './power-ema-hook';
import { ProgressBar } from './progress-bar';
import { appendLog, truncateLog } from './run-log';
import { CONFIG_FORMAT, type TrainConfig } from './train-config';

/** Options of a fresh run (what `flow train` passes). Unset fields take the documented defaults. */
export interface TrainOptions {
  dataset: string;
  model: 'mlp' | 'unet-edm2';
  preset?: string;
  /** Overrides of the network config (U-Net config fields, or MLP config fields). */
  modelOptions?: Record<string, unknown>;
  hidden?: number;
  layers?: number;
  coupling?: string;
  ms?: number;
  costBackend?: string;
  couplingOptions?: Record<string, unknown>;
  batch?: number;
  steps: number;
  seed?: number;
  lr?: number;
  lrRefSteps?: number;
  warmup?: number;
  clip?: number;
  uncertainty?: boolean;
  checkpointEvery?: number;
  keepCheckpoints?: number;
  logEvery?: number;
  emaEvery?: number;
  emaSigmaRels?: number[];
  imageSize?: 28 | 32;
  limit?: number;
  out: string;
  /** Backend name recorded in config.json (default: tf.getBackend()); `--resume` reuses it. */
  backendName?: string;
}

/** A per-step hook for EMA tracking (`@flow/ema`): gets the current weights after each update. */
export interface EmaHook {
  update(step: number, weights: () => Promise<Record<string, Float32Array>>): void | Promise<void>;
  /** JSON-safe state stored in checkpoints, and restored on resume. */
  getState?(): { meta: Record<string, unknown>; arrays: Record<string, NdArray> };
  setState?(state: { meta: Record<string, unknown>; arrays: Record<string, NdArray> }): void;
  close?(): void | Promise<void>;
}

export interface TrainHooks {
  /** Show the progress bar on stderr (default true). */
  progress?: boolean;
  /** Informational messages (default: stderr). */
  log?: (message: string) => void;
  /** Builds the EMA tracker for a run (given its config and the trainable weights' names/shapes). */
  ema?: (runDir: string, config: TrainConfig, shapes: Record<string, number[]>) => EmaHook | null;
  onStep?: (info: StepInfo) => void;
  /** Memory budget in bytes for the coupling's pools and distance matrices (default: what the machine has available). */
  memoryLimitBytes?: number;
}

export interface StepInfo {
  step: number;
  loss: number;
  objective: number;
  lr: number;
  gradNorm: number;
}

export interface TrainSummary {
  runDir: string;
  /** The run's step count when this call ended. */
  steps: number;
  /** Steps made by this call (steps minus the resumed step). */
  stepsThisRun: number;
  startStep: number;
  /** Mean flow-matching MSE over the first / last `window` steps of this call. */
  initial_loss: number;
  final_loss: number;
  window: number;
  backend: string;
  seconds: number;
  images_per_second: number;
  parameters: number;
  checkpoint: string;
  coupling: Record<string, unknown>;
}

export function defaultConfig(options: TrainOptions, dataset: Dataset, backend: string): TrainConfig {
  const isUnet = options.model === 'unet-edm2';
  const model: ModelConfig = isUnet
    ? { type: 'unet-edm2', preset: options.preset ?? 'mnist', ...(options.modelOptions ? { options: options.modelOptions } : {}) }
    : { type: 'mlp', hidden: options.hidden ?? 128, layers: options.layers ?? 3, ...(options.modelOptions ? { options: options.modelOptions } : {}) };
  const coupling = options.coupling ?? 'independent';
  return {
    format: CONFIG_FORMAT,
    dataset: {
      spec: options.dataset,
      shape: dataset.shape,
      dim: dataset.dim,
      kind: dataset.kind,
      size: dataset.size,
      normalization: dataset.normalization,
      ...(options.imageSize !== undefined ? { imageSize: options.imageSize } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    },
    model,
    coupling: {
      name: coupling,
      ...(options.ms !== undefined ? { ms: options.ms } : coupling === 'dansm' || coupling === 'ot' ? { ms: 1000 } : {}),
      ...(options.costBackend !== undefined ? { costBackend: options.costBackend } : {}),
      options: options.couplingOptions ?? {},
    },
    optimizer: {
      refLr: options.lr ?? (isUnet ? 1e-2 : 1e-3),
      refSteps: options.lrRefSteps ?? (isUnet ? 2000 : 5000),
      rampupSteps: options.warmup ?? (isUnet ? 100 : 50),
      beta1: 0.9,
      beta2: 0.99,
      epsilon: 1e-8,
      clip: options.clip ?? 1,
    },
    batch: options.batch ?? (isUnet ? 32 : 256),
    seed: options.seed ?? 0,
    uncertainty: options.uncertainty ?? isUnet,
    checkpointEvery: options.checkpointEvery ?? 500,
    keepCheckpoints: options.keepCheckpoints ?? 3,
    logEvery: options.logEvery ?? 10,
    ema: options.emaEvery !== undefined && options.emaEvery > 0 ? { every: options.emaEvery, sigmaRels: options.emaSigmaRels ?? [0.05, 0.1] } : null,
    backend,
  };
}

export function configPath(runDir: string): string {
  return path.join(runDir, 'config.json');
}

/** Reads a run's config.json, with a clear error naming the file. */
export function readRunConfig(runDir: string): TrainConfig {
  const file = configPath(runDir);
  if (!existsSync(file)) throw new TrainerInputError(`${file}: not found (is ${runDir} a run directory written by flow train?)`);
  let config: TrainConfig;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as TrainConfig;
  } catch (error) {
    throw new TrainerInputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (config.format !== CONFIG_FORMAT) throw new TrainerInputError(`${file}: format '${String(config.format)}', expected '${CONFIG_FORMAT}'`);
  return config;
}

/** The dataset a config names (loaded the same way as when the run started). */
export function datasetFromConfig(config: TrainConfig): Dataset {
  return loadDataset(config.dataset.spec, { imageSize: config.dataset.imageSize, limit: config.dataset.limit });
}

/** Starts a fresh run in `options.out` and trains it to `options.steps`. */
export async function train(options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const runDir = options.out;
  if (existsSync(runDir) && readdirSync(runDir).some((n) => n === 'config.json' || n === 'checkpoints')) {
    throw new TrainerInputError(`--out ${runDir}: already holds a run; use --resume ${runDir} to continue it, or choose another folder`);
  }
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new TrainerInputError(`--steps must be a positive integer, got ${options.steps}`);
  const dataset = loadDataset(options.dataset, { imageSize: options.imageSize, limit: options.limit });
  const config = defaultConfig(options, dataset, options.backendName ?? tf.getBackend());
  validateConfig(config);
  mkdirSync(runDir, { recursive: true });
  writeFileAtomic(configPath(runDir), `${JSON.stringify(config, null, 2)}\n`);
  return runTraining(runDir, config, dataset, options.steps, hooks);
}

/** Continues the run in `runDir` from its newest good checkpoint up to `steps` total steps. */
export async function resume(runDir: string, steps: number, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const config = readRunConfig(runDir);
  if (!Number.isInteger(steps) || steps < 1) throw new TrainerInputError(`--steps must be a positive integer, got ${steps}`);
  const dataset = datasetFromConfig(config);
  return runTraining(runDir, config, dataset, steps, hooks);
}

function validateConfig(config: TrainConfig): void {
  registerBuiltinCouplings();
  if (!getCouplingFactory(config.coupling.name)) {
    throw new TrainerInputError(`--coupling ${config.coupling.name}: expected one of ${registeredCouplings().join(', ')}`);
  }
  if (!(config.batch >= 1) || !Number.isInteger(config.batch)) throw new TrainerInputError(`--batch must be a positive integer, got ${config.batch}`);
  const rank = config.dataset.shape.length;
  if (config.model.type === 'mlp' && rank !== 1) {
    throw new TrainerInputError(`--model mlp needs vector data; dataset ${config.dataset.spec} has shape (${config.dataset.shape.join(', ')}) (use unet-edm2 for images)`);
  }
  if (config.model.type === 'unet-edm2' && rank !== 3) {
    throw new TrainerInputError(`--model unet-edm2 needs images; dataset ${config.dataset.spec} has shape (${config.dataset.shape.join(', ')}) (use mlp for vectors)`);
  }
  if (!(config.optimizer.refLr > 0)) throw new TrainerInputError(`--lr must be > 0, got ${config.optimizer.refLr}`);
}

async function snapshotWeights(vars: Record<string, tf.Variable>): Promise<Record<string, NdArray>> {
  const data = await weightsOf(vars);
  const out: Record<string, NdArray> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = { dtype: 'float32', shape: v.shape.slice(), data: data[k]! };
  return out;
}

function assignAll(vars: Record<string, tf.Variable>, arrays: Record<string, NdArray>, what: string, file: string): void {
  for (const [k, v] of Object.entries(vars)) {
    const a = arrays[k];
    if (!a) throw new TrainerInputError(`${file}: ${what} '${k}' missing from the checkpoint`);
    if (a.shape.join(',') !== v.shape.join(',')) throw new TrainerInputError(`${file}: ${what} '${k}' has shape (${a.shape.join(', ')}), the model has (${v.shape.join(', ')})`);
    v.assign(tf.tensor(a.data as Float32Array, v.shape, 'float32'));
  }
}

function prefixed<T>(prefix: string, record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(record)) out[`${prefix}/${k}`] = v;
  return out;
}

function unprefixed(prefix: string, record: Record<string, NdArray>): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const [k, v] of Object.entries(record)) if (k.startsWith(`${prefix}/`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

async function runTraining(runDir: string, config: TrainConfig, dataset: Dataset, totalSteps: number, hooks: TrainHooks): Promise<TrainSummary> {
  const say = hooks.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  validateConfig(config);
  if (dataset.dim !== config.dataset.dim) {
    throw new TrainerInputError(`dataset ${config.dataset.spec}: now has ${dataset.dim} features per sample, the run was started with ${config.dataset.dim}`);
  }
  const backend = tf.getBackend();
  const root = new Rng(config.seed);
  let timeRng = root.fork(RUN_STREAM.time);
  const net: TrainableNet = createRunNet(config, dataset);
  const sampler = dataset.sampler(root.fork(RUN_STREAM.data));
  const factory = getCouplingFactory(config.coupling.name)!;
  const coupling: TrainerCoupling = await factory({
    sampler,
    dataset,
    rng: root.fork(RUN_STREAM.coupling),
    ms: config.coupling.ms,
    costBackend: config.coupling.costBackend,
    options: config.coupling.options,
    initRng: root.fork(RUN_STREAM.couplingInit),
    batch: config.batch,
    memoryLimitBytes: hooks.memoryLimitBytes,
  });
  const variables: Record<string, tf.Variable> = { ...prefixed('net', net.variables), ...prefixed('coupling', coupling.term?.variables ?? {}) };
  const adam = new Adam(variables, config.optimizer);
  const shapes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(net.variables)) shapes[k] = v.shape.slice();
  const ema = hooks.ema ? hooks.ema(runDir, config, shapes) : config.ema ? powerEmaHook(runDir, config.ema.every, config.ema.sigmaRels, shapes) : null;

  let startStep = 0;
  const ckpt = latestGoodCheckpoint(runDir, (file, reason) => say(`skipping checkpoint ${file}: ${reason}`));
  if (ckpt) {
    const file = `checkpoint of step ${ckpt.step} in ${runDir}`;
    assignAll(variables, ckpt.params, 'parameter', file);
    if (net.buffers && ckpt.buffers && Object.keys(ckpt.buffers).length > 0) assignAll(prefixed('net', net.buffers), ckpt.buffers, 'buffer', file);
    assignAll(adam.m, ckpt.adamM, 'Adam first moment of', file);
    assignAll(adam.v, ckpt.adamV, 'Adam second moment of', file);
    const state = ckpt.state as { timeRng: RngState; netRng?: RngState; sampler: Record<string, unknown>; coupling: Record<string, unknown>; ema?: Record<string, unknown>; backend?: string };
    timeRng = Rng.fromState(state.timeRng);
    if (state.netRng && net.setRngState) net.setRngState(state.netRng);
    sampler.setState({ meta: state.sampler, arrays: unprefixed('sampler', ckpt.stateArrays) } as SamplerState);
    coupling.restore({ meta: state.coupling, arrays: unprefixed('coupling', ckpt.stateArrays) } as CouplingSnapshot);
    if (ema?.setState && state.ema) ema.setState({ meta: state.ema, arrays: unprefixed('ema', ckpt.stateArrays) });
    if (state.backend && state.backend !== backend) say(`note: checkpoint written on backend '${state.backend}', continuing on '${backend}' (results may differ in the last bits)`);
    startStep = ckpt.step;
    truncateLog(runDir, startStep);
    say(`resuming ${runDir} from step ${startStep}`);
  } else {
    if (existsSync(path.join(runDir, 'checkpoints'))) truncateLog(runDir, 0);
    // fresh weights: apply the per-step projection (EDM2 forced weight normalisation) once before step 1
    net.afterStep?.();
  }
  if (totalSteps < startStep) throw new TrainerInputError(`--steps ${totalSteps}: the run is already at step ${startStep}`);

  const saveCheckpoint = async (step: number): Promise<string> => {
    const samplerState = sampler.getState();
    const couplingState = coupling.snapshot();
    const emaState = ema?.getState?.();
    const file = writeCheckpoint(runDir, {
      step,
      params: await snapshotWeights(variables),
      buffers: await snapshotWeights(prefixed('net', net.buffers ?? {})),
      adamM: await snapshotWeights(adam.m),
      adamV: await snapshotWeights(adam.v),
      state: {
        timeRng: timeRng.getState(),
        ...(net.getRngState ? { netRng: net.getRngState() } : {}),
        sampler: samplerState.meta,
        coupling: couplingState.meta,
        ...(emaState ? { ema: emaState.meta } : {}),
        backend,
      },
      stateArrays: {
        ...prefixed('sampler', samplerState.arrays),
        ...prefixed('coupling', couplingState.arrays),
        ...(emaState ? prefixed('ema', emaState.arrays) : {}),
      },
    });
    pruneCheckpoints(runDir, config.keepCheckpoints);
    return file;
  };

  const shape = dataset.shape;
  const varList = Object.values(variables);
  const nameOf = new Map<string, string>();
  for (const [k, v] of Object.entries(variables)) nameOf.set(v.name, k);
  const losses: number[] = [];
  const progress = hooks.progress === false ? null : new ProgressBar(totalSteps, startStep);
  const started = process.hrtime.bigint();
  let interval = { loss: 0, objective: 0, count: 0, since: Date.now() };
  let lastCheckpoint = '';

  for (let step = startStep + 1; step <= totalSteps; step++) {
    const pair = await coupling.next(config.batch);
    const tValues = timeRng.fillUniform(new Float32Array(pair.batch));
    const lr = learningRate(config.optimizer, step);
    // Values are read back with await, never dataSync: the webgpu backend cannot read synchronously in Node.
    const pass = tf.tidy(() => {
      const x1 = tf.tensor(pair.data, [pair.batch, ...shape], 'float32');
      const noise = tf.tensor(pair.noise, [pair.batch, ...shape], 'float32');
      const t = tf.tensor1d(tValues, 'float32');
      let mseOut: tf.Scalar | null = null;
      const { value, grads } = tf.variableGrads(() => {
        let x0 = noise;
        let data = x1;
        let extra: tf.Scalar | null = null;
        if (coupling.term) {
          const applied = coupling.term.apply(x1, noise);
          x0 = applied.x0;
          if (applied.x1) data = applied.x1;
          if (applied.loss) extra = applied.loss;
        }
        const terms = flowMatchingLoss(net, x0, data, t, { uncertainty: config.uncertainty });
        mseOut = tf.keep(terms.mse);
        return extra ? tf.add(terms.loss, extra) : terms.loss;
      }, varList);
      const named: Record<string, tf.Tensor> = {};
      for (const [tfName, g] of Object.entries(grads)) named[nameOf.get(tfName) ?? tfName] = g;
      // global-norm gradient clipping
      const sq = tf.addN(Object.values(named).map((g) => tf.sum(tf.square(g)))) as tf.Scalar;
      return { named, sq, value, mse: (mseOut as tf.Scalar | null)! };
    });
    const [sqValue, objective, mse] = await Promise.all([pass.sq, pass.value, pass.mse].map(async (a) => (await a.data())[0]!));
    const norm = Math.sqrt(sqValue);
    const clip = config.optimizer.clip;
    const factor = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1;
    if (Number.isFinite(norm)) {
      tf.tidy(() => {
        const clipped: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(pass.named)) clipped[k] = factor === 1 ? g : tf.mul(g, factor);
        adam.apply(clipped, lr, step);
      });
    }
    tf.dispose(pass);
    const result = { objective, mse, norm };
    if (!Number.isFinite(result.mse) || !Number.isFinite(result.objective) || !Number.isFinite(result.norm)) {
      throw new Error(`training diverged at step ${step}: loss ${result.mse}, gradient norm ${result.norm} (try a lower --lr)`);
    }
    net.afterStep?.();
    coupling.term?.afterStep?.();
    losses.push(result.mse);
    if (ema) await ema.update(step, () => weightsOf(net.variables));
    hooks.onStep?.({ step, loss: result.mse, objective: result.objective, lr, gradNorm: result.norm });
    interval.loss += result.mse;
    interval.objective += result.objective;
    interval.count++;
    if (step % config.logEvery === 0 || step === totalSteps) {
      const now = Date.now();
      appendLog(runDir, {
        step,
        loss: interval.loss / interval.count,
        objective: interval.objective / interval.count,
        lr,
        grad_norm: result.norm,
        steps_per_second: (interval.count * 1000) / Math.max(1, now - interval.since),
        time: new Date(now).toISOString(),
      });
      interval = { loss: 0, objective: 0, count: 0, since: now };
    }
    progress?.update(step, result.mse);
    if (step % config.checkpointEvery === 0 || step === totalSteps) lastCheckpoint = await saveCheckpoint(step);
  }
  if (startStep === totalSteps) lastCheckpoint = ckpt ? `step ${startStep}` : await saveCheckpoint(totalSteps);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  progress?.finish(totalSteps, losses.length ? losses[losses.length - 1] : NaN);
  await ema?.close?.();
  const made = totalSteps - startStep;
  const window = Math.max(1, Math.min(50, Math.floor(made / 10)));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const summary: TrainSummary = {
    runDir,
    steps: totalSteps,
    stepsThisRun: made,
    startStep,
    initial_loss: mean(losses.slice(0, window)),
    final_loss: mean(losses.slice(-window)),
    window,
    backend,
    seconds,
    images_per_second: seconds > 0 ? (made * config.batch) / seconds : 0,
    parameters: net.parameterCount,
    checkpoint: lastCheckpoint,
    coupling: coupling.stats?.() ?? {},
  };
  net.dispose();
  adam.dispose();
  coupling.term?.dispose?.();
  return summary;
}

/** Every variable's values, read asynchronously (all reads in flight at once: on a GPU each is a round trip). */
async function weightsOf(vars: Record<string, tf.Variable>): Promise<Record<string, Float32Array>> {
  const entries = Object.entries(vars);
  const data = await Promise.all(entries.map(([, v]) => v.data() as Promise<Float32Array>));
  return Object.fromEntries(entries.map(([k], i) => [k, data[i]!]));
}
