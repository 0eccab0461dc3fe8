import { createEncoderForShape, createEncoderTerm } from '@flow/encoder';
import * as trainer from '@flow/trainer';
import { getCouplingFactory, registerBuiltinCouplings, registerCoupling, type CouplingContext, type CouplingFactory, type TrainerCoupling } from '@flow/trainer';

/**
 * Makes sure the trainer knows the `encoder` coupling. @flow/trainer has `createEncoderCoupling` but (at the
 * time of writing) neither registers nor exports it, so the demo registers it when exported, else an
 * equivalent built from @flow/encoder: the independent coupling's pairs, x0 replaced by z ~ q(z | x1) in the
 * step, plus beta * KL(q(z | x1) || N(0, I)).
 */
export function ensureEncoderCoupling(): void {
  registerBuiltinCouplings();
  if (getCouplingFactory('encoder')) return;
  const exported = (trainer as unknown as Record<string, unknown>).createEncoderCoupling;
  if (typeof exported === 'function') {
    registerCoupling('encoder', exported as CouplingFactory);
    return;
  }
  registerCoupling('encoder', async (ctx: CouplingContext): Promise<TrainerCoupling> => {
    const base = await getCouplingFactory('independent')!(ctx);
    const beta = ctx.options.beta === undefined ? (ctx.dataset.shape.length === 1 ? 10 : 20) : Number(ctx.options.beta);
    const term = createEncoderTerm(createEncoderForShape(ctx.dataset.shape, ctx.initRng), { beta });
    return {
      name: 'encoder',
      next: (batch) => base.next(batch),
      stats: () => ({ ...(base.stats?.() ?? {}), name: 'encoder', beta }),
      snapshot: () => base.snapshot(),
      restore: (s) => base.restore(s),
      term,
    };
  });
}
