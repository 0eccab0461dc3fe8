import { Rng, type RngState } from '@flow/random';
import type { ResumableSampler, SamplerState } from './dataset';

/**
 * Draws rows of a finite dataset in shuffled epochs (without replacement inside an epoch), the order
 * coming from `rng`. The state is the rng state, the current epoch's permutation and the position in it.
 * With `labels` (one per row), the labels of drawn rows wait in a queue until `takeLabels` hands them out.
 */
export class ArraySampler implements ResumableSampler {
  readonly dim: number;
  /** Distinct rows (what `@flow/matching`'s `ot` coupling checks its scope against). */
  readonly size: number;
  private readonly rows: number;
  private perm: Int32Array | null = null;
  private pos = 0;
  private epoch = 0;
  private pending: number[] = [];
  readonly takeLabels?: (count: number) => Int32Array;

  constructor(
    private readonly data: Float32Array,
    dim: number,
    private rng: Rng,
    private readonly labels?: Int32Array,
  ) {
    this.dim = dim;
    this.rows = data.length / dim;
    this.size = this.rows;
    if (!Number.isInteger(this.rows) || this.rows < 1) throw new RangeError(`ArraySampler: ${data.length} values do not make rows of ${dim}`);
    if (labels) {
      if (labels.length !== this.rows) throw new RangeError(`ArraySampler: ${labels.length} labels for ${this.rows} rows`);
      this.takeLabels = (count) => {
        if (count > this.pending.length) throw new RangeError(`ArraySampler: ${count} labels asked for, ${this.pending.length} rows drawn and not yet labelled`);
        return Int32Array.from(this.pending.splice(0, count));
      };
    }
  }

  draw(count: number): Float32Array {
    const out = new Float32Array(count * this.dim);
    for (let k = 0; k < count; k++) {
      if (this.perm === null || this.pos >= this.rows) {
        this.perm = this.rng.permutation(this.rows);
        this.pos = 0;
        this.epoch++;
      }
      const row = this.perm[this.pos++];
      out.set(this.data.subarray(row * this.dim, (row + 1) * this.dim), k * this.dim);
      if (this.labels) this.pending.push(this.labels[row]!);
    }
    return out;
  }

  getState(): SamplerState {
    const arrays: SamplerState['arrays'] = {};
    if (this.perm) arrays.perm = { dtype: 'int32', shape: [this.perm.length], data: this.perm.slice() };
    if (this.labels) arrays.pendingLabels = { dtype: 'int32', shape: [this.pending.length], data: Int32Array.from(this.pending) };
    return { meta: { kind: 'array', rows: this.rows, pos: this.pos, epoch: this.epoch, rng: this.rng.getState() }, arrays };
  }

  setState(state: SamplerState): void {
    const meta = state.meta as { kind?: string; rows?: number; pos?: number; epoch?: number; rng?: RngState };
    if (meta.kind !== 'array' || meta.rows !== this.rows || meta.rng === undefined) {
      throw new RangeError(`ArraySampler: state is for ${meta.rows ?? '?'} rows (${meta.kind ?? '?'}), this dataset has ${this.rows}`);
    }
    this.rng = Rng.fromState(meta.rng);
    this.pos = meta.pos ?? 0;
    this.epoch = meta.epoch ?? 0;
    const perm = state.arrays.perm;
    this.perm = perm ? Int32Array.from(perm.data as Int32Array) : null;
    const pending = state.arrays.pendingLabels;
    this.pending = pending ? Array.from(pending.data as Int32Array) : [];
  }
}
