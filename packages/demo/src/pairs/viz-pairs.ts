import { extname } from 'node:path';
import { readArrayFile, toFloat64, writeFileAtomic } from '@flow/io';
import { greedyAssign, pairCost, solveAssignment } from '@flow/matching';
import { Canvas, scatterChart, scatterSvg } from '@flow/plot';
import { Rng } from '@flow/random';
import { loadDataset } from '@flow/data';
import { DemoInputError } from '../errors';
import { countCrossings } from './count-crossings';
import { embed2d } from './embed-2d';

export interface VizPairsOptions {
  /** Data rows (n, ...) from a `.npy`/`.npz` file, flattened; give this or `dataset`. */
  data?: string;
  /** A built-in dataset (two-mode-2d, mnist, ...) or a `.npy` / PNG folder, as the trainer reads it. */
  dataset?: string;
  /** Noise rows of the same shape (default: standard normal, seeded). */
  noise?: string;
  /** Pairs to show (default 128; t-SNE is O(n^2)). */
  count?: number;
  /** Matching rule (default exact). */
  solver?: 'exact' | 'greedy';
  /** t-SNE perplexity (default 30) and iterations (default 500). */
  perplexity?: number;
  iterations?: number;
  /** Seeds noise, data order and t-SNE (default 0). */
  seed?: number;
  /** The picture: `.png` or `.svg`. */
  out: string;
  /** Progress lines (default: none). */
  log?: (message: string) => void;
}

export interface VizPairsSummary {
  n: number;
  dim: number;
  solver: 'exact' | 'greedy';
  embedding: 'identity' | 'tsne';
  crossings_before: number;
  crossings_after: number;
  mean_sq_path_before: number;
  mean_sq_path_after: number;
  out: string;
}

/**
 * The DANSM paper's picture: noise-sample pairs of one batch, before matching (random pairs) and after (each
 * sample with its matched noise), a line per pair. Data and noise rows are embedded together in 2-D (the rows
 * themselves for 2-D data, else seeded t-SNE) and the crossings of the pair lines are counted in each panel.
 */
export async function vizPairs(options: VizPairsOptions): Promise<VizPairsSummary> {
  const { out } = options;
  const format = extname(out).toLowerCase();
  if (format !== '.png' && format !== '.svg') throw new DemoInputError(`out: expected a .png or .svg file, got '${out}'`);
  if (!options.data === !options.dataset) throw new DemoInputError('give exactly one of data (a .npy file) or dataset (a name)');
  const solver = options.solver ?? 'exact';
  const seed = options.seed ?? 0;
  const wanted = options.count ?? 128;
  const perplexity = options.perplexity ?? 30;
  const iterations = options.iterations ?? 500;
  const rng = new Rng(seed);

  let x: Float64Array;
  let n: number;
  let dim: number;
  if (options.data) {
    const a = readArrayFile(options.data);
    if (a.shape.length < 2 || a.shape[0] === 0) throw new DemoInputError(`${options.data}: expected an array of shape (n, ...) with n >= 2, got (${a.shape.join(', ')})`);
    n = Math.min(wanted, a.shape[0]!);
    dim = a.data.length / a.shape[0]!;
    x = toFloat64(a).subarray(0, n * dim);
  } else {
    const ds = loadDataset(options.dataset!);
    n = ds.size === null ? wanted : Math.min(wanted, ds.size);
    dim = ds.dim;
    x = Float64Array.from(ds.sampler(rng.fork(1)).draw(n));
  }
  let z: Float64Array;
  if (options.noise) {
    const a = readArrayFile(options.noise);
    if (a.data.length / (a.shape[0] ?? 1) !== dim || (a.shape[0] ?? 0) < n) throw new DemoInputError(`${options.noise}: expected at least ${n} noise rows of ${dim} values, got shape (${a.shape.join(', ')})`);
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

  options.log?.(`embedding ${2 * n} rows of ${dim} values${dim === 2 ? ' (as they are)' : ' with t-SNE'}`);
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
  if (format === '.png') {
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
  return {
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
}
