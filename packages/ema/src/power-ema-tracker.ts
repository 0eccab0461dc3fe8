import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type NdArray } from '@flow/io';
import { emaUpdate } from './ema-update';
import { EmaInputError } from './errors';
import { powerEmaBeta, sigmaRelToGamma } from './power-function';
import { snapshotFileName, snapshotMetadata, type SnapshotInfo } from './snapshot-layout';

export interface PowerEmaTrackerOptions {
  /** Widths of the tracked EMAs (EDM2 keeps 0.05 and 0.10, the default). */
  sigmaRels?: number[];
  /** Write a snapshot of every EMA each time the step count is a multiple of this (0: never). */
  snapshotEvery?: number;
  /** Snapshot directory; created when needed. Required when `snapshotEvery` > 0. */
  dir?: string;
  /** Tensor shapes by name for the snapshot files; tensors without one are stored 1-D. */
  shapes?: Record<string, number[]>;
  /** Extra string metadata for every snapshot file (a run id, the model's config hash, ...). */
  metadata?: Record<string, string>;
  /**
   * Precision of the running EMAs. `float32` (the default, as EDM2) rounds after every update, which leaves
   * a few 1e-7 of relative noise after long runs; `float64` doubles the memory and keeps them exact.
   */
  precision?: 'float32' | 'float64';
  /** dtype of the snapshot files (default float32). */
  snapshotDtype?: 'float32' | 'float64';
}

type EmaArray = Float32Array | Float64Array;

/** Everything needed to continue tracking bit for bit. Typed arrays are copies. */
export interface PowerEmaTrackerState {
  version: 1;
  step: number;
  sigmaRels: number[];
  names: string[];
  precision: 'float32' | 'float64';
  /** emas[k][name]: the EMA of sigmaRels[k]. */
  emas: Record<string, EmaArray>[];
}

/**
 * The training-side half of EDM2 post-hoc EMA: keeps power-function EMAs of the weights (two by default) and
 * writes each one as a safetensors snapshot every `snapshotEvery` steps (see snapshot-layout for the layout),
 * so that `reconstructEma` can later produce any sigma_rel. Call `update(weights)` once per optimiser step,
 * after the step. The first update copies the weights (beta = 0); update t uses beta = (1 - 1/t)^(gamma + 1).
 */
export class PowerEmaTracker {
  readonly sigmaRels: readonly number[];
  readonly gammas: readonly number[];
  readonly snapshotEvery: number;
  readonly dir: string | undefined;
  private readonly shapes: Record<string, number[]>;
  private readonly extraMetadata: Record<string, string>;
  private names: string[] | null = null;
  readonly precision: 'float32' | 'float64';
  readonly snapshotDtype: 'float32' | 'float64';
  private emas: Record<string, EmaArray>[];
  private stepCount = 0;

  constructor(options: PowerEmaTrackerOptions = {}) {
    const sigmaRels = options.sigmaRels ?? [0.05, 0.1];
    if (sigmaRels.length === 0) throw new EmaInputError('PowerEmaTracker: sigmaRels must not be empty');
    if (new Set(sigmaRels).size !== sigmaRels.length) throw new EmaInputError(`PowerEmaTracker: sigmaRels has duplicates (${sigmaRels.join(', ')})`);
    this.sigmaRels = [...sigmaRels];
    this.gammas = sigmaRels.map((s) => sigmaRelToGamma(s));
    const every = options.snapshotEvery ?? 0;
    if (!Number.isInteger(every) || every < 0) throw new EmaInputError(`PowerEmaTracker: snapshotEvery must be a non-negative integer, got ${every}`);
    if (every > 0 && !options.dir) throw new EmaInputError('PowerEmaTracker: snapshotEvery needs a dir');
    this.snapshotEvery = every;
    this.dir = options.dir;
    this.shapes = { ...(options.shapes ?? {}) };
    this.extraMetadata = { ...(options.metadata ?? {}) };
    this.precision = options.precision ?? 'float32';
    this.snapshotDtype = options.snapshotDtype ?? 'float32';
    if (this.precision !== 'float32' && this.precision !== 'float64') throw new EmaInputError(`PowerEmaTracker: precision must be float32 or float64, got ${String(this.precision)}`);
    if (this.snapshotDtype !== 'float32' && this.snapshotDtype !== 'float64') throw new EmaInputError(`PowerEmaTracker: snapshotDtype must be float32 or float64, got ${String(this.snapshotDtype)}`);
    this.emas = sigmaRels.map(() => ({}));
  }

