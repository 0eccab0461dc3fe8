import { fillRowNormals } from './row-normals';
import { Rng } from './rng';

describe('fillRowNormals', () => {
  it('draws any slice of rows exactly as the whole matrix has them', () => {
    const dim = 3;
    const whole = fillRowNormals(new Float32Array(10 * dim), 7, 0, dim);
    const parts = [fillRowNormals(new Float32Array(3 * dim), 7, 0, dim), fillRowNormals(new Float32Array(4 * dim), 7, 3, dim), fillRowNormals(new Float32Array(3 * dim), 7, 7, dim)];
    const joined = new Float32Array(10 * dim);
    parts.reduce((o, p) => (joined.set(p, o), o + p.length), 0);
    expect(joined).toEqual(whole);
    const row1 = new Rng(7).fork(1);
    expect(Array.from(whole.slice(dim, 2 * dim))).toEqual(Array.from(new Float32Array([row1.normal(), row1.normal(), row1.normal()])));
  });

  it('is roughly standard normal, and depends on the seed', () => {
    const x = fillRowNormals(new Float64Array(20000), 1, 0, 4);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(fillRowNormals(new Float64Array(4), 2, 0, 4)).not.toEqual(x.slice(0, 4));
  });

  it('rejects ragged output and rows past 2^32', () => {
    expect(() => fillRowNormals(new Float32Array(5), 0, 0, 2)).toThrow(/whole number of rows/);
    expect(() => fillRowNormals(new Float32Array(2), 0, 2 ** 32, 2)).toThrow(/2\^32/);
  });
});
