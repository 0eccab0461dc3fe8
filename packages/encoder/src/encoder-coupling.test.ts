import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createCoupling, type Coupling } from '@flow/matching';
import { Rng } from '@flow/random';
import { createEncoderCoupling, createEncoderForShape, createEncoderTerm, defaultEncoderBeta } from './index';

describe('createEncoderCoupling', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("serves the independent coupling's pairs under matching's protocol, with the term and a literal name", async () => {
    const sampler = () => {
      const rng = new Rng(1);
      return { dim: 2, draw: (n: number) => rng.fillNormal(new Float32Array(n * 2)) };
    };
    const term = createEncoderTerm(createEncoderForShape([2], new Rng(0)), { beta: defaultEncoderBeta([2]) });
    const coupling = createEncoderCoupling(createCoupling('independent', { sampler: sampler(), rng: new Rng(2) }), term);
    const asProtocol: Coupling<'encoder'> = coupling; // the one protocol, name not widened to string
    expect(asProtocol.name).toBe('encoder');
    const reference = createCoupling('independent', { sampler: sampler(), rng: new Rng(2) });
    const a = await coupling.next(8);
    const b = await reference.next(8);
    expect(Array.from(a.noise)).toEqual(Array.from(b.noise));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(coupling.stats()).toMatchObject({ beta: 10, pairs: 8 });
    // snapshot / restore are the independent coupling's: a restored copy continues identically
    const snap = coupling.snapshot();
    const next = await coupling.next(4);
    reference.restore(snap);
    expect(Array.from((await reference.next(4)).noise)).toEqual(Array.from(next.noise));
    expect(coupling.term.variables).toBe(term.variables);
    term.dispose();
  });

  it('uses the paper beta: 10 for vectors, 20 for images', () => {
    expect(defaultEncoderBeta([2])).toBe(10);
    expect(defaultEncoderBeta([28, 28, 1])).toBe(20);
  });
});