  private alloc(n: number): EmaArray {
    return this.precision === 'float64' ? new Float64Array(n) : new Float32Array(n);
  }

  /** Number of updates applied so far. */
  get step(): number {
    return this.stepCount;
  }

  /**
   * Applies one update with the current weights; returns the snapshots written at this step (if any).
   * The set of tensor names is fixed by the first call.
   */
  update(weights: Record<string, Float32Array | Float64Array>): SnapshotInfo[] {
    const names = Object.keys(weights);
    if (this.names === null) {
      if (names.length === 0) throw new EmaInputError('PowerEmaTracker.update: no weights given');
      this.names = names;
      for (const ema of this.emas) for (const n of names) ema[n] = this.alloc(weights[n]!.length);
    } else if (names.length !== this.names.length || !this.names.every((n) => n in weights)) {
      throw new EmaInputError(`PowerEmaTracker.update: tensor names changed (expected ${this.names.join(', ')}; got ${names.join(', ')})`);
    }
    for (const n of this.names) {
      if (weights[n]!.length !== this.emas[0]![n]!.length) {
        throw new EmaInputError(`PowerEmaTracker.update: '${n}' has ${weights[n]!.length} values, expected ${this.emas[0]![n]!.length}`);
      }
    }
    const t = this.stepCount + 1;
    this.gammas.forEach((gamma, k) => {
      const beta = powerEmaBeta(t, gamma);
      const ema = this.emas[k]!;
      for (const n of this.names!) emaUpdate(ema[n]!, weights[n]!, beta);
    });
    this.stepCount = t;
    if (this.snapshotEvery > 0 && t % this.snapshotEvery === 0) return this.writeSnapshots();
    return [];
  }

  /** The current EMA of the given sigma_rel (a live view: copy it if you keep it across updates). */
  ema(sigmaRel: number = this.sigmaRels[0]!): Record<string, EmaArray> {
    const k = this.sigmaRels.indexOf(sigmaRel);
    if (k < 0) throw new EmaInputError(`PowerEmaTracker: no EMA with sigma_rel ${sigmaRel} (tracking ${this.sigmaRels.join(', ')})`);
    return this.emas[k]!;
  }

  private tensors(k: number): Record<string, NdArray> {
    const out: Record<string, NdArray> = {};
    for (const n of this.names ?? []) {
      const src = this.emas[k]![n]!;
      const data = this.snapshotDtype === 'float64' ? (src instanceof Float64Array ? src : Float64Array.from(src)) : src instanceof Float32Array ? src : Float32Array.from(src);
      const shape = this.shapes[n] ?? [data.length];
      if (shape.reduce((p, d) => p * d, 1) !== data.length) {
        throw new EmaInputError(`PowerEmaTracker: shape [${shape.join(', ')}] of '${n}' does not hold its ${data.length} values`);
      }
      out[n] = { dtype: this.snapshotDtype, shape, data };
    }
    return out;
  }

  /** Writes every EMA at the current step into `dir` (atomically, one file each). */
  writeSnapshots(dir: string | undefined = this.dir): SnapshotInfo[] {
    if (!dir) throw new EmaInputError('PowerEmaTracker.writeSnapshots: no snapshot directory');
    if (this.stepCount === 0 || this.names === null) throw new EmaInputError('PowerEmaTracker.writeSnapshots: no update yet');
    mkdirSync(dir, { recursive: true });
    return this.sigmaRels.map((sigmaRel, k) => {
      const file = join(dir, snapshotFileName(sigmaRel, this.stepCount));
      const gamma = this.gammas[k]!;
      writeSafetensors(file, this.tensors(k), snapshotMetadata(sigmaRel, gamma, this.stepCount, this.extraMetadata));
      return { file, step: this.stepCount, sigmaRel, gamma };
    });
  }

