import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readNpy, readNpz, toFloat64 } from '@flow/io';
import { FeatureStatistics, featureStatistics } from './feature-statistics';
import { frechetDistance } from './frechet-distance';
import { loadStatsOrFeatures, readStats, writeStats } from './stats-file';

// pytorch-fid's statistics and distances from SciPy, committed with their generator (fixtures/README.md).
const REF = path.resolve(__dirname, '../../../fixtures/frechet');

function naiveStats(x: Float64Array, n: number, d: number) {
  const mu = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mu[j] += x[r * d + j] / n;
  const sigma = new Float64Array(d * d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) sigma[i * d + j] += ((x[r * d + i] - mu[i]) * (x[r * d + j] - mu[j])) / (n - 1);
  return { mu, sigma };
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('FeatureStatistics', () => {
  const n = 1300;
  const d = 7;
  const rand = lcg(3);
  // A large common offset: a naive sum-of-squares formula would lose most digits here.
  const x = new Float64Array(n * d).map((_, i) => 1e6 + (i % d) + rand());
  const ref = naiveStats(x, n, d);

  test('matches a two-pass mean and covariance (ddof 1) across chunk boundaries', () => {
    const s = featureStatistics(x, d);
    for (let j = 0; j < d; j++) expect(s.mu[j]).toBeCloseTo(ref.mu[j], 6);
    for (let i = 0; i < d * d; i++) expect(Math.abs(s.sigma[i] - ref.sigma[i])).toBeLessThan(1e-9);
  });

  test('merging partial accumulators (workers) equals one pass', () => {
    const a = new FeatureStatistics(d).add(x.subarray(0, 300 * d));
    const b = new FeatureStatistics(d).add(x.subarray(300 * d, 1000 * d));
    const c = FeatureStatistics.fromState(new FeatureStatistics(d).add(x.subarray(1000 * d)).getState());
    a.merge(b).merge(c);
    expect(a.count).toBe(n);
    const s = a.stats();
    for (let i = 0; i < d * d; i++) expect(Math.abs(s.sigma[i] - ref.sigma[i])).toBeLessThan(1e-9);
  });

  test('rejects ragged rows and non-finite values, naming the row', () => {
    expect(() => new FeatureStatistics(3).add([1, 2, 3, 4])).toThrow(/whole number of rows/);
    expect(() => new FeatureStatistics(2).add([1, 2, 3, Infinity])).toThrow(/row 1, column 1/);
  });
});

describe('pytorch-fid .npz interchange', () => {
  test('stats of the float32 features equal the reference stats (to float32 input precision)', () => {
    const f = readNpy(path.join(REF, 'd64_n2000_features_a.npy'));
    const ours = featureStatistics(toFloat64(f), f.shape[1]);
    const z = readNpz(path.join(REF, 'd64_n2000_a.npz'));
    const mu = toFloat64(z.mu);
    const sigma = toFloat64(z.sigma);
    let maxS = 0;
    for (const v of sigma) maxS = Math.max(maxS, Math.abs(v));
    for (let i = 0; i < sigma.length; i++) expect(Math.abs(ours.sigma[i] - sigma[i])).toBeLessThan(1e-6 * maxS);
    for (let i = 0; i < mu.length; i++) expect(Math.abs(ours.mu[i] - mu[i])).toBeLessThan(1e-6);
    // FID from features vs from the stats file.
    const cases = JSON.parse(readFileSync(path.join(REF, 'cases.json'), 'utf8')).cases as { name: string; b: string; fid_scipy_sqrtm: number }[];
    const c = cases.find((k) => k.name === 'd64_n2000');
    if (!c) throw new Error('case d64_n2000 missing');
    const b = readStats(path.join(REF, c.b));
    const fid = frechetDistance(loadStatsOrFeatures(path.join(REF, 'd64_n2000_features_a.npy')), b);
    expect(Math.abs(fid - c.fid_scipy_sqrtm) / c.fid_scipy_sqrtm).toBeLessThan(1e-5);
  });

  test('writeStats / readStats round trip bit for bit', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fid-'));
    try {
      const a = readStats(path.join(REF, 'd64_n2000_a.npz'));
      const out = path.join(dir, 'stats.npz');
      writeStats(out, a);
      const back = readStats(out);
      expect(back.dim).toBe(64);
      expect(Buffer.from(back.sigma.buffer).equals(Buffer.from(a.sigma.buffer))).toBe(true);
      expect(Buffer.from(back.mu.buffer).equals(Buffer.from(a.mu.buffer))).toBe(true);
      expect(loadStatsOrFeatures(out).source).toBe('stats');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
