import { Rng } from '@flow/random';
import { createCoupling, type DataSampler } from '../coupling';
import { cyclingSampler } from '../../test/helpers';

const makeSampler = (rows: number, dim: number, seed: number) => cyclingSampler(rows, dim, seed, 3);

describe('entropic couplings (sinkhorn, unbalanced, partial)', () => {
  it.each(['sinkhorn', 'unbalanced', 'partial'] as const)('%s serves every noise of a scope exactly once and shortens paths', async (kind) => {
    const dim = 3;
    const ms = 16;
    const c = createCoupling(kind, { sampler: makeSampler(40, dim, 2), rng: new Rng(5), ms, costBackend: 'cpu', entropic: { reg: 0.05, maxIter: 500 } });
    const a = await c.next(8);
    const b = await c.next(8);
    const rows = new Set<string>();
    for (const pb of [a, b]) for (let i = 0; i < 8; i++) rows.add(Array.from(pb.noise.subarray(i * dim, (i + 1) * dim)).join(','));
    expect(rows.size).toBe(ms);
    const st = c.stats();
    expect(st.name).toBe(kind);
    expect(st.meanSqPathAfter).toBeLessThan(st.meanSqPathBefore);
  });

  it('sampled pairings continue bit for bit after snapshot / restore', async () => {
    const opts = () => ({ sampler: makeSampler(40, 2, 3), rng: new Rng(9), ms: 12, costBackend: 'cpu', entropic: { pairing: 'sample' as const, maxIter: 300 } });
    const full = createCoupling('sinkhorn', opts());
    const want: number[] = [];
    for (let s = 0; s < 4; s++) want.push(...(await full.next(5)).noise);
    const o = opts();
    const first = createCoupling('sinkhorn', o);
    const got: number[] = [];
    for (let s = 0; s < 2; s++) got.push(...(await first.next(5)).noise);
    const snap = first.snapshot();
    const o2 = opts();
    o2.sampler.pos = (o.sampler as DataSampler & { pos: number }).pos;
    const second = createCoupling('sinkhorn', o2);
    second.restore(snap);
    for (let s = 0; s < 2; s++) got.push(...(await second.next(5)).noise);
    expect(got).toEqual(want);
  });
});
