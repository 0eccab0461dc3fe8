import { Rng, type RngState } from '@flow/random';
import type { ResumableSampler, SamplerState } from './dataset';

/** An infinite dataset: each row is generated from the rng (its state is the whole sampler state). */
export class GeneratorSampler implements ResumableSampler {
  constructor(
    readonly dim: number,
    private readonly generate: (rng: Rng, out: Float32Array) => void,
    private rng: Rng,
    private readonly name: string,
  ) {}

  draw(count: number): Float32Array {
    const out = new Float32Array(count * this.dim);
    for (let k = 0; k < count; k++) this.generate(this.rng, out.subarray(k * this.dim, (k + 1) * this.dim));
    return out;
  }

  getState(): SamplerState {
    return { meta: { kind: 'generator', name: this.name, rng: this.rng.getState() }, arrays: {} };
  }

  setState(state: SamplerState): void {
    const meta = state.meta as { kind?: string; name?: string; rng?: RngState };
    if (meta.kind !== 'generator' || meta.name !== this.name || meta.rng === undefined) {
      throw new RangeError(`GeneratorSampler: state is for '${meta.name ?? '?'}', not '${this.name}'`);
    }
    this.rng = Rng.fromState(meta.rng);
  }
}
