import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FeatureStatistics, frechetDistanceDetails, writeStats } from '@flow/fid';
import { Rng } from '@flow/random';
import { runPython } from '../python-peer';
import { announceContext, err, writeSuiteReport } from '../report';
import { inceptionThroughput } from './fid-inception';
import type { Suite } from '../suite';
import { markdownTable, type Cell } from '../table';

// pytorch-fid's calculate_frechet_distance, verbatim in substance (scipy.linalg.sqrtm of sigma1 @ sigma2, the
// eps offset only when the result is not finite, real part kept), timed around the whole function; and, for
// context, the symmetric route with numpy/LAPACK (Cholesky + eigvalsh), which is what @flow/fid computes.
const PEER = String.raw`
import sys, json, time, warnings
import numpy as np
from scipy import linalg
a = np.load(sys.argv[1]); b = np.load(sys.argv[2]); repeats = int(sys.argv[3])
mu1, s1, mu2, s2 = a['mu'], a['sigma'], b['mu'], b['sigma']
def pytorch_fid(mu1, s1, mu2, s2, eps=1e-6):
    diff = mu1 - mu2
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        covmean = linalg.sqrtm(s1.dot(s2))
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError('Imaginary component')
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))
def symmetric(mu1, s1, mu2, s2):
    L = np.linalg.cholesky(s1)
    w = np.linalg.eigvalsh(L.T @ s2 @ L)
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(w, 0, None)).sum())
def timed(f):
    best = None; value = None
    for _ in range(repeats):
        t = time.perf_counter(); value = f(mu1, s1, mu2, s2); dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, value
ts, fs = timed(pytorch_fid)
te, fe = timed(symmetric)
print(json.dumps({'sqrtm_seconds': ts, 'sqrtm_fid': fs, 'eigh_seconds': te, 'eigh_fid': fe}))
`;

/**
 * Two feature sets of n = 2d rows, x = s * z + U w (+ shift): per-feature scales s, a rank-32 shared part U w,
 * z and w standard normal (seeded); the second set with perturbed s and U and a mean shift. Their statistics come
 * from FeatureStatistics (mean, np.cov-style covariance), as a user's would.
 */
function makeStats(d: number, seed: number): { a: { mu: Float64Array; sigma: Float64Array }; b: { mu: Float64Array; sigma: Float64Array }; n: number } {
  const rng = new Rng(seed);
  const n = 2 * d;
  const k = 32;
  const s1 = Float64Array.from({ length: d }, () => 0.5 + rng.uniform());
  const u1 = rng.fillNormal(new Float64Array(d * k)).map((v) => v / Math.sqrt(k));
  const s2 = s1.map((v) => v * (1 + 0.2 * rng.uniform()));
  const u2 = u1.map((v) => v + (0.3 * rng.normal()) / Math.sqrt(k));
  const stats = (s: Float64Array, U: Float64Array, shift: number) => {
    const acc = new FeatureStatistics(d);
    const chunk = 256;
    const x = new Float64Array(chunk * d);
    const w = new Float64Array(k);
    for (let r0 = 0; r0 < n; r0 += chunk) {
      const rows = Math.min(chunk, n - r0);
      for (let r = 0; r < rows; r++) {
        rng.fillNormal(w);
        for (let j = 0; j < d; j++) {
          let v = shift + s[j] * rng.normal();
          for (let q = 0; q < k; q++) v += U[j * k + q] * w[q];
          x[r * d + j] = v;
        }
      }
      acc.add(x.subarray(0, rows * d));
    }
    return acc.stats();
  };
  return { a: stats(s1, u1, 0), b: stats(s2, u2, 0.05), n };
}

