import { extname } from 'node:path';
import { vizPairs } from '@flow/demo';
import type { Command } from '../command';
import { numberOption, parseOptions } from '../parse-options';
import { printJson, log } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `flow viz pairs (--data X.npy | --dataset NAME) --out FILE.png|FILE.svg [options]

The DANSM paper's picture: noise-sample pairs of one batch, before matching (random pairs) and after
(each sample with its matched noise), with a line per pair. Data and noise rows are embedded together in
2-D (the rows themselves for 2-D data, else t-SNE from druid.js, seeded), and the crossings of the pair
lines are counted in each panel.

  --data X.npy          data rows (n, ...), flattened; or
  --dataset NAME        a built-in dataset (two-mode-2d, mnist, ...) or a .npy / PNG folder
  --noise Z.npy         noise rows of the same shape (default: standard normal, seeded)
  --count N             pairs to show (default 128; t-SNE is O(n^2))
  --solver exact|greedy matching rule (default exact)
  --perplexity P        t-SNE perplexity (default 30)
  --iterations I        t-SNE iterations (default 500)
  --seed N              seed for noise, data order and t-SNE (default 0)
  --out FILE            .png or .svg
  --json                print a JSON summary`;

export const vizCommand: Command = {
  name: 'viz',
  summary: 'pictures: `viz pairs` shows noise-sample pairs before and after matching',
  usage,
  outputFiles: ['out'],
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'pairs') throw new UsageError(`flow viz: expected the subcommand 'pairs', got ${sub === undefined ? 'nothing' : `'${sub}'`}`);
    const { values } = parseOptions('viz pairs', rest, {
      data: { type: 'string' },
      dataset: { type: 'string' },
      noise: { type: 'string' },
      count: { type: 'string' },
      solver: { type: 'string' },
      perplexity: { type: 'string' },
      iterations: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    const out = values.out;
    if (!out || !['.png', '.svg'].includes(extname(out).toLowerCase())) throw new UsageError('flow viz pairs: --out must name a .png or .svg file');
    if (!values.data === !values.dataset) throw new UsageError('flow viz pairs: give exactly one of --data X.npy or --dataset NAME');
    const solver = values.solver ?? 'exact';
    if (solver !== 'exact' && solver !== 'greedy') throw new UsageError(`flow viz pairs: --solver must be exact or greedy, got '${solver}'`);
    const seed = numberOption('viz pairs', 'seed', values.seed, { integer: true }) ?? 0;
    const wanted = numberOption('viz pairs', 'count', values.count, { integer: true, min: 2, max: 2000 }) ?? 128;
    const perplexity = numberOption('viz pairs', 'perplexity', values.perplexity, { min: 1 }) ?? 30;
    const iterations = numberOption('viz pairs', 'iterations', values.iterations, { integer: true, min: 10 }) ?? 500;
    const summary = await vizPairs({
      ...(values.data ? { data: values.data } : { dataset: values.dataset! }),
      ...(values.noise ? { noise: values.noise } : {}),
      count: wanted,
      solver,
      perplexity,
      iterations,
      seed,
      out,
      log: (message) => log(`flow viz pairs: ${message}`),
    });
    if (values.json) printJson({ ...summary });
    else log(`wrote ${out}: crossings ${summary.crossings_before} -> ${summary.crossings_after}, mean |x-z|^2 ${summary.mean_sq_path_before.toPrecision(4)} -> ${summary.mean_sq_path_after.toPrecision(4)}`);
    return 0;
  },
};
