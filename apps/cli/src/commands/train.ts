import { BUILTIN_DATASETS } from '@flow/data';
import { initBackend } from '@flow/runtime';
import { resume, RunDirectory, train, TRAIN_DEFAULTS, TRAINING_COUPLINGS, type TrainOptions, type TrainSummary } from '@flow/trainer';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { memoryLimitOption } from '../memory-limit-option';
import { threadsOption } from '../threads-option';
import { log, printJobJson as printJson } from '../print-json';
import { UsageError } from '../usage-error';

// Defaults are the trainer's (TRAIN_DEFAULTS), printed here, never restated.
const D = TRAIN_DEFAULTS;
const mlp = D.mlp;
const unet = D['unet-edm2'];
const usage = `usage: flow train --dataset NAME|PATH --model unet-edm2|mlp --coupling ${TRAINING_COUPLINGS.join('|')} --steps N --out DIR [options]
       flow train --resume DIR --steps N [--json]

Trains a flow-matching model (t ~ U(0,1), x_t = (1-t) x0 + t x1, target x1 - x0) and writes a resumable run
directory: config.json, checkpoints/step-*.safetensors (weights, Adam moments, RNG and coupling state),
log.jsonl and, with --ema-every, EMA snapshots. A checkpoint is always written when the run ends.

data and model
  --dataset NAME|PATH   built-in: ${BUILTIN_DATASETS.join(', ')}; or a folder of .png images, or a .npy/.npz array
  --limit N             use only the first N samples of a finite dataset
  --image-size 28|32    mnist side (32 pads by 2 pixels)
  --model unet-edm2|mlp
  --preset NAME         U-Net preset (default ${unet.preset}; see flow model-info)
  --hidden N --layers N MLP width (default ${mlp.hidden}) and hidden layers (default ${mlp.layers})
  --model-options JSON  fields overriding the network config, e.g. '{"attnResolutions":[]}'
class-conditional (classifier-free guidance at flow sample --class K --guidance W)
  --conditional         train on the dataset's labels: mnist digits, a PNG folder with one sub-folder per
                        class (sorted names = labels 0, 1, ...), or a .npy/.npz of rows with --labels
  --labels FILE.npy     one class index per row of a .npy/.npz dataset (shape (n,), integers >= 0)
  --label-dropout P     probability of training a row on the unconditional branch, the all-zero one-hot
                        label (default ${D.labelDropout})
coupling
  --coupling NAME       ${D.coupling} (default), dansm (greedy pool of --ms noises), ot (exact per scope of --ms),
                        sinkhorn | unbalanced | partial (entropic plan per scope of --ms, rounded to a
                        permutation), encoder (learned q(z|x), loss + --beta KL)
  --ms N                match scope for dansm/ot/sinkhorn/unbalanced/partial (default ${D.ms})
  --reg E --reg-m M --mass M --pairing sample|assignment
                        entropic couplings: reg (relative to the mean cost, default 0.05), KL weight of
                        unbalanced (default 1), mass of partial (default 0.9), plan rounding (see flow match)
  --cost-backend NAME   distance backend for dansm/ot (default auto)
  --memory-limit SIZE   memory for the dansm/ot pools and distance matrices, e.g. 8G, 512M, 2e9 (bytes);
                        default: 90% of the memory available now (MemAvailable, cgroup limit)
  --beta B              encoder KL weight (default 10 for vectors, 20 for images)
optimisation
  --steps N             total steps of the run (required)
  --batch N             batch size (default ${mlp.batch} mlp, ${unet.batch} unet)
  --lr X                reference learning rate (default ${mlp.lr} mlp, ${unet.lr} unet)
  --lr-ref-steps N      inverse-sqrt decay starts after N steps (EDM2; default ${mlp.lrRefSteps} mlp, ${unet.lrRefSteps} unet; 0 = off)
  --warmup N            linear warm-up steps (default ${mlp.warmup} mlp, ${unet.warmup} unet)
  --clip X              gradient-norm clip (default ${D.clip}; 0 = off)
  --uncertainty on|off  EDM2 learned uncertainty weighting (default ${unet.uncertainty ? 'on' : 'off'} for unet-edm2, ${mlp.uncertainty ? 'on' : 'off'} for mlp)
  --seed N              seeds init, data order, noise and t (default ${D.seed})
run directory
  --out DIR             new run directory
  --resume DIR          continue DIR (its stored config) up to --steps
  --checkpoint-every N  (default ${D.checkpointEvery})   --keep-checkpoints N (default ${D.keepCheckpoints})   --log-every N (default ${D.logEvery})
  --ema-every N         write EMA snapshots every N steps (via @flow/ema; sigma_rel ${D.emaSigmaRels.join(', ')})
  --backend NAME        auto|native|wasm|cpu|webgpu|tensorflow|tensorflow-gpu (default: env FLOW_BACKEND, else auto;
                        a resumed run defaults to the backend it started on)
  --threads N           threads of the native and wasm engines (default: env FLOW_THREADS, else every core;
                        keep it fixed for bit-for-bit resumes); other backends ignore it
  --json                print {steps, initial_loss, final_loss, backend, seconds, images_per_second, ...}
  --quiet               no progress bar`;