  getState(): PowerEmaTrackerState {
    return {
      version: 1,
      step: this.stepCount,
      sigmaRels: [...this.sigmaRels],
      names: [...(this.names ?? [])],
      precision: this.precision,
      emas: this.emas.map((ema) => Object.fromEntries(Object.entries(ema).map(([n, a]) => [n, a.slice()]))),
    };
  }

  /** A tracker that continues from `state` exactly; `options` supplies the snapshot settings. */
  static fromState(state: PowerEmaTrackerState, options: Omit<PowerEmaTrackerOptions, 'sigmaRels' | 'precision'> = {}): PowerEmaTracker {
    if (state.version !== 1) throw new EmaInputError(`PowerEmaTracker state: unknown version ${String(state.version)}`);
    const tracker = new PowerEmaTracker({ ...options, sigmaRels: state.sigmaRels, precision: state.precision });
    if (!Number.isInteger(state.step) || state.step < 0) throw new EmaInputError(`PowerEmaTracker state: step must be a non-negative integer, got ${state.step}`);
    if (state.emas.length !== state.sigmaRels.length) throw new EmaInputError('PowerEmaTracker state: one EMA per sigma_rel expected');
    tracker.stepCount = state.step;
    if (state.step > 0) {
      tracker.names = [...state.names];
      tracker.emas = state.emas.map((ema, k) => {
        const copy: Record<string, EmaArray> = {};
        for (const n of state.names) {
          const a = ema[n];
          const want = state.precision === 'float64' ? Float64Array : Float32Array;
          if (!(a instanceof want)) throw new EmaInputError(`PowerEmaTracker state: EMA ${state.sigmaRels[k]} lacks a ${state.precision} tensor '${n}'`);
          copy[n] = a.slice();
        }
        return copy;
      });
    }
    return tracker;
  }

  /** Saves the state as one safetensors file (tensors `ema.<k>.<name>`, settings in the metadata), atomically. */
  saveState(path: string): void {
    const s = this.getState();
    const tensors: Record<string, NdArray> = {};
    s.emas.forEach((ema, k) => {
      for (const n of s.names) tensors[`ema.${k}.${n}`] = { dtype: s.precision, shape: [ema[n]!.length], data: ema[n]! };
    });
    writeSafetensors(path, tensors, {
      format: 'flow-power-ema-state',
      version: '1',
      step: String(s.step),
      sigma_rels: JSON.stringify(s.sigmaRels),
      names: JSON.stringify(s.names),
      precision: s.precision,
    });
  }

  static loadState(path: string, options: Omit<PowerEmaTrackerOptions, 'sigmaRels' | 'precision'> = {}): PowerEmaTracker {
    const { metadata, tensors } = readSafetensors(path);
    if (metadata.format !== 'flow-power-ema-state') throw new EmaInputError(`${path}: not a PowerEmaTracker state file`);
    let sigmaRels: number[];
    let names: string[];
    try {
      sigmaRels = JSON.parse(metadata.sigma_rels ?? '') as number[];
      names = JSON.parse(metadata.names ?? '') as string[];
    } catch {
      throw new EmaInputError(`${path}: metadata 'sigma_rels' / 'names' is not JSON`);
    }
    const precision = metadata.precision === 'float64' ? 'float64' : 'float32';
    const emas = sigmaRels.map((_, k) => {
      const ema: Record<string, EmaArray> = {};
      for (const n of names) {
        const t = tensors[`ema.${k}.${n}`];
        if (!t || t.dtype !== precision) throw new EmaInputError(`${path}: tensor 'ema.${k}.${n}' missing or not ${precision}`);
        ema[n] = t.data as EmaArray;
      }
      return ema;
    });
    return PowerEmaTracker.fromState({ version: 1, step: Number(metadata.step), sigmaRels, names, precision, emas }, options);
  }
}
