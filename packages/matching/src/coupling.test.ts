import { Rng } from '@flow/random';
import { createCoupling, type DataSampler } from './coupling';
import { solveAssignment } from './lap/solve-assignment';
import { cyclingSampler, naiveCost } from '../test/helpers';

const makeSampler = (rows: number, dim: number, seed: number) => cyclingSampler(rows, dim, seed, 4);

/** Transcription of DANSM's match_scope_manager.assign_nearest: mean squared difference, argmin, mark used with 10000. */
function dansmReference(batches: Float32Array[], batch: number, dim: number, ms: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  let pool: Float64Array | null = null;
  let poolNoise: Float32Array | null = null;
  let used = 0;
  const out: Float32Array[] = [];
  for (const x of batches) {
    const noise = new Float32Array(batch * dim);
    for (let b = 0; b < batch; b++) {
      if (pool === null || used === ms) {
        poolNoise = rng.fillNormal(new Float32Array(ms * dim));
        pool = Float64Array.from(poolNoise);
        used = 0;
      }
      let best = Infinity;
      let arg = 0;
      for (let k = 0; k < ms; k++) {
        let s = 0;
        for (let t = 0; t < dim; t++) {
          const e = pool[k * dim + t]! - x[b * dim + t]!;
          s += e * e;
        }
        s /= dim;
        if (s < best) {
          best = s;
          arg = k;
        }
      }
      noise.set(poolNoise!.subarray(arg * dim, (arg + 1) * dim), b * dim);
      pool.fill(10000, arg * dim, (arg + 1) * dim);
      used++;
    }
    out.push(noise);
  }
  return out;
}

describe('dansm coupling', () => {
  test.each([
    [8, 16, 50],
    [8, 16, 20],
    [5, 12, 3],
  ])('matches a transcription of the paper rule (dim %i, batch %i, ms %i)', async (dim, batch, ms) => {
    const sampler = makeSampler(200, dim, 1);
    const c = createCoupling('dansm', { sampler, rng: new Rng(7), ms, costBackend: 'cpu' });
    const datas: Float32Array[] = [];
    const noises: Float32Array[] = [];
    for (let s = 0; s < 6; s++) {
      const pb = await c.next(batch);
      datas.push(pb.data);
      noises.push(pb.noise);
    }
    const expected = dansmReference(datas, batch, dim, ms, 7);
    for (let s = 0; s < 6; s++) expect(Array.from(noises[s]!)).toEqual(Array.from(expected[s]!));
    const st = c.stats();
    expect(st.pairs).toBe(6 * batch);
    expect(st.meanSqPathAfter).toBeLessThan(st.meanSqPathBefore);
  });

  test('snapshot and restore continue bit for bit', async () => {
    const run = async (stopAt: number | null) => {
      const sampler = makeSampler(100, 6, 2);
      let c = createCoupling('dansm', { sampler, rng: new Rng(3), ms: 30, costBackend: 'cpu' });
      const out: number[] = [];
      for (let s = 0; s < 5; s++) {
        if (s === stopAt) {
          const snap = JSON.parse(JSON.stringify({ meta: c.snapshot().meta }));
          const arrays = c.snapshot().arrays;
          const pos = sampler.pos;
          c = createCoupling('dansm', { sampler, rng: new Rng(999), ms: 30, costBackend: 'cpu' });
          sampler.pos = pos;
          c.restore({ meta: snap.meta, arrays });
        }
        const pb = await c.next(8);
        out.push(...pb.noise);
      }
      return out;
    };
    expect(await run(3)).toEqual(await run(null));
  });
});

describe('ot coupling', () => {
  test('serves optimal scopes in batches and carries the tail', async () => {
    const dim = 4;
    const ms = 24;
    const sampler = makeSampler(60, dim, 5);
    const c = createCoupling('ot', { sampler, rng: new Rng(11), ms, costBackend: 'cpu' });
    const data: number[] = [];
    const noise: number[] = [];
    for (let s = 0; s < 5; s++) {
      const pb = await c.next(10); // 50 pairs: two scopes and part of a third
      data.push(...pb.data);
      noise.push(...pb.noise);
    }
    // Each scope's pairing is an optimal assignment of that scope (identity is optimal once noise is reordered).
    for (let s = 0; s < 2; s++) {
      const x = Float64Array.from(data.slice(s * ms * dim, (s + 1) * ms * dim));
      const z = Float64Array.from(noise.slice(s * ms * dim, (s + 1) * ms * dim));
      const r = solveAssignment(naiveCost(x, z, ms, ms, dim), ms);
      let identity = 0;
      const cm = naiveCost(x, z, ms, ms, dim);
      for (let i = 0; i < ms; i++) identity += cm[i * ms + i]!;
      expect(identity).toBeCloseTo(r.total, 6);
    }
    const st = c.stats();
    expect(st.scopes).toBe(3);
    expect(st.meanSqPathAfter).toBeLessThan(st.meanSqPathBefore);
  });

  test('independent pairs fresh data with fresh noise', async () => {
    const sampler = makeSampler(10, 3, 1);
    const c = createCoupling('independent', { sampler, rng: new Rng(1) });
    const pb = await c.next(4);
    expect(pb.noise).toEqual(new Rng(1).fillNormal(new Float32Array(12)));
    expect(c.stats().reduction).toBe(0);
  });

  test('bad input: ms larger than the data, unknown kind, bad batch', async () => {
    const sampler = makeSampler(10, 3, 1);
    expect(() => createCoupling('ot', { sampler, rng: new Rng(1), ms: 11 })).toThrow(/larger than the data/);
    expect(() => createCoupling('nope' as 'ot', { sampler, rng: new Rng(1) })).toThrow(/unknown kind/);
    const c = createCoupling('dansm', { sampler, rng: new Rng(1), ms: 4 });
    await expect(c.next(0)).rejects.toMatchObject({ kind: 'input' });
  });
});
