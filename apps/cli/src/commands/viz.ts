import { extname } from 'node:path';
import { readArrayFile, toFloat64, writeFileAtomic } from '@flow/io';
import { greedyAssign, pairCost, solveAssignment } from '@flow/matching';
import { Canvas, scatterChart, scatterSvg } from '@flow/plot';
import { Rng } from '@flow/random';
import { loadDataset } from '@flow/data';
import type { Command } from '../command';
import { numberOption, parseOptions } from '../parse-options';
import { printJson, log } from '../print-json';
import { UsageError } from '../usage-error';
import { countCrossings } from '../viz/count-crossings';
import { embed2d } from '../viz/embed-2d';

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
    const rng = new Rng(seed);

    let x: Float64Array;
    let n: number;
    let dim: number;
    if (values.data) {
      const a = readArrayFile(values.data);
      if (a.shape.length < 2 || a.shape[0] === 0) throw new UsageError(`${values.data}: expected an array of shape (n, ...) with n >= 2, got (${a.shape.join(', ')})`);
      n = Math.min(wanted, a.shape[0]!);
      dim = a.data.length / a.shape[0]!;
      x = toFloat64(a).subarray(0, n * dim);
    } else {
      const ds = loadDataset(values.dataset!);
      n = ds.size === null ? wanted : Math.min(wanted, ds.size);
      dim = ds.dim;
      x = Float64Array.from(ds.sampler(rng.fork(1)).draw(n));
    }
    let z: Float64Array;
    if (values.noise) {
      const a = readArrayFile(values.noise);
      if (a.data.length / (a.shape[0] ?? 1) !== dim || (a.shape[0] ?? 0) < n) throw new UsageError(`${values.noise}: expected at least ${n} noise rows of ${dim} values, got shape (${a.shape.join(', ')})`);
      z = toFloat64(a).subarray(0, n * dim);
    } else {
      z = rng.fork(2).fillNormal(new Float64Array(n * dim));
    }

    const { cost } = await pairCost(x, z, n, n, dim, { precision: 'float64' });
    let perm: Int32Array;
    if (solver === 'exact') perm = solveAssignment(cost, n).rowToCol;
    else perm = greedyAssign(cost, n, n, new Uint8Array(n));
    let before = 0;
    let after = 0;
    for (let i = 0; i < n; i++) {
      before += cost[i * n + i]!;
      after += cost[i * n + perm[i]!]!;
    }

    log(`flow viz pairs: embedding ${2 * n} rows of ${dim} values${dim === 2 ? ' (as they are)' : ' with t-SNE'}`);
    const both = new Float64Array(2 * n * dim);
    both.set(x, 0);
    both.set(z, n * dim);
    const xy = embed2d(both, 2 * n, dim, { seed, perplexity, iterations });
    const dataXY = xy.subarray(0, 2 * n);
    const noiseXY = xy.subarray(2 * n);
    const pairedNoise = (p: (i: number) => number) => {
      const o = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        o[2 * i] = noiseXY[2 * p(i)]!;
        o[2 * i + 1] = noiseXY[2 * p(i) + 1]!;
      }
      return o;
    };
    const panels = [
      { title: 'random pairs', noise: pairedNoise((i) => i), cost: before / n },
      { title: `${solver === 'exact' ? 'optimal' : 'DANSM greedy'} pairs`, noise: pairedNoise((i) => perm[i]!), cost: after / n },
    ].map((p) => ({ ...p, crossings: countCrossings(p.noise, dataXY, n) }));

    const spec = (p: (typeof panels)[number]) => {
      const lines = new Float64Array(4 * n);
      for (let i = 0; i < n; i++) lines.set([p.noise[2 * i]!, p.noise[2 * i + 1]!, dataXY[2 * i]!, dataXY[2 * i + 1]!], 4 * i);
      return {
        series: [
          { name: 'noise', points: p.noise, color: [120, 120, 120] as const, radius: 2 },
          { name: 'data', points: dataXY, color: [0, 114, 178] as const, radius: 2.5 },
        ],
        paths: [{ points: lines, count: n, length: 2, color: [213, 94, 0, 110] as const }],
        title: `${p.title}: ${p.crossings} crossings, mean |x-z|^2 ${p.cost.toPrecision(4)}`,
        hideTicks: dim !== 2,
        width: 600,
        height: 600,
      };
    };
    if (extname(out).toLowerCase() === '.png') {
      const canvas = new Canvas(1200, 600);
      panels.forEach((p, k) => {
        const c = scatterChart(spec(p));
        canvas.blit(k * 600, 0, 600, 600, c.pixels);
      });
      canvas.writePng(out);
    } else {
      const inner = panels.map((p, k) => scatterSvg(spec(p)).replace('<svg ', `<svg x="${k * 600}" y="0" `));
      writeFileAtomic(out, `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="600">\n${inner.join('\n')}\n</svg>\n`);
    }
    const summary = {
      n,
      dim,
      solver,
      embedding: dim === 2 ? 'identity' : 'tsne',
      crossings_before: panels[0]!.crossings,
      crossings_after: panels[1]!.crossings,
      mean_sq_path_before: panels[0]!.cost,
      mean_sq_path_after: panels[1]!.cost,
      out,
    };
    if (values.json) printJson(summary);
    else log(`wrote ${out}: crossings ${summary.crossings_before} -> ${summary.crossings_after}, mean |x-z|^2 ${summary.mean_sq_path_before.toPrecision(4)} -> ${summary.mean_sq_path_after.toPrecision(4)}`);
    return 0;
  },
};
