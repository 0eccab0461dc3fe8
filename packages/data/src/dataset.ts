import type { NdArray } from '@flow/io';
import type { DataSampler } from '@flow/matching';
import type { Rng } from '@flow/random';

/** Serialisable state of a data sampler: JSON metadata plus arrays (stored in checkpoints). */
export interface SamplerState {
  meta: Record<string, unknown>;
  arrays: Record<string, NdArray>;
}

/**
 * `@flow/matching`'s data stream (what a coupling draws rows from) whose position can be saved and restored:
 * `draw(count)` returns `count` rows of `dim` floats (model space, C order) and advances a state that
 * `getState`/`setState` capture exactly, so a resumed run draws the same rows.
 */
export interface ResumableSampler extends DataSampler {
  readonly dim: number;
  getState(): SamplerState;
  setState(state: SamplerState): void;
  /**
   * Labelled datasets only: the class labels of the next `count` rows handed out by `draw`, oldest first.
   * Rows are queued as they are drawn, so a coupling that buffers rows (a scope of `ot`) and serves them in
   * draw order gets each row's own label; the queue is part of the sampler's state.
   */
  takeLabels?(count: number): Int32Array;
}

/** The class labels of a labelled dataset: one integer in [0, classes) per row. */
export interface DatasetLabels {
  values: Int32Array;
  classes: number;
  /** Class names in label order (PNG sub-folder names), when known. */
  names?: string[];
}

/**
 * Affine map between the dataset's own coordinates ("data space") and the space the model is trained in:
 * model = (data - shift) * scale. Samples are mapped back with data = model / scale + shift.
 */
export interface Normalization {
  scale: number;
  shift: number;
}

export interface Dataset {
  /** Built-in name or the path it was loaded from. */
  readonly name: string;
  /** Shape of one sample: [2] for 2-D toys, [H, W, C] for images. */
  readonly shape: number[];
  readonly dim: number;
  /** Number of distinct samples, or null for an infinite generator (the 2-D toys). */
  readonly size: number | null;
  readonly normalization: Normalization;
  /** Whether samples are images (the PNG output of `flow sample` draws a grid instead of a scatter plot). */
  readonly kind: 'points' | 'image';
  /** Number of classes when the dataset was loaded with its labels (its samplers then have `takeLabels`). */
  readonly classes?: number;
  /** Class names in label order, when known (PNG sub-folders). */
  readonly classNames?: string[];
  /** A fresh sampler whose randomness (data order, or the generator's draws) comes from `rng`. */
  sampler(rng: Rng): ResumableSampler;
}
