import * as tf from '@tensorflow/tfjs-core';
import { loadDataset, type Dataset, type ResumableSampler } from '@flow/data';
import type { EncoderTerm } from '@flow/encoder';
import type { NdArray } from '@flow/io';
import { Adam, learningRate } from '@flow/optim';
import { ProgressBar } from '@flow/progress';
import { Rng } from '@flow/random';
import { datasetFromConfig, defaultConfig, validateConfig } from './default-config';
import type { EmaHook } from './ema-hook';
import { TrainerInputError } from './errors';
import { flowMatchingLoss } from './flow-matching-loss';
import { dropLabels } from './label-dropout';
import { oneHot } from './one-hot';
import { createRunNet, RUN_STREAM } from './model-factory';
import { powerEmaHook } from './power-ema-hook';
import { RunDirectory } from './run/run-directory';
import type { TrainConfig } from './train-config';
import type { TrainHooks, TrainOptions, TrainSummary } from './train-options';
import { createTrainingCoupling, type TrainingCoupling } from './training-coupling';
import type { TrainableNet } from './velocity-net';

function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw TrainerInputError.field('steps', `must be a positive integer, got ${steps}`);
}

/**
 * Starts a fresh run in `options.out` and trains it to `options.steps`. Everything is validated and built
 * (dataset, network, coupling, optimiser) before the run directory is created, so a refused run leaves nothing.
 */
export async function train(options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const run = new RunDirectory(options.out);
  if (run.holdsRun()) throw TrainerInputError.field('out', `${options.out}: already holds a run; resume it to continue, or choose another folder`);
  checkSteps(options.steps);
  const dataset = loadDataset(options.dataset, {
    imageSize: options.imageSize,
    limit: options.limit,
    ...(options.conditional ? { labels: options.labels ?? true } : {}),
  });
  const config = defaultConfig(options, dataset, options.backendName ?? tf.getBackend());
  const session = buildSession(run, config, dataset, hooks, config.backend);
  run.writeConfig(config);
  return session.trainTo(options.steps);
}

/**
 * Continues the run in `runDir` from its newest good checkpoint up to `steps` total steps. `backendName` names
 * the engine this process runs on (e.g. `native`, which tfjs reports as `wasm`); checkpoints record it.
 */
export async function resume(runDir: string, steps: number, hooks: TrainHooks = {}, backendName?: string): Promise<TrainSummary> {
  const run = new RunDirectory(runDir);
  const config = run.readConfig();
  checkSteps(steps);
  return buildSession(run, config, datasetFromConfig(config), hooks, backendName ?? tf.getBackend()).trainTo(steps);
}

/** The values of a group of variables, read asynchronously (all reads in flight at once: on a GPU each is a round trip). */
async function weightsOf(vars: Record<string, tf.Variable>): Promise<Record<string, Float32Array>> {
  const entries = Object.entries(vars);
  const data = await Promise.all(entries.map(([, v]) => v.data() as Promise<Float32Array>));
  return Object.fromEntries(entries.map(([k], i) => [k, data[i]!]));
}

async function snapshot(vars: Record<string, tf.Variable>): Promise<Record<string, NdArray>> {
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

/** Builds everything a run trains with (validating as it goes); writes nothing. */
function buildSession(run: RunDirectory, config: TrainConfig, dataset: Dataset, hooks: TrainHooks, backend: string): { trainTo(steps: number): Promise<TrainSummary> } {
  validateConfig(config);
  if (dataset.dim !== config.dataset.dim) {
    throw new TrainerInputError(`dataset ${config.dataset.spec}: now has ${dataset.dim} features per sample, the run was started with ${config.dataset.dim}`);
  }
  const root = new Rng(config.seed);
  const sampler = dataset.sampler(root.fork(RUN_STREAM.data));
  if (config.conditional && (!sampler.takeLabels || dataset.classes !== config.conditional.classes)) {
    throw new TrainerInputError(`dataset ${config.dataset.spec}: has ${dataset.classes ?? 'no'} classes, the run is conditional on ${config.conditional.classes}`);
  }
  const coupling = createTrainingCoupling(config.coupling.name, {
    sampler,
    dataset,
    rng: root.fork(RUN_STREAM.coupling),
    initRng: root.fork(RUN_STREAM.couplingInit),
    ms: config.coupling.ms,
    costBackend: config.coupling.costBackend,
    options: config.coupling.options,
    batch: config.batch,
    memoryLimitBytes: hooks.memoryLimitBytes,
  });
  const term = 'term' in coupling ? coupling.term : null;
  const net: TrainableNet = createRunNet(config, dataset);
  const netAdam = new Adam(net.variables, config.optimizer);
  const termAdam = new Adam(term?.variables ?? {}, config.optimizer);
  const shapes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(net.variables)) shapes[k] = v.shape.slice();
  const ema: EmaHook | null = hooks.ema ? hooks.ema(run.emaDir, config, shapes) : config.ema ? powerEmaHook(run.emaDir, config.ema.every, config.ema.sigmaRels, shapes) : null;
  return {
    trainTo: (totalSteps: number) => trainLoop({ run, config, dataset, hooks, root, sampler, coupling, term, net, netAdam, termAdam, ema, backend }, totalSteps),
  };
}