function onOff(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'off' || value === 'false' || value === '0') return false;
  throw new UsageError(`flow train: --${name} expects on or off, got '${value}'`);
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a flow-matching model (resumable run directory)',
  usage,
  optionForField: { memoryLimitBytes: '--memory-limit', ms: '--ms', batch: '--batch', "coupling 'dansm'": '--coupling dansm' },
  async run(argv) {
    const { values } = parseOptions('train', argv, {
      dataset: { type: 'string' },
      model: { type: 'string' },
      preset: { type: 'string' },
      'model-options': { type: 'string' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      coupling: { type: 'string' },
      ms: { type: 'string' },
      'cost-backend': { type: 'string' },
      beta: { type: 'string' },
      reg: { type: 'string' },
      'reg-m': { type: 'string' },
      mass: { type: 'string' },
      pairing: { type: 'string' },
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      'lr-ref-steps': { type: 'string' },
      warmup: { type: 'string' },
      clip: { type: 'string' },
      uncertainty: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'keep-checkpoints': { type: 'string' },
      'log-every': { type: 'string' },
      'ema-every': { type: 'string' },
      'image-size': { type: 'string' },
      limit: { type: 'string' },
      conditional: { type: 'boolean' },
      labels: { type: 'string' },
      'label-dropout': { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      'memory-limit': { type: 'string' },
    });
    const int = (name: string, min = 1) => numberOption('train', name, values[name as keyof typeof values] as string | undefined, { integer: true, min });
    const num = (name: string, min?: number) => numberOption('train', name, values[name as keyof typeof values] as string | undefined, { min });
    const steps = requireOption('train', 'steps', int('steps'));
    const hooks = { progress: !values.quiet, log, memoryLimitBytes: memoryLimitOption('train', values['memory-limit']) };
    let summary: TrainSummary;
    // The engine's name (e.g. native), not tfjs's (wasm), in what we print.
    let engine = '';
    if (values.resume !== undefined) {
      const config = new RunDirectory(values.resume).readConfig();
      const info = await initBackend(values.backend ?? process.env.FLOW_BACKEND ?? config.backend, threadsOption('train', values.threads));
      engine = info.backend;
      log(`flow train: backend ${info.backend} (${info.reason})`);
      summary = await resume(values.resume, steps, hooks, info.backend);
    } else {
      const dataset = requireOption('train', 'dataset', values.dataset);
      const model = requireOption('train', 'model', values.model);
      if (model !== 'mlp' && model !== 'unet-edm2') throw new UsageError(`flow train: --model expects unet-edm2 or mlp, got '${model}'`);
      const out = requireOption('train', 'out', values.out);
      if (new RunDirectory(out).holdsRun()) throw new UsageError(`flow train: --out ${out}: already holds a run; use --resume ${out} to continue it, or choose another folder`);
      const imageSize = int('image-size');
      if (imageSize !== undefined && imageSize !== 28 && imageSize !== 32) throw new UsageError(`flow train: --image-size expects 28 or 32, got ${imageSize}`);
      const beta = num('beta', 0);
      let modelOptions: Record<string, unknown> | undefined;
      if (values['model-options'] !== undefined) {
        try {
          modelOptions = JSON.parse(values['model-options']) as Record<string, unknown>;
        } catch {
          throw new UsageError(`flow train: --model-options expects a JSON object, got '${values['model-options']}'`);
        }
        if (typeof modelOptions !== 'object' || modelOptions === null || Array.isArray(modelOptions)) throw new UsageError('flow train: --model-options expects a JSON object');
      }
      const info = await initBackend(values.backend, threadsOption('train', values.threads));
      engine = info.backend;
      log(`flow train: backend ${info.backend} (${info.reason})`);
      const options: TrainOptions = {
        dataset,
        model,
        preset: values.preset,
        modelOptions,
        hidden: int('hidden'),
        layers: int('layers'),
        coupling: values.coupling,
        ms: int('ms'),
        costBackend: values['cost-backend'],
        couplingOptions: {
          ...(beta !== undefined ? { beta } : {}),
          ...(values.reg !== undefined ? { reg: num('reg', 0) } : {}),
          ...(values['reg-m'] !== undefined ? { regM: num('reg-m', 0) } : {}),
          ...(values.mass !== undefined ? { mass: num('mass', 0) } : {}),
          ...(values.pairing !== undefined ? { pairing: values.pairing } : {}),
        },
        steps,
        batch: int('batch'),
        seed: int('seed', 0),
        lr: num('lr', 0),
        lrRefSteps: int('lr-ref-steps', 0),
        warmup: int('warmup', 0),
        clip: num('clip', 0),
        uncertainty: onOff('uncertainty', values.uncertainty),
        checkpointEvery: int('checkpoint-every'),
        keepCheckpoints: int('keep-checkpoints'),
        logEvery: int('log-every'),
        emaEvery: int('ema-every', 0),
        imageSize: imageSize as 28 | 32 | undefined,
        limit: int('limit'),
        ...(values.conditional ? { conditional: true } : {}),
        ...(values.labels !== undefined ? { labels: values.labels } : {}),
        ...(values['label-dropout'] !== undefined ? { labelDropout: num('label-dropout', 0) } : {}),
        out,
        backendName: info.backend,
      };
      summary = await train(options, hooks);
    }
    log(
      `flow train: ${summary.runDir} at step ${summary.steps} (${summary.stepsThisRun} this run), loss ${summary.initial_loss.toPrecision(4)} -> ` +
        `${summary.final_loss.toPrecision(4)}, ${summary.seconds.toFixed(1)} s, ${summary.images_per_second.toFixed(1)} samples/s on ${engine || summary.backend}`,
    );
    if (values.json) {
      printJson({
        steps: summary.steps,
        initial_loss: summary.initial_loss,
        final_loss: summary.final_loss,
        backend: engine || summary.backend,
        seconds: summary.seconds,
        images_per_second: summary.images_per_second,
        steps_this_run: summary.stepsThisRun,
        start_step: summary.startStep,
        loss_window: summary.window,
        parameters: summary.parameters,
        run_dir: summary.runDir,
        checkpoint: summary.checkpoint,
        coupling: summary.coupling,
      });
    }
    return 0;
  },
};
