import { createCoupling, ENTROPIC_SOLVERS, type CouplingKind, type CouplingSnapshot as MatchingSnapshot, type EntropicCouplingOptions, type EntropicSolver } from '@flow/matching';
import type { NdArray } from '@flow/io';
import type { CouplingContext, CouplingSnapshot, TrainerCoupling } from './coupling';
import { registerCoupling } from './coupling';
import { createEncoderCoupling } from './encoder-coupling';

function toNd(arrays: MatchingSnapshot['arrays']): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const [k, a] of Object.entries(arrays)) {
    const dtype = a instanceof Float32Array ? 'float32' : a instanceof Int32Array ? 'int32' : 'uint8';
    out[k] = { dtype, shape: [a.length], data: a };
  }
  return out;
}

function fromNd(arrays: Record<string, NdArray>): MatchingSnapshot['arrays'] {
  const out: MatchingSnapshot['arrays'] = {};
  for (const [k, a] of Object.entries(arrays)) {
    const d = a.data;
    if (d instanceof Float32Array || d instanceof Int32Array || d instanceof Uint8Array) out[k] = d;
    else throw new Error(`coupling state '${k}': unexpected dtype ${a.dtype}`);
  }
  return out;
}

function fromMatching(kind: CouplingKind) {
  return (ctx: CouplingContext): TrainerCoupling => {
    const sampler = {
      dim: ctx.sampler.dim,
      draw: (count: number) => ctx.sampler.draw(count),
      ...(ctx.dataset.size !== null ? { size: ctx.dataset.size } : {}),
    };
    // The entropic couplings read reg / regM / mass / pairing from the config's coupling options.
    const entropic = ENTROPIC_SOLVERS.includes(kind as EntropicSolver) ? { entropic: ctx.options as EntropicCouplingOptions } : {};
    const inner = createCoupling(kind, {
      sampler,
      rng: ctx.rng,
      ms: ctx.ms,
      costBackend: ctx.costBackend,
      batch: ctx.batch,
      memoryLimitBytes: ctx.memoryLimitBytes,
      ...entropic,
    });
    return {
      name: kind,
      next: (batch) => inner.next(batch),
      stats: () => ({ ...inner.stats() }),
      snapshot: (): CouplingSnapshot => {
        const s = inner.snapshot();
        return { meta: s.meta, arrays: toNd(s.arrays) };
      },
      restore: (s) => inner.restore({ meta: s.meta, arrays: fromNd(s.arrays) }),
    };
  };
}

let registered = false;
/** Registers `independent`, `dansm`, `ot`, `sinkhorn`, `unbalanced`, `partial` (from @flow/matching) and `encoder` (@flow/encoder). Idempotent. */
export function registerBuiltinCouplings(): void {
  if (registered) return;
  registered = true;
  registerCoupling('independent', fromMatching('independent'));
  registerCoupling('dansm', fromMatching('dansm'));
  registerCoupling('ot', fromMatching('ot'));
  for (const kind of ENTROPIC_SOLVERS) registerCoupling(kind, fromMatching(kind));
  registerCoupling('encoder', createEncoderCoupling);
}
