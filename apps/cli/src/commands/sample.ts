import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmaInputError, reconstructEma } from '@flow/ema';
import * as solvers from '@flow/solvers';
import { initBackend } from '@flow/runtime';
import { writeNpy } from '@flow/io';
import { guidedIdentity, loadVelocityModel, RunDirectory, sampleModel, shardRange, writeSamples, type CustomSolver, type LoadedVelocityModel } from '@flow/trainer';
import { classChoiceOption } from '../class-choice-option';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { THREADS_HELP, threadsOption } from '../threads-option';
import { MEMORY_LIMIT_HELP, memoryLimitOption } from '../memory-limit-option';
import { log, printJobJson as printJson } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage: flow sample --model DIR --solver S --nfe N --count K --out FILE(.npy|.png) [options]

Draws K noises x0 ~ N(0, I) (seeded) and integrates dx/dt = v(x, t) from t = 0 to t = 1 with the trained
model in DIR (a run directory of flow train; weights from DIR/model.safetensors if present, else its newest
good checkpoint). .npy output: float32 samples in the dataset's own coordinates (images in [-1, 1]).
.png output: an image grid (images) or a scatter plot (2-D points).

  --model DIR        run directory written by flow train
  --solver S         euler | midpoint | heun | rk4 | dopri5 | bespoke:PARAMS.json
  --nfe N            velocity evaluations per sample (fixed-step solvers; a multiple of the solver's stages)
  --rtol R --atol A  dopri5 tolerances (default 1e-5)
  --count K          number of samples
  --out FILE         .npy or .png
  --weights FILE     use these weights (safetensors of the network's variables) instead
  --ema S            use the post-hoc EMA of relative width S (EDM2's sigma_rel, e.g. 0.05), rebuilt from
                     DIR/ema (a run trained with --ema-every) as of its last snapshot; flow ema reconstruct
                     writes the same weights to keep
  --seed N           noise seed (default 0); row r's noise is drawn from its own stream keyed by r
  --shard I/K        only rows [floor(I*K'/K), floor((I+1)*K'/K)) of the K' = --count samples (shard I of K,
                     0-based): the K shards concatenated are bit-for-bit the unsharded output (fixed-step
                     and Bespoke solvers; dopri5's step sizes depend on the whole batch)
  --batch N          samples integrated at once (default 256 for images, all for points)
  --class K|all      class-conditional models (flow train --conditional): sample class K, or 'all' (row i
                     gets class i mod classes: equal numbers per class when K' is a multiple of it);
                     without it a conditional model samples its unconditional branch
  --guidance W       classifier-free guidance weight (needs --class; default 1):
                     v = v_uncond + W (v_cond - v_uncond), so W = 1 is the plain conditional model,
                     W = 0 the unconditional one, W > 1 sharper classes (Ho & Salimans' w is W - 1;
                     EDM2 guides its denoiser with a separate, weaker guiding network instead of the
                     zero-label branch of the same one: see @flow/trainer's README). Both branches
                     run in one network call per evaluation (NFE counts evaluations of the guided field)
  --labels-out FILE  with --class: the class of each sample, int32 .npy of shape (K',)
  --force            use a Bespoke file made for another model (or another class / guidance)
  --backend NAME     auto|native|wasm|cpu|webgpu|tensorflow|tensorflow-gpu
  ${THREADS_HELP}
  ${MEMORY_LIMIT_HELP}
  --json             print {solver, nfe, count, first_row, seconds, backend, out, identity, step, ema,
                     class, guidance, labels_out}`;

type BespokeLoader = (file: string, options: { identity: string; force?: boolean }) => CustomSolver | { solve: CustomSolver };

function bespokeSolver(file: string, identity: string, force: boolean): CustomSolver {
  const load = (solvers as Record<string, unknown>).loadBespokeSolver as BespokeLoader | undefined;
  if (typeof load !== 'function') throw new UsageError(`flow sample: --solver bespoke:${file}: this build of @flow/solvers cannot load Bespoke files`);
  const loaded = load(file, { identity, force });
  return typeof loaded === 'function' ? loaded : (v, x0) => loaded.solve(v, x0);
}

/** The run's model with the post-hoc EMA of width `sigmaRel` rebuilt from DIR/ema (through a temporary file), and its step. */
async function loadWithEma(dir: string, sigmaRel: number): Promise<{ model: LoadedVelocityModel; emaStep: number }> {
  const snapshots = new RunDirectory(dir).emaDir;
  if (!existsSync(snapshots)) throw new UsageError(`flow sample: --ema ${sigmaRel}: ${snapshots} does not exist (train with --ema-every N to write EMA snapshots)`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-sample-ema-'));
  try {
    let r: ReturnType<typeof reconstructEma>;
    try {
      r = reconstructEma({ snapshots, sigmaRel, out: new RunDirectory(tmp).modelWeightsFile });
    } catch (e) {
      throw e instanceof EmaInputError ? new UsageError(`flow sample: --ema ${sigmaRel}: ${e.message}`) : e;
    }
    log(`flow sample: post-hoc EMA sigma_rel ${sigmaRel} at step ${r.step} from ${r.used} snapshots (profile error ${r.profileError.toExponential(2)})`);
    return { model: await loadVelocityModel(dir, { weights: r.out }), emaStep: r.step };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `--shard I/K` as the rows [start, end) of `count`; all rows when absent. */
function parseShard(value: string | undefined, count: number): { start: number; end: number } {
  if (value === undefined) return { start: 0, end: count };
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m) throw new UsageError(`flow sample: --shard expects I/K (shard I of K, 0-based), got '${value}'`);
  const [index, shards] = [Number(m[1]), Number(m[2])];
  if (shards < 1 || shards > count || index >= shards) throw new UsageError(`flow sample: --shard ${value}: expected 0 <= I < K <= --count (${count})`);
  return shardRange(count, index, shards);
}

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'sample a trained model with an ODE solver (.npy or a .png grid)',
  usage,
  outputFiles: ['out', 'labels-out'],
  optionForField: { memoryLimitBytes: '--memory-limit', count: '--count', batchSize: '--batch' },
  async run(argv) {
    const { values } = parseOptions('sample', argv, {
      model: { type: 'string' },
      solver: { type: 'string' },
      nfe: { type: 'string' },
      rtol: { type: 'string' },
      atol: { type: 'string' },
      count: { type: 'string' },
      out: { type: 'string' },
      weights: { type: 'string' },
      ema: { type: 'string' },
      seed: { type: 'string' },
      shard: { type: 'string' },
      batch: { type: 'string' },
      force: { type: 'boolean' },
      class: { type: 'string' },
      guidance: { type: 'string' },
      'labels-out': { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      'memory-limit': { type: 'string' },
    });
    const dir = requireOption('sample', 'model', values.model);
    const solverName = requireOption('sample', 'solver', values.solver);
    const count = requireOption('sample', 'count', numberOption('sample', 'count', values.count, { integer: true, min: 1 }));
    const out = requireOption('sample', 'out', values.out);
    const ext = path.extname(out).toLowerCase();
    if (ext !== '.npy' && ext !== '.png') throw new UsageError(`flow sample: --out ${out}: expected a .npy or .png file`);
    const nfe = numberOption('sample', 'nfe', values.nfe, { integer: true, min: 1 });
    const rtol = numberOption('sample', 'rtol', values.rtol, { min: 0 });
    const atol = numberOption('sample', 'atol', values.atol, { min: 0 });
    const seed = numberOption('sample', 'seed', values.seed, { integer: true, min: 0 }) ?? 0;
    const batchSize = numberOption('sample', 'batch', values.batch, { integer: true, min: 1 });
    const memoryLimitBytes = memoryLimitOption('sample', values['memory-limit']);
    const rows = parseShard(values.shard, count);
    const choice = classChoiceOption('sample', values.class);
    const guidance = numberOption('sample', 'guidance', values.guidance);
    if (choice === undefined && guidance !== undefined) throw new UsageError('flow sample: --guidance needs --class K|all (the class to guide towards)');
    if (choice === undefined && values['labels-out'] !== undefined) throw new UsageError('flow sample: --labels-out needs --class K|all');
    if (values.shard !== undefined && solverName === 'dopri5') throw new UsageError('flow sample: --shard needs a fixed-step or Bespoke solver (dopri5 adapts its steps to the whole batch)');
    const isBespoke = solverName.startsWith('bespoke:');
    if (!isBespoke && !(solvers.SOLVER_NAMES as readonly string[]).includes(solverName)) {
      throw new UsageError(`flow sample: --solver expects one of ${solvers.SOLVER_NAMES.join(', ')} or bespoke:FILE, got '${solverName}'`);
    }
    if (!isBespoke && solverName !== 'dopri5' && nfe === undefined) throw new UsageError(`flow sample: --nfe is required for --solver ${solverName}`);
    const run = new RunDirectory(dir);
    const config = run.readConfig();
    const info = await initBackend(values.backend ?? process.env.FLOW_BACKEND ?? config.backend, threadsOption('sample', values.threads));
    log(`flow sample: backend ${info.backend} (${info.reason})`);
    const emaSigma = numberOption('sample', 'ema', values.ema, { min: 0 });
    if (emaSigma !== undefined && values.weights !== undefined) throw new UsageError('flow sample: give --weights or --ema, not both');
    const { model, emaStep } =
      emaSigma === undefined
        ? { model: await loadVelocityModel(dir, values.weights !== undefined ? { weights: values.weights } : {}), emaStep: null }
        : await loadWithEma(dir, emaSigma);
    log(`flow sample: ${dir} (${model.parameters} parameters, ${model.step !== null ? `step ${model.step}` : path.basename(model.weightsFile)})`);
    if (emaSigma === undefined && values.weights === undefined && model.step !== null && existsSync(run.emaDir)) {
      // Raw weights of a run still at a high learning rate sample much worse than their average (MNIST: FID 19 vs 4).
      log(`flow sample: note: sampling the raw step-${model.step} weights; this run has EMA snapshots, --ema 0.1 (or 0.05) usually samples better`);
    }
    const identity = choice !== undefined ? guidedIdentity(model.identity, choice, guidance ?? 1) : model.identity;
    const guided = { ...(choice !== undefined ? { class: choice } : {}), ...(guidance !== undefined ? { guidance } : {}) };
    const solver = isBespoke ? bespokeSolver(solverName.slice('bespoke:'.length), identity, Boolean(values.force)) : (solverName as solvers.SolverName);
    const result = await sampleModel(model, { solver, nfe, rtol, atol, count: rows.end - rows.start, firstRow: rows.start, seed, batchSize, memoryLimitBytes, ...guided });
    const classNote = choice !== undefined ? ` class ${String(choice)} W ${guidance ?? 1}` : '';
    writeSamples(out, result, model.kind, `${solverName.replace(/^bespoke:.*/, 'bespoke')} NFE ${result.nfe}${classNote}`);
    if (values['labels-out'] !== undefined && result.labels) writeNpy(values['labels-out'], { dtype: 'int32', shape: [result.labels.length], data: result.labels });
    model.dispose();
    const shardNote = values.shard !== undefined ? ` (rows ${rows.start}..${rows.end - 1} of ${count})` : '';
    log(`flow sample: ${rows.end - rows.start} samples${shardNote}, ${result.nfe} NFE, ${result.seconds.toFixed(2)} s -> ${out}`);
    if (values.json) {
      printJson({ solver: solverName, nfe: result.nfe, count: rows.end - rows.start, first_row: rows.start, seconds: result.seconds, backend: info.backend, out, identity, step: emaStep ?? model.step, ema: emaSigma ?? null,
        class: choice ?? null, guidance: choice !== undefined ? (guidance ?? 1) : null, labels_out: values['labels-out'] ?? null });
    }
    return 0;
  },
};