export const fidSuite: Suite = {
  name: 'fid',
  summary: 'Frechet distance at d = 64, 512, 2048 vs pytorch-fid formula (scipy sqrtm) in the same run',
  async run({ json, quick, args }) {
    const write = args.includes('--write');
    const { machine, peer } = announceContext();
    const dims = quick ? [64, 512] : [64, 512, 2048];
    const repeatsFor = (d: number) => (d <= 64 ? 20 : d <= 512 ? 5 : 2);
    const tmp = mkdtempSync(path.join(tmpdir(), 'flow-bench-fid-'));
    const rows: Record<string, unknown>[] = [];
    try {
      // Warm the JIT on a mid-size case so the first timed size is not penalised.
      {
        const w = makeStats(256, 99);
        frechetDistanceDetails(w.a, w.b);
      }
      for (const d of dims) {
        const { a, b, n } = makeStats(d, d);
        const fa = path.join(tmp, `a${d}.npz`);
        const fb = path.join(tmp, `b${d}.npz`);
        writeStats(fa, a);
        writeStats(fb, b);
        const repeats = repeatsFor(d);
        let best = Infinity;
        let fid = NaN;
        let rank = 0;
        for (let r = 0; r < repeats; r++) {
          const t = performance.now();
          const res = frechetDistanceDetails(a, b);
          best = Math.min(best, (performance.now() - t) / 1000);
          fid = res.fid;
          rank = res.rank;
        }
        let p: { sqrtm_seconds: number; sqrtm_fid: number; eigh_seconds: number; eigh_fid: number } | null = null;
        if (peer) p = runPython(peer, PEER, [fa, fb, String(repeats)]);
        const row = {
          d,
          n,
          repeats,
          ours_seconds: best,
          ours_fid: fid,
          rank,
          scipy_sqrtm_seconds: p?.sqrtm_seconds ?? null,
          scipy_sqrtm_fid: p?.sqrtm_fid ?? null,
          ratio: p ? best / p.sqrtm_seconds : null,
          rel_diff: p ? Math.abs(fid - p.sqrtm_fid) / Math.abs(p.sqrtm_fid) : null,
          numpy_eigh_seconds: p?.eigh_seconds ?? null,
        };
        rows.push(row);
        err(`d=${d}: ours ${best.toFixed(4)} s, scipy sqrtm ${p ? p.sqrtm_seconds.toFixed(4) : '-'} s, fid ${fid} vs ${p?.sqrtm_fid ?? '-'}`);
      }
      const header = ['d', 'n', 'ours (s)', 'pytorch-fid / scipy sqrtm (s)', 'ratio ours/scipy', 'FID ours', 'FID scipy', 'rel. diff', 'numpy chol+eigvalsh (s)'];
      const cells: Cell[][] = rows.map((r) => [
        r.d as number,
        r.n as number,
        r.ours_seconds as number,
        r.scipy_sqrtm_seconds as number | null,
        r.ratio as number | null,
        (r.ours_fid as number).toPrecision(12),
        r.scipy_sqrtm_fid === null ? null : (r.scipy_sqrtm_fid as number).toPrecision(12),
        r.rel_diff as number | null,
        r.numpy_eigh_seconds as number | null,
      ]);
      const inception = args.includes('--no-inception') ? null : await inceptionThroughput(quick);
      const md = [
        '# flow-bench fid',
        '',
        machine,
        '',
        peer ? `Peer: python3 numpy ${peer.numpy}, scipy ${peer.scipy}, same run, same statistics files.` : 'Peer: python3 with numpy+scipy not found; peer columns skipped.',
        '',
        'Inputs: for each d, two seeded feature sets of n = 2d rows (x = s * z + U w with per-feature scales s and a rank-32',
        'shared part U w; the second set with perturbed s, U and a mean shift of 0.05), their float64 statistics (mean,',
        'np.cov-style covariance) written as pytorch-fid `.npz` and read by both sides. Times are the best of the given',
        'repeats for the distance alone (statistics given).',
        '"ours" is `frechetDistance` of @flow/fid (Cholesky, L^T S2 L, Householder tridiagonalisation + implicit QL, one',
        'thread, plain TypeScript); "pytorch-fid / scipy sqrtm" is pytorch-fid\'s `calculate_frechet_distance`',
        '(`scipy.linalg.sqrtm(sigma1 @ sigma2)` with its eps rule); the last column is the same symmetric route as ours',
        'through numpy/LAPACK, for context.',
        '',
        markdownTable(header, cells),
        '',
        `Repeats per d: ${dims.map((d) => `${d}: ${repeatsFor(d)}`).join(', ')}.`,
        '',
        ...(inception ? [inception.markdown] : []),
      ].join('\n');
      if (json) process.stdout.write(`${JSON.stringify({ machine, peer, rows, inception: inception?.row ?? null })}\n`);
      else process.stdout.write(`${md}\n`);
      if (write) {
        writeSuiteReport('fid', md);
      }
      return 0;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};
