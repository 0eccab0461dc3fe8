import { runDemo } from '@flow/demo';
import { initBackend } from '@flow/runtime';
import type { Command } from '../command';
import { numberOption, parseOptions } from '../parse-options';
import { log, printJobJson as printJson } from '../print-json';

const usage = `usage: flow demo [--quick] [--entropic] [--out DIR] [--seed N] [--backend B] [--jobs N] [--json]

The main job on built-in data, on a CPU, in minutes. Trains small MLP flow models on two-mode-2d and on
MNIST (in the space of its top principal components, whitened) with four couplings (independent, dansm greedy,
ot exact, encoder), plus entropic OT (sinkhorn, a permutation drawn from its plan) on two-mode-2d, samples each with
Euler, Heun and a Bespoke RK2 solver at NFE 2, 4, 8 (from the same noises), measures curvature (Lee et al.),
FID (MNIST: the built-in extractor; 2-D: raw coordinates against fresh data) and the distance to a dopri5
solve, and writes a report directory: README.md with the tables, PNG sample grids and scatter plots,
2-D trajectories, FID and RMSE vs NFE, and \`flow viz pairs\` pictures.

  --quick        a smoke version of every stage (well under a minute)
  --entropic     also train the unbalanced and partial entropic OT couplings on two-mode-2d (reg 0.05,
                 regM 1, mass 0.9; partial is the slowest coupling to train)
  --out DIR      report directory (default reports/demo); runs and checkpoints go to DIR/work/
  --seed N       seeds data order, initialisation, noise and Bespoke training (default 0)
  --backend B    auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu (default: env FLOW_BACKEND, else auto)
  --jobs N       trainings at once in worker processes (default 2; tfjs-wasm uses one core each)
  --json         print one JSON summary object on stdout
  --quiet        no progress bars

Rerunning resumes: every finished stage's result is on disk and is reused; an interrupted training resumes
from its last checkpoint.`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job: train, sample and measure flows on built-in data; writes a report',
  usage,
  async run(argv) {
    const { values } = parseOptions('demo', argv, {
      quick: { type: 'boolean' },
      entropic: { type: 'boolean' },
      out: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      jobs: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    const seed = numberOption('demo', 'seed', values.seed, { integer: true, min: 0 }) ?? 0;
    const jobs = numberOption('demo', 'jobs', values.jobs, { integer: true, min: 1, max: 16 });
    const info = await initBackend(values.backend ?? process.env.FLOW_BACKEND);
    log(`flow demo: backend ${info.backend} (${info.reason})`);
    const summary = await runDemo({
      out: values.out ?? 'reports/demo',
      quick: Boolean(values.quick),
      entropic: Boolean(values.entropic),
      seed,
      backend: info.backend,
      ...(jobs !== undefined ? { jobs } : {}),
      progress: !values.quiet,
    });
    if (values.json) {
      const datasets: Record<string, Record<string, unknown>> = {};
      for (const r of summary.results) {
        datasets[r.dataset] ??= {};
        datasets[r.dataset]![r.coupling] = {
          final_loss: r.train.final_loss,
          curvature: r.eval.curvature,
          straightness: r.eval.straightness,
          train_seconds: r.train.seconds,
          backend: r.train.backend,
          dopri5: r.eval.reference,
          solvers: r.eval.solvers,
          reused: r.skipped,
        };
      }
      printJson({
        out: summary.out,
        report: `${summary.out}/README.md`,
        plan: summary.plan,
        seed: summary.seed,
        backend: summary.backend,
        seconds: summary.seconds,
        jobs: summary.jobs,
        checks: summary.checks,
        datasets,
        pairs: summary.pairs,
        stages: summary.stages,
        files: summary.files,
      });
    }
    return 0;
  },
};
