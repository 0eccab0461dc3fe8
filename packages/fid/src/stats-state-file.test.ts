import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@flow/random';
import { writeNpz, ndarray } from '@flow/io';
import { FeatureStatistics } from './feature-statistics';
import { frechetDistance } from './frechet-distance';
import { mergeStatsFiles, readStatsState, writeStatsState } from './stats-state-file';
import { readStats } from './stats-file';

describe('mergeable statistics files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fid-merge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const dim = 16;
  const rows = 3001;
  const rng = new Rng(11);
  // Features with an offset and correlated columns, so centring matters.
  const x = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const z = rng.normal();
    for (let j = 0; j < dim; j++) x[r * dim + j] = 5 + j * 0.1 + z * (j % 3) + rng.normal() * 0.5;
  }
  const other = new FeatureStatistics(dim).add(Float64Array.from(x, (v, i) => v * 1.1 + (i % dim) * 0.01)).stats();

  it('merged shards give the whole-set FID to 1e-9 relative, and the stats stay pytorch-fid readable', () => {
    const bounds = [0, 1, 700, 1500, 2999, rows];
    const files = bounds.slice(0, -1).map((start, i) => {
      const file = join(dir, `part-${i}.npz`);
      writeStatsState(file, new FeatureStatistics(dim).add(x.subarray(start * dim, bounds[i + 1] * dim)));
      return file;
    });
    const whole = new FeatureStatistics(dim).add(x);
    const merged = mergeStatsFiles(files);
    expect(merged.count).toBe(rows);
    const fidWhole = frechetDistance(whole.stats(), other);
    const fidMerged = frechetDistance(merged.stats(), other);
    expect(Math.abs(fidMerged - fidWhole) / fidWhole).toBeLessThan(1e-9);
    const out = join(dir, 'merged.npz');
    writeStatsState(out, merged);
    const back = readStats(out);
    expect(back.mu).toEqual(merged.stats().mu);
    expect(readStatsState(out).count).toBe(rows);
  });

  it('says what is missing in plain pytorch-fid stats', () => {
    const file = join(dir, 'plain.npz');
    writeNpz(file, { mu: ndarray('float64', [2], new Float64Array(2)), sigma: ndarray('float64', [2, 2], new Float64Array(4)) });
    expect(() => mergeStatsFiles([file])).toThrow(/plain\.npz: no 'count' array: not mergeable/);
  });
});
