import { Rng } from './rng';

describe('Rng', () => {
  it('is reproducible from a seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(xs);
    expect(new Rng(1).nextUint32()).not.toBe(new Rng(2 ** 32 + 1).nextUint32());
  });

  it('restores its state exactly, including the cached normal', () => {
    const a = new Rng(7);
    a.normal(); // leaves a spare
    const state = JSON.parse(JSON.stringify(a.getState()));
    const b = Rng.fromState(state);
    for (let i = 0; i < 5; i++) expect(b.normal()).toBe(a.normal());
    expect(b.uniform()).toBe(a.uniform());
  });

  it('produces standard normal moments', () => {
    const rng = new Rng(3);
    const out = rng.fillNormal(new Float64Array(200000));
    let m = 0;
    for (const v of out) m += v;
    m /= out.length;
    let v2 = 0;
    let v4 = 0;
    for (const v of out) {
      v2 += (v - m) ** 2;
      v4 += (v - m) ** 4;
    }
    v2 /= out.length;
    v4 /= out.length;
    // Standard errors at n = 2e5: mean 0.0022, variance 0.0032, kurtosis ~0.011.
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(v2 - 1)).toBeLessThan(0.015);
    expect(Math.abs(v4 / (v2 * v2) - 3)).toBeLessThan(0.06);
  });

  it('gives uniform values in [0, 1) with the right mean and unbiased integers', () => {
    const rng = new Rng(11);
    const u = rng.fillUniform(new Float64Array(100000));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((s, x) => s + x, 0) / u.length - 0.5)).toBeLessThan(0.005);
    const counts = new Array(3).fill(0);
    for (let i = 0; i < 30000; i++) counts[rng.int(3)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    expect(() => rng.int(0)).toThrow(/n must be/);
  });

  it('makes permutations and independent, deterministic forks', () => {
    const p = new Rng(5).permutation(100);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const parent = new Rng(9);
    const f1 = parent.fork(1).nextUint32();
    expect(parent.fork(1).nextUint32()).toBe(f1);
    expect(parent.fork(2).nextUint32()).not.toBe(f1);
    expect(parent.nextUint32()).toBe(new Rng(9).nextUint32());
  });
});
