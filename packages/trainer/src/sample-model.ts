import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { overBudget, writeNpy } from '@flow/io';
import { imageGrid, scatterChart } from '@flow/plot';
import { fillRowNormals } from '@flow/random';
import { solve, type SolverName, type VelocityField } from '@flow/solvers';
import { checkClassChoice, rowClasses, type ClassChoice } from './class-choice';
import type { ConditionalVelocity } from './conditional-velocity';
import { TrainerInputError } from './errors';
import { guidedVelocity } from './guided-velocity';
import type { LoadedVelocityModel } from './load-velocity-model';

/**
 * A solver that is not one of @flow/solvers' built-ins (e.g. a Bespoke solver): integrates from x0 at
 * t = 0 to t = 1 and reports the evaluations it made.
 */
export type CustomSolver = (velocity: VelocityField, x0: tf.Tensor) => { x: tf.Tensor; nfe: number };

export interface SampleOptions {
  /** A built-in solver name, or a custom solver function. */
  solver: SolverName | CustomSolver;
  /** Fixed-step solvers: total velocity evaluations. */
  nfe?: number;
  rtol?: number;
  atol?: number;
  count: number;
  seed?: number;
  /**
   * Index of the first row: draws rows [firstRow, firstRow + count) of the noise matrix (default 0). Each row's
   * noise comes from a stream keyed by its index, so shards of one seed concatenate to the single-process output.
   */
  firstRow?: number;
  /** Samples integrated at once (default 256 for images, all for points). */
  batchSize?: number;
  /** Memory budget in bytes for the samples and one batch's solver state (default: what the machine has available). */
  memoryLimitBytes?: number;
  /**
   * Class-conditional models: the class of every row, or `all` (row i, counted from row 0 of the noise
   * matrix, gets class i mod classes: equal numbers per class when the count is a multiple of it). Absent:
   * the model's unconditional branch.
   */
  class?: ClassChoice;
  /** Classifier-free guidance weight W (needs `class`): v = v_uncond + W (v_cond - v_uncond). Default 1. */
  guidance?: number;
}

/** float32 copies of one batch alive while it is integrated: noise, state, up to 7 solver stages, the result. */
const BATCH_COPIES = 12;

/** What sampling needs of a model: a trained run (`loadVelocityModel`) or any velocity field with a shape. */
export type SamplableModel = Pick<LoadedVelocityModel, 'velocity' | 'dim' | 'shape' | 'kind' | 'normalization'> & { conditional?: ConditionalVelocity };

export interface SampleResult {
  /** Samples in data space (normalisation undone), count x ...shape, C order. */
  samples: Float32Array;
  shape: number[];
  /** Velocity evaluations per sample path (what a solve of one batch made). */
  nfe: number;
  seconds: number;
  /** The class of each row, when sampled with `class`. */
  labels?: Int32Array;
}

/**
 * Draws x0 ~ N(0, I) (seeded, one stream per row index) and integrates it to t = 1 with the given solver,
 * batch by batch.
 */
export async function sampleModel(model: SamplableModel, options: SampleOptions): Promise<SampleResult> {
  const { count } = options;
  if (!Number.isInteger(count) || count < 1) throw TrainerInputError.field('count', `must be a positive integer, got ${count}`);
  const firstRow = options.firstRow ?? 0;
  if (!Number.isInteger(firstRow) || firstRow < 0) throw TrainerInputError.field('firstRow', `must be a non-negative integer, got ${firstRow}`);
  const seed = options.seed ?? 0;
  const choice = options.class;
  if (choice !== undefined) checkClassChoice(choice, model.conditional?.classes);
  else if (options.guidance !== undefined) throw TrainerInputError.field('guidance', `${options.guidance}: guidance needs a class to guide towards (set class)`);
  const guidance = options.guidance ?? 1;
  if (!Number.isFinite(guidance)) throw TrainerInputError.field('guidance', `must be a finite number, got ${guidance}`);
  const conditional = choice !== undefined ? model.conditional! : null;
  const labels = conditional ? rowClasses(choice!, conditional.classes, firstRow, count) : undefined;
  const dim = model.dim;
  const batchSize = options.batchSize ?? (model.kind === 'image' ? 256 : count);
  // The samples plus one batch in flight, checked before anything is allocated.
  const over = overBudget({
    label: 'sampling',
    field: 'count',
    value: count,
    bytes: (c) => 4 * dim * (c + BATCH_COPIES * Math.min(batchSize, c)),
    elements: (c) => c * dim,
    remedies: options.batchSize === undefined && model.kind === 'image' ? [] : ['lower batchSize'],
    memoryLimitBytes: options.memoryLimitBytes,
  });
  if (over) throw new TrainerInputError(over.message);
  const out = new Float32Array(count * dim);
  const { scale, shift } = model.normalization;
  const started = process.hrtime.bigint();
  let nfe = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const noise = fillRowNormals(new Float32Array(n * dim), seed, firstRow + start, dim);
    const x0 = tf.tensor(noise, [n, ...model.shape], 'float32');
    const rows = labels?.subarray(start, start + n);
    const velocity = conditional && rows ? guidedVelocity(conditional, () => rows, guidance) : model.velocity;
    let x: tf.Tensor;
    if (typeof options.solver === 'function') {
      const r = options.solver(velocity, x0);
      x = r.x;
      nfe = r.nfe;
    } else {
      const method = options.solver;
      const r =
        method === 'dopri5'
          ? solve(velocity, x0, { method, rtol: options.rtol, atol: options.atol })
          : solve(velocity, x0, { method, nfe: options.nfe });
      x = r.x;
      nfe = r.nfe;
    }
    const values = (await x.data()) as Float32Array; // never dataSync: webgpu in Node cannot read synchronously
    for (let i = 0; i < values.length; i++) out[start * dim + i] = values[i] / scale + shift;
    x.dispose();
    x0.dispose();
  }
  return { samples: out, shape: [count, ...model.shape], nfe, seconds: Number(process.hrtime.bigint() - started) / 1e9, ...(labels ? { labels } : {}) };
}

/**
 * Writes samples: `.npy` (float32, data space) or `.png` (an image grid for images, a scatter plot for
 * 2-D points). Both atomic.
 */
export function writeSamples(file: string, result: SampleResult, kind: 'points' | 'image', title?: string): void {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') {
    writeNpy(file, { dtype: 'float32', shape: result.shape, data: result.samples });
    return;
  }
  if (ext !== '.png') throw new TrainerInputError(`${file}: expected a .npy or .png file`);
  const count = result.shape[0];
  if (kind === 'image') {
    const [h, w, c] = result.shape.slice(1);
    if (c !== 1 && c !== 3) throw new TrainerInputError(`${file}: PNG grids need 1 or 3 channels, the samples have ${c}`);
    imageGrid({ images: result.samples, count, height: h, width: w, channels: c as 1 | 3, scale: 2, ...(title ? { title } : {}) }).writePng(file);
    return;
  }
  const dim = result.shape.slice(1).reduce((a, b) => a * b, 1);
  if (dim !== 2) throw new TrainerInputError(`${file}: a scatter plot needs 2-D points, the samples have ${dim} features (write .npy instead)`);
  scatterChart({ series: [{ name: 'samples', points: result.samples, radius: 1.5 }], equalAspect: true, ...(title ? { title } : {}) }).writePng(file);
}
