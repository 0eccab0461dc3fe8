import { initBackend } from '@flow/runtime';
import { saveBespoke, trainBespoke, type BespokeBase } from '@flow/solvers';
import { loadFlowModel } from '@flow/trainer';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log, printJobJson as printJson } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage: flow bespoke --model M --base euler|midpoint --nfe N --out PARAMS.json [--train-samples K]
                    [--iterations I] [--seed S] [--json]

Trains a Bespoke solver (Shaul et al., ICLR 2024) for model M at exactly N velocity evaluations: RK1-BES
(base euler, N steps, 4N-1 parameters) or RK2-BES (base midpoint, N/2 steps, 4N-1 parameters). Every
iteration draws K fresh noises (seeded), solves them with dopri5 at the solver's current times, and takes
one Adam step (learning rate cosine-decayed to 2%) on the paper's RMSE bound, or with --loss rmse on the
global endpoint RMSE the bound stands in for (gradients through the whole solve; better on small models). The result is what flow solve --solver bespoke:PARAMS.json reads;
it records the base, N, the model identity and these settings.

  --model M            gmm:SPEC.json or a model directory from flow train
  --base B             euler | midpoint
  --nfe N              evaluations of the trained solver (a multiple of 2 for midpoint)
  --out FILE           parameter file (JSON), written atomically
  --train-samples K    fresh noise samples per iteration (default 64)
  --iterations I       Adam iterations (default 200)
  --lr X               peak Adam learning rate (default 5e-2)
  --loss L             bound (the paper's RMSE bound, default) | rmse (global endpoint RMSE)
  --rtol R --atol A    ground-truth dopri5 tolerances (default 1e-4)
  --seed S             noise seed (default 0)
  --backend NAME       auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu
  --json               print {base, nfe, parameters, train_loss, initial_loss, seconds, backend, model, out}`;

export const bespokeCommand: Command = {
  name: 'bespoke',
  summary: 'train a Bespoke solver (RK1/RK2-BES) for a model at a fixed NFE',
  usage,
  outputFiles: ['out'],
  async run(argv) {
    const { values } = parseOptions('bespoke', argv, {
      model: { type: 'string' },
      base: { type: 'string' },
      nfe: { type: 'string' },
      out: { type: 'string' },
      'train-samples': { type: 'string' },
      iterations: { type: 'string' },
      lr: { type: 'string' },
      loss: { type: 'string' },
      rtol: { type: 'string' },
      atol: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    const modelSpec = requireOption('bespoke', 'model', values.model);
    const base = requireOption('bespoke', 'base', values.base);
    if (base !== 'euler' && base !== 'midpoint') throw new UsageError(`flow bespoke: --base expects euler or midpoint, got '${base}'`);
    const nfe = numberOption('bespoke', 'nfe', requireOption('bespoke', 'nfe', values.nfe), { integer: true, min: 1 }) as number;
    if (base === 'midpoint' && nfe % 2 !== 0) throw new UsageError(`flow bespoke: --nfe must be even for --base midpoint (2 evaluations per step), got ${nfe}`);
    const out = requireOption('bespoke', 'out', values.out);
    const batch = numberOption('bespoke', 'train-samples', values['train-samples'], { integer: true, min: 1 }) ?? 64;
    const iterations = numberOption('bespoke', 'iterations', values.iterations, { integer: true, min: 1 }) ?? 200;
    const learningRate = numberOption('bespoke', 'lr', values.lr, { min: 0 }) ?? 5e-2;
    const loss = values.loss ?? 'bound';
    if (loss !== 'bound' && loss !== 'rmse') throw new UsageError(`flow bespoke: --loss expects bound or rmse, got '${loss}'`);
    const rtol = numberOption('bespoke', 'rtol', values.rtol, { min: 0 }) ?? 1e-4;
    const atol = numberOption('bespoke', 'atol', values.atol, { min: 0 }) ?? 1e-4;
    const seed = numberOption('bespoke', 'seed', values.seed, { integer: true, min: 0 }) ?? 0;

    const backend = await initBackend(values.backend);
    const model = await loadFlowModel(modelSpec);
    try {
      const progressEvery = Math.max(1, Math.round(iterations / 20));
      const result = trainBespoke(model.velocity, {
        base: base as BespokeBase,
        nfe,
        shape: model.shape,
        iterations,
        batch,
        learningRate,
        loss,
        seed,
        rtol,
        atol,
        onIteration: ({ iteration, loss, seconds }) => {
          if (!values.json && (iteration % progressEvery === 0 || iteration === iterations - 1)) {
            log(`flow bespoke: iteration ${iteration + 1}/${iterations}  loss ${loss.toExponential(3)}  ${seconds.toFixed(1)} s`);
          }
        },
      });
      saveBespoke(out, result.solver, model.identity, {
        iterations,
        train_samples: batch,
        learning_rate: learningRate,
        schedule: 'cosine',
        loss,
        rtol,
        atol,
        seed,
        initial_loss: result.initialLoss,
        train_loss: result.finalLoss,
        seconds: result.seconds,
        ground_truth_nfe: result.groundTruthNfe,
        backend: backend.backend,
      });
      const summary = {
        base,
        nfe: result.solver.nfe,
        parameters: result.solver.parameterCount,
        train_loss: result.finalLoss,
        initial_loss: result.initialLoss,
        seconds: result.seconds,
        iterations,
        train_samples: batch,
        ground_truth_nfe: result.groundTruthNfe,
        backend: backend.backend,
        model: model.identity,
        out,
      };
      if (values.json) printJson(summary);
      else log(`flow bespoke: ${base === 'euler' ? 'RK1' : 'RK2'}-BES at NFE ${nfe}: loss ${result.initialLoss.toExponential(3)} -> ${result.finalLoss.toExponential(3)} in ${result.seconds.toFixed(1)} s; wrote ${out}`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