/** What one call of `train`/`resume` trains with. */
interface Session {
  run: RunDirectory;
  config: TrainConfig;
  dataset: Dataset;
  hooks: TrainHooks;
  root: Rng;
  sampler: ResumableSampler;
  coupling: TrainingCoupling;
  /** A learned coupling's part of the step (the encoder's), trained by its own Adam with the same settings. */
  term: EncoderTerm | null;
  net: TrainableNet;
  netAdam: Adam;
  termAdam: Adam;
  ema: EmaHook | null;
  /** The engine this process runs on, as checkpoints and the summary record it. */
  backend: string;
}

async function trainLoop(s: Session, totalSteps: number): Promise<TrainSummary> {
  const { run, config, dataset, hooks, sampler, coupling, term, net, netAdam, termAdam, ema, backend } = s;
  const say = hooks.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  let timeRng = s.root.fork(RUN_STREAM.time);
  let labelRng = s.root.fork(RUN_STREAM.labels);
  const conditional = config.conditional;
  const termVars = term?.variables ?? {};

  let startStep = 0;
  const latest = run.latestCheckpoint((file, reason) => say(`skipping checkpoint ${file}: ${reason}`));
  if (latest) {
    const ckpt = latest.checkpoint;
    const file = `checkpoint of step ${ckpt.step} in ${run.dir}`;
    assignAll(net.variables, ckpt.net.params, 'parameter', file);
    assignAll(termVars, ckpt.coupling.params, 'parameter', file);
    if (net.buffers && Object.keys(ckpt.net.buffers).length > 0) assignAll(net.buffers, ckpt.net.buffers, 'buffer', file);
    assignAll(netAdam.m, ckpt.net.adamM, 'Adam first moment of', file);
    assignAll(netAdam.v, ckpt.net.adamV, 'Adam second moment of', file);
    assignAll(termAdam.m, ckpt.coupling.adamM, 'Adam first moment of', file);
    assignAll(termAdam.v, ckpt.coupling.adamV, 'Adam second moment of', file);
    timeRng = Rng.fromState(ckpt.rng.time);
    if (ckpt.rng.net && net.setRngState) net.setRngState(ckpt.rng.net);
    if (ckpt.rng.labels) labelRng = Rng.fromState(ckpt.rng.labels);
    sampler.setState(ckpt.sampler);
    coupling.restore(ckpt.coupling.state);
    if (ema?.setState && ckpt.ema) ema.setState(ckpt.ema);
    if (ckpt.backend && ckpt.backend !== backend) say(`note: checkpoint written on backend '${ckpt.backend}', continuing on '${backend}' (results may differ in the last bits)`);
    startStep = ckpt.step;
    run.truncateLog(startStep);
    say(`resuming ${run.dir} from step ${startStep}`);
  } else {
    run.truncateLog(0);
    // fresh weights: apply the per-step projection (EDM2 forced weight normalisation) once before step 1
    net.afterStep?.();
  }
  if (totalSteps < startStep) throw TrainerInputError.field('steps', `${totalSteps}: the run is already at step ${startStep}`);

  const saveCheckpoint = async (step: number): Promise<string> => {
    const samplerState = sampler.getState();
    const emaState = ema?.getState?.();
    return run.writeCheckpoint(
      {
        step,
        net: { params: await snapshot(net.variables), buffers: await snapshot(net.buffers ?? {}), adamM: await snapshot(netAdam.m), adamV: await snapshot(netAdam.v) },
        coupling: { params: await snapshot(termVars), adamM: await snapshot(termAdam.m), adamV: await snapshot(termAdam.v), state: coupling.snapshot() },
        rng: { time: timeRng.getState(), ...(net.getRngState ? { net: net.getRngState() } : {}), ...(conditional ? { labels: labelRng.getState() } : {}) },
        sampler: samplerState,
        ...(emaState ? { ema: emaState } : {}),
        backend,
      },
      config.keepCheckpoints,
    );
  };

  const shape = dataset.shape;
  const varList = [...Object.values(net.variables), ...Object.values(termVars)];
  const netName = new Map<string, string>();
  const termName = new Map<string, string>();
  for (const [k, v] of Object.entries(net.variables)) netName.set(v.name, k);
  for (const [k, v] of Object.entries(termVars)) termName.set(v.name, k);
  const losses: number[] = [];
  const progress = hooks.progress === false ? null : new ProgressBar(totalSteps, startStep);
  const started = process.hrtime.bigint();
  let interval = { loss: 0, objective: 0, count: 0, since: Date.now() };
  let lastCheckpoint = '';

  for (let step = startStep + 1; step <= totalSteps; step++) {
    const pair = await coupling.next(config.batch);
    const tValues = timeRng.fillUniform(new Float32Array(pair.batch));
    // couplings serve rows in the order they were drawn, so the sampler's label queue follows the rows
    const labelValues = conditional ? oneHot(dropLabels(sampler.takeLabels!(pair.batch), conditional.labelDropout, labelRng), conditional.classes) : null;
    const lr = learningRate(config.optimizer, step);
    // Values are read back with await, never dataSync: the webgpu backend cannot read synchronously in Node.
    const pass = tf.tidy(() => {
      const x1 = tf.tensor(pair.data, [pair.batch, ...shape], 'float32');
      const noise = tf.tensor(pair.noise, [pair.batch, ...shape], 'float32');
      const t = tf.tensor1d(tValues, 'float32');
      const labels = labelValues && conditional ? tf.tensor2d(labelValues, [pair.batch, conditional.classes], 'float32') : undefined;
      let mseOut: tf.Scalar | null = null;
      const { value, grads } = tf.variableGrads(() => {
        // a learned coupling turns the noise into its x0 (the encoder's z) and adds its loss term
        const applied = term ? term.apply(x1, noise) : null;
        const x0 = applied ? applied.x0 : noise;
        const extra = applied ? applied.loss : null;
        const terms = flowMatchingLoss(net, x0, x1, t, { uncertainty: config.uncertainty, labels });
        mseOut = tf.keep(terms.mse);
        return extra ? tf.add(terms.loss, extra) : terms.loss;
      }, varList);
      // global-norm gradient clipping over the network's and the coupling's gradients together
      const sq = tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))) as tf.Scalar;
      return { grads, sq, value, mse: (mseOut as tf.Scalar | null)! };
    });
    const [sqValue, objective, mse] = await Promise.all([pass.sq, pass.value, pass.mse].map(async (a) => (await a.data())[0]!));
    const norm = Math.sqrt(sqValue);
    const clip = config.optimizer.clip;
    const factor = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1;
    if (Number.isFinite(norm)) {
      tf.tidy(() => {
        const netGrads: Record<string, tf.Tensor> = {};
        const termGrads: Record<string, tf.Tensor> = {};
        for (const [tfName, g] of Object.entries(pass.grads)) {
          const clipped = factor === 1 ? g : tf.mul(g, factor);
          const n = netName.get(tfName);
          if (n !== undefined) netGrads[n] = clipped;
          else termGrads[termName.get(tfName)!] = clipped;
        }
        netAdam.apply(netGrads, lr, step);
        termAdam.apply(termGrads, lr, step);
      });
    }
    tf.dispose(pass);
    if (!Number.isFinite(mse) || !Number.isFinite(objective) || !Number.isFinite(norm)) {
      throw new Error(`training diverged at step ${step}: loss ${mse}, gradient norm ${norm} (try a lower learning rate)`);
    }
    net.afterStep?.();
    losses.push(mse);
    if (ema) await ema.update(step, () => weightsOf(net.variables));
    hooks.onStep?.({ step, loss: mse, objective, lr, gradNorm: norm });
    interval.loss += mse;
    interval.objective += objective;
    interval.count++;
    if (step % config.logEvery === 0 || step === totalSteps) {
      const now = Date.now();
      run.appendLog({
        step,
        loss: interval.loss / interval.count,
        objective: interval.objective / interval.count,
        lr,
        grad_norm: norm,
        steps_per_second: (interval.count * 1000) / Math.max(1, now - interval.since),
        time: new Date(now).toISOString(),
      });
      interval = { loss: 0, objective: 0, count: 0, since: now };
    }
    progress?.update(step, mse);
    if (step % config.checkpointEvery === 0 || step === totalSteps) lastCheckpoint = await saveCheckpoint(step);
  }
  if (startStep === totalSteps) lastCheckpoint = latest ? `step ${startStep}` : await saveCheckpoint(totalSteps);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  progress?.finish(totalSteps, losses.length ? losses[losses.length - 1]! : NaN);
  await ema?.close?.();
  const made = totalSteps - startStep;
  const window = Math.max(1, Math.min(50, Math.floor(made / 10)));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const summary: TrainSummary = {
    runDir: run.dir,
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
    coupling: { ...coupling.stats() },
  };
  net.dispose();
  netAdam.dispose();
  termAdam.dispose();
  term?.dispose();
  return summary;
}
