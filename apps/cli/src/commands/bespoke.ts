import { initBackend } from '@flow/runtime';
import { saveBespoke, trainBespoke, type BespokeBase } from '@flow/solvers';
import { guidedFlowModel, loadFlowModel } from '@flow/trainer';
import { classChoiceOption } from '../class-choice-option';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log, printJobJson as printJson } from '../print-json';
import { UsageError } from '../usage-error';
import { bespokeReport } from '../bespoke-report';

const usage = `usage: flow bespoke --model M --base euler|midpoint --nfe N --out PARAMS.json [--train-samples K]
                    [--iterations I] [--seed S] [--json]

Trains a Bespoke solver (Shaul et al., ICLR 2024) for model M at exactly N velocity evaluations: RK1-BES
(base euler, N steps, 4N-1 parameters) or RK2-BES (base midpoint, N/2 steps, 4N-1 parameters). Three fixed,
seeded noise sets are drawn and solved once with dopri5: training (reused every iteration), validation
(early stopping; the best iterate is kept) and test (only measured). Training starts exactly at the base
solver, minimises the paper's RMSE bound, then the endpoint RMSE (--loss auto), with L-BFGS. If the result
is not better than the base solver on validation and test noise, the base solver itself is written.
It reports the test RMSE next to the base solver's at N and 2N evaluations and warns when it does not reach
the base at 2N. The result is what flow solve --solver bespoke:PARAMS.json reads; it records the base, N,
the model identity and these settings.

  --model M            gmm:SPEC.json or a model directory from flow train
  --base B             euler | midpoint
  --nfe N              evaluations of the trained solver (a multiple of 2 for midpoint)
  --out FILE           parameter file (JSON), written atomically
  --train-samples K    training noises, one fixed set (default 256)
  --val-samples K      validation noises (default 256)
  --test-samples K     held-out test noises (default 256)
  --iterations I       most iterations per loss phase (default 200)
  --patience P         iterations without a better validation RMSE before a phase stops (default 40)
  --loss L             auto (bound, then rmse; default) | bound (the paper's RMSE bound) | rmse (endpoint RMSE)
  --optimizer O        lbfgs (default) | adam
  --lr X               Adam step size (default 1e-2)
  --rtol R --atol A    ground-truth dopri5 tolerances (default 1e-5)
  --seed S             noise seed (default 0)
  --class K|all        class-conditional models: train for the guided field of class K, or 'all' (row i of
                       each noise set gets class i mod classes); flow sample --class K --guidance W
                       --solver bespoke:FILE uses it (the file records class and weight in its identity)
  --guidance W         classifier-free guidance weight of that field (default 1; see flow sample)
  --backend NAME       auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu
  --json               print {base, nfe, parameters, train_loss, initial_loss, heldout_rmse, base_rmse_n,
                       base_rmse_2n, meets_base_2n, kept_base, warning, validation_rmse, ..., seconds, out}`;

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
      'val-samples': { type: 'string' },
      'test-samples': { type: 'string' },
      iterations: { type: 'string' },
      patience: { type: 'string' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      loss: { type: 'string' },
      rtol: { type: 'string' },
      atol: { type: 'string' },
      seed: { type: 'string' },
      class: { type: 'string' },
      guidance: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    const modelSpec = requireOption('bespoke', 'model', values.model);
    const base = requireOption('bespoke', 'base', values.base);
    if (base !== 'euler' && base !== 'midpoint') throw new UsageError(`flow bespoke: --base expects euler or midpoint, got '${base}'`);
    const nfe = numberOption('bespoke', 'nfe', requireOption('bespoke', 'nfe', values.nfe), { integer: true, min: 1 }) as number;
    if (base === 'midpoint' && nfe % 2 !== 0) throw new UsageError(`flow bespoke: --nfe must be even for --base midpoint (2 evaluations per step), got ${nfe}`);
    const out = requireOption('bespoke', 'out', values.out);
    const batch = numberOption('bespoke', 'train-samples', values['train-samples'], { integer: true, min: 1 }) ?? 256;
    const validationSamples = numberOption('bespoke', 'val-samples', values['val-samples'], { integer: true, min: 1 }) ?? 256;
    const testSamples = numberOption('bespoke', 'test-samples', values['test-samples'], { integer: true, min: 1 }) ?? 256;
    const iterations = numberOption('bespoke', 'iterations', values.iterations, { integer: true, min: 0 }) ?? 200;
    const patience = numberOption('bespoke', 'patience', values.patience, { integer: true, min: 1 }) ?? 40;
    const optimizer = values.optimizer ?? 'lbfgs';
    if (optimizer !== 'lbfgs' && optimizer !== 'adam') throw new UsageError(`flow bespoke: --optimizer expects lbfgs or adam, got '${optimizer}'`);
    const learningRate = numberOption('bespoke', 'lr', values.lr, { min: 0 }) ?? 1e-2;
    const loss = values.loss ?? 'auto';
    if (loss !== 'auto' && loss !== 'bound' && loss !== 'rmse') throw new UsageError(`flow bespoke: --loss expects auto, bound or rmse, got '${loss}'`);
    const rtol = numberOption('bespoke', 'rtol', values.rtol, { min: 0 }) ?? 1e-5;
    const atol = numberOption('bespoke', 'atol', values.atol, { min: 0 }) ?? 1e-5;
    const seed = numberOption('bespoke', 'seed', values.seed, { integer: true, min: 0 }) ?? 0;
    const choice = classChoiceOption('bespoke', values.class);
    const guidance = numberOption('bespoke', 'guidance', values.guidance);
    if (choice === undefined && guidance !== undefined) throw new UsageError('flow bespoke: --guidance needs --class K|all (the class to guide towards)');

    const backend = await initBackend(values.backend);
    const loaded = await loadFlowModel(modelSpec);
    let model = loaded;
    try {
      if (choice !== undefined) model = guidedFlowModel(loaded, choice, guidance ?? 1);
    } catch (error) {
      loaded.dispose();
      throw error;
    }
    try {
      let lastPhase = '';
      const result = trainBespoke(model.velocity, {
        base: base as BespokeBase,
        nfe,
        shape: model.shape,
        iterations,
        batch,
        validationSamples,
        testSamples,
        patience,
        optimizer,
        learningRate,
        loss,
        seed,
        rtol,
        atol,
        onIteration: ({ phase, iteration, loss: value, validationRmse, seconds }) => {
          if (values.json) return;
          if (phase !== lastPhase || iteration % 10 === 0) {
            log(`flow bespoke: ${phase} iteration ${iteration + 1}  loss ${value.toExponential(3)}  validation RMSE ${validationRmse.toExponential(3)}  ${seconds.toFixed(1)} s`);
          }
          lastPhase = phase;
        },
      });
      const report = bespokeReport(result, base as BespokeBase, nfe);
      saveBespoke(out, result.solver, model.identity, {
        loss,
        optimizer,
        iterations,
        patience,
        train_samples: batch,
        val_samples: validationSamples,
        test_samples: testSamples,
        learning_rate: learningRate,
        rtol,
        atol,
        seed,
        initial_loss: result.initialLoss,
        train_loss: result.finalLoss,
        validation_rmse: result.validationRmse,
        heldout_rmse: result.heldOut.rmse,
        base_rmse_n: result.heldOut.baseRmseN,
        base_rmse_2n: result.heldOut.baseRmse2n,
        meets_base_2n: result.meetsBase2n,
        kept_base: result.keptInitial,
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
        heldout_rmse: result.heldOut.rmse,
        base_rmse_n: result.heldOut.baseRmseN,
        base_rmse_2n: result.heldOut.baseRmse2n,
        heldout_samples: result.heldOut.samples,
        meets_base_2n: result.meetsBase2n,
        kept_base: result.keptInitial,
        warning: report.warning,
        validation_rmse: result.validationRmse,
        validation_base_rmse: result.validationBaseRmse,
        phases: result.phases.map((q) => ({ loss: q.loss, iterations: q.iterations, best_validation_rmse: q.bestValidationRmse })),
        seconds: result.seconds,
        iterations,
        train_samples: batch,
        ground_truth_nfe: result.groundTruthNfe,
        backend: backend.backend,
        model: model.identity,
        out,
      };
      if (values.json) printJson(summary);
      else {
        log(report.line);
        if (report.warning) log(`flow bespoke: warning: ${report.warning}`);
        log(`flow bespoke: wrote ${out}`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
