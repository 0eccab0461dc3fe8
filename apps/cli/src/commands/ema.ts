import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isFlowInputError } from '@flow/errors';
import { writeFileAtomic } from '@flow/io';
import { listSnapshots, MAX_SIGMA_REL, reconstructEma, solvePosthocCoefficients, type SnapshotInfo } from '@flow/ema';
import { RunDirectory } from '@flow/trainer';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage:
  flow ema reconstruct --snapshots DIR --sigma-rel S --out MODEL_DIR [--step N] [--dtype float32|float64] [--json]
  flow ema coefficients --snapshots DIR --sigma-rel S [--step N] [--json]

EDM2 post-hoc EMA. DIR holds the power-function EMA snapshots written during training
(ema-<sigma_rel>-<step>.safetensors with metadata sigma_rel, gamma, step; @flow/ema's PowerEmaTracker).

reconstruct   rebuilds the weights of a power-function EMA of relative width S (0 < S <= ${MAX_SIGMA_REL.toFixed(4)})
              as the least-squares combination of the snapshots, streaming tensor by tensor. Writes
              MODEL_DIR/model.safetensors and MODEL_DIR/ema.json (and copies the run's config.json when the
              snapshot directory sits in a run directory that has one).
coefficients  prints the solved weight of every snapshot (in snapshot order: by step, then sigma_rel)
              without reading any weights.

options:
  --snapshots DIR   snapshot directory (required)
  --sigma-rel S     target relative standard deviation of the EMA profile (required)
  --step N          stopping step: the EMA as it was at step N (default: the last snapshot's step);
                    only snapshots with step <= N are used, the others get coefficient 0
  --dtype D         reconstruct only: output dtype for float tensors (default: the snapshots' own)
  --json            print one JSON object on stdout
JSON keys: coefficients (list, snapshot order), sigma_rel, gamma, step, snapshots_used, profile_error,
snapshots ([{file, step, sigma_rel}]); reconstruct adds out, parameters, tensors, seconds.`;

const options = {
  snapshots: { type: 'string' },
  'sigma-rel': { type: 'string' },
  out: { type: 'string' },
  step: { type: 'string' },
  dtype: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

function describeSnapshots(list: SnapshotInfo[]) {
  return list.map((s) => ({ file: s.file, step: s.step, sigma_rel: s.sigmaRel }));
}

/** Package input errors get the command's name in front, so the one stderr line says who complained. */
function prefixed<T>(cmd: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isFlowInputError(error) && !error.message.startsWith('flow ')) {
      throw new UsageError(`flow ${cmd}: ${error.message}`);
    }
    throw error;
  }
}

export const emaCommand: Command = {
  name: 'ema',
  summary: 'post-hoc EMA: reconstruct any sigma_rel from power-EMA snapshots, or print the coefficients',
  usage,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'reconstruct' && sub !== 'coefficients') {
      throw new UsageError(`flow ema: expected a subcommand 'reconstruct' or 'coefficients'${sub === undefined ? '' : `, got '${sub}'`}`);
    }
    const { values } = parseOptions(`ema ${sub}`, rest, options);
    const cmd = `ema ${sub}`;
    const dir = requireOption(cmd, 'snapshots', values.snapshots);
    const sigmaRel = numberOption(cmd, 'sigma-rel', requireOption(cmd, 'sigma-rel', values['sigma-rel']))!;
    if (!(sigmaRel > 0 && sigmaRel <= MAX_SIGMA_REL)) {
      throw new UsageError(`flow ${cmd}: --sigma-rel must be in (0, ${MAX_SIGMA_REL.toFixed(4)}] (the widest power-function profile), got ${sigmaRel}`);
    }
    const step = numberOption(cmd, 'step', values.step, { min: Number.MIN_VALUE });
    let snapshots: SnapshotInfo[];
    try {
      snapshots = listSnapshots(dir);
    } catch (error) {
      if (isFlowInputError(error)) throw new UsageError(`flow ${cmd}: --snapshots ${error.message}`);
      throw error;
    }
    const targetStep = step ?? Math.max(...snapshots.map((s) => s.step));

    if (sub === 'coefficients') {
      if (values.out !== undefined) throw new UsageError(`flow ${cmd}: --out belongs to 'flow ema reconstruct'`);
      const sol = prefixed(cmd, () => solvePosthocCoefficients(snapshots, { step: targetStep, sigmaRel }));
      const result = {
        coefficients: sol.coefficients,
        sigma_rel: sigmaRel,
        gamma: sol.gamma,
        step: targetStep,
        snapshots_used: sol.used,
        profile_error: sol.profileError,
        snapshots: describeSnapshots(snapshots),
      };
      if (values.json) printJson(result);
      else {
        process.stdout.write(`sigma_rel ${sigmaRel} (gamma ${sol.gamma.toFixed(6)}) at step ${targetStep} from ${sol.used} snapshots; relative profile error ${sol.profileError.toExponential(3)}\n`);
        snapshots.forEach((s, i) => process.stdout.write(`${sol.coefficients[i]!.toExponential(12).padStart(20)}  step ${s.step}  sigma_rel ${s.sigmaRel}  ${s.file}\n`));
      }
      return 0;
    }

    const outDir = requireOption(cmd, 'out', values.out);
    const dtype = values.dtype;
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64' && dtype !== 'float16') {
      throw new UsageError(`flow ${cmd}: --dtype expects float16, float32 or float64, got '${dtype}'`);
    }
    if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`flow ${cmd}: --out ${outDir} exists and is not a directory`);
    mkdirSync(outDir, { recursive: true });
    const started = performance.now();
    const showProgress = !values.json && process.stderr.isTTY;
    let lastReport = 0;
    const r = prefixed(cmd, () => reconstructEma({
      snapshots,
      sigmaRel,
      step: targetStep,
      out: new RunDirectory(outDir).modelWeightsFile,
      dtype,
      metadata: { source: resolve(dir) },
      onProgress: (done, total) => {
        const now = performance.now();
        if (showProgress && (now - lastReport > 500 || done === total)) {
          lastReport = now;
          process.stderr.write(`\rflow ema: tensor ${done}/${total}${done === total ? '\n' : ''}`);
        }
      },
    }));
    const seconds = (performance.now() - started) / 1000;
    RunDirectory.ofEmaDir(dir).copyConfigTo(outDir);
    const result = {
      out: outDir,
      file: r.out,
      coefficients: r.coefficients,
      sigma_rel: sigmaRel,
      gamma: r.gamma,
      step: r.step,
      snapshots_used: r.used,
      profile_error: r.profileError,
      parameters: r.parameters,
      tensors: r.tensors,
      seconds,
      snapshots: describeSnapshots(snapshots),
    };
    writeFileAtomic(join(outDir, 'ema.json'), `${JSON.stringify(result, null, 1)}\n`);
    if (values.json) printJson(result);
    else {
      log(`flow ema: sigma_rel ${sigmaRel} (gamma ${r.gamma.toFixed(6)}) at step ${r.step} from ${r.used} snapshots, profile error ${r.profileError.toExponential(3)}`);
      process.stdout.write(`wrote ${r.out}: ${r.tensors} tensors, ${r.parameters} parameters in ${seconds.toFixed(2)} s\n`);
    }
    return 0;
  },
};
