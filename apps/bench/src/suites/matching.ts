import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { ndarray, writeNpy } from '@flow/io';
import { computeCostMatrix, listCostBackends, rowSqDist, solveAssignment, type CostBackendName } from '@flow/matching';
import { Rng } from '@flow/random';
import { runPython, type PythonPeer } from '../python-peer';
import { announceContext, err, loadWarning, repoRoot, writeSuiteReport } from '../report';
import type { Suite } from '../suite';
import { markdownTable, type Cell } from '../table';
import { entropicSection } from './matching-entropic';
import { greedySection } from './matching-greedy';

const PEER_EXACT = `
import sys, json, time
import numpy as np
from scipy.optimize import linear_sum_assignment
x = np.load(sys.argv[1]); z = np.load(sys.argv[2])
t0 = time.perf_counter()
# The fastest plain NumPy route: float32 GEMM, float64 norms, float64 matrix for SciPy.
xx = np.einsum('ij,ij->i', x, x, dtype=np.float64); zz = np.einsum('ij,ij->i', z, z, dtype=np.float64)
C = xx[:, None] + zz[None, :] - 2.0 * (x @ z.T)
np.maximum(C, 0, out=C)
t1 = time.perf_counter()
r, c = linear_sum_assignment(C)
t2 = time.perf_counter()
x64 = x.astype(np.float64); z64 = z.astype(np.float64)
total = float(((x64[r] - z64[c]) ** 2).sum())
np.save(sys.argv[3], c.astype(np.int64))
print(json.dumps({"cost": t1 - t0, "assign": t2 - t1, "total": total}))
`;

interface ExactRow {
  ms: number;
  d: number;
  ours: { cost: number; assign: number; total: number; backend: string; before: number; after: number; value: number } | null;
  peer: { cost: number; assign: number; total: number; value: number; same: boolean } | null;
  munkres: number | null;
  munkresJs: number | null;
  note: string;
}

function gaussian(rows: number, d: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(rows * d));
}

function ratio(a: number | undefined | null, b: number | undefined | null): Cell {
  return a != null && b != null && b > 0 ? a / b : null;
}

async function exactCase(ms: number, d: number, peer: PythonPeer | null, tmp: string, opts: { peerAllowed: boolean; munkres: boolean; munkresJs: boolean }): Promise<ExactRow> {
  const x = gaussian(ms, d, 1000 + ms + d);
  const z = gaussian(ms, d, 2000 + ms + d);
  const row: ExactRow = { ms, d, ours: null, peer: null, munkres: null, munkresJs: null, note: '' };
  const t0 = performance.now();
  const c = await computeCostMatrix(x, z, ms, ms, d, { backend: 'auto', precision: 'float32' });
  const a = solveAssignment(c.cost, ms);
  const total = (performance.now() - t0) / 1000;
  let value = 0;
  let before = 0;
  for (let i = 0; i < ms; i++) {
    value += rowSqDist(x, i, z, a.rowToCol[i]!, d);
    before += rowSqDist(x, i, z, i, d);
  }
  row.ours = { cost: c.seconds, assign: a.stats.seconds, total, backend: c.backend, before: before / ms, after: value / ms, value };
  err(`  ours   ms=${ms} d=${d}: cost ${c.seconds.toFixed(2)} s (${c.backend}), assign ${a.stats.seconds.toFixed(2)} s`);
  if (peer && opts.peerAllowed) {
    const fx = path.join(tmp, 'x.npy');
    const fz = path.join(tmp, 'z.npy');
    const fp = path.join(tmp, 'p.npy');
    writeNpy(fx, ndarray('float32', [ms, d], x));
    writeNpy(fz, ndarray('float32', [ms, d], z));
    const p = runPython<{ cost: number; assign: number; total: number }>(peer, PEER_EXACT, [fx, fz, fp]);
    const { readNpy } = await import('@flow/io');
    const pa = readNpy(fp).data as BigInt64Array;
    let same = true;
    for (let i = 0; i < ms; i++) if (Number(pa[i]) !== a.rowToCol[i]) same = false;
    row.peer = { cost: p.cost, assign: p.assign, total: p.cost + p.assign, value: p.total, same };
    err(`  scipy  ms=${ms} d=${d}: cost ${p.cost.toFixed(2)} s, assign ${p.assign.toFixed(2)} s`);
  }
  const require = createRequire(path.join(repoRoot(), 'apps/bench/package.json'));
  // The JS Hungarian peers are dev dependencies: absent from an offline bundle, their columns stay empty.
  const optional = <T>(name: string): T | null => {
    try {
      return require(name) as T;
    } catch {
      row.note = [row.note, `${name} not installed`].filter(Boolean).join('; ');
      return null;
    }
  };
  const m = opts.munkres ? optional<{ munkres?: (m: number[][]) => [number, number][]; default?: (m: number[][]) => [number, number][] }>('munkres') : null;
  if (m) {
    const fn = m.munkres ?? m.default!;
    const mat = Array.from({ length: ms }, (_, i) => Array.from(c.cost.subarray(i * ms, (i + 1) * ms)));
    const t1 = performance.now();
    fn(mat);
    row.munkres = (performance.now() - t1) / 1000;
  }
  const munkresJs = opts.munkresJs ? optional<(m: number[][]) => [number, number][]>('munkres-js') : null;
  if (munkresJs) {
    const mat = Array.from({ length: ms }, (_, i) => Array.from(c.cost.subarray(i * ms, (i + 1) * ms)));
    const t1 = performance.now();
    munkresJs(mat);
    row.munkresJs = (performance.now() - t1) / 1000;
  }
  return row;
}

async function costBackendRows(sizes: [number, number][]): Promise<Cell[][]> {
  const list = await listCostBackends();
  const rows: Cell[][] = [];
  for (const [ms, d] of sizes) {
    const x = gaussian(ms, d, 5);
    const z = gaussian(ms, d, 6);
    for (const b of list) {
      if (!b.available) {
        rows.push([ms, d, b.name, null, null, `unavailable: ${b.reason}`]);
        continue;
      }
      // gpu.js's plain-JS fallback is far too slow for these sizes.
      if (b.name === 'gpujs-cpu' && ms * ms * d > 2e8) {
        rows.push([ms, d, b.name, null, null, 'skipped (too slow)']);
        continue;
      }
      try {
        const r = await computeCostMatrix(x, z, ms, ms, d, { backend: b.name as CostBackendName, precision: 'float32' });
        rows.push([ms, d, b.name, r.seconds, (2 * ms * ms * d) / r.seconds / 1e9, r.reason]);
      } catch (e) {
        rows.push([ms, d, b.name, null, null, `failed: ${(e as Error).message.split('\n')[0]}`]);
      }
    }
  }
  return rows;
}

export const matchingSuite: Suite = {
  name: 'matching',
  summary: 'exact assignment (cost + JV), DANSM greedy matching and entropic / unbalanced / partial plans vs numpy + scipy and POT',
  async run({ json, quick, args }) {
    const write = args.includes('--write');
    const { machine, peer } = announceContext();
    const tmp = mkdtempSync(path.join(tmpdir(), 'flow-bench-matching-'));
    const loadStart = loadavg()[0]!.toFixed(1);
    if (args.includes('--greedy-only')) {
      // Just DANSM's greedy per batch vs numpy (no exact-assignment column).
      // --greedy-sizes=10000x3072,1000x784 picks the (ms, d) pairs.
      const sizesArg = args.find((a) => a.startsWith('--greedy-sizes='))?.slice('--greedy-sizes='.length);
      const sizes = sizesArg?.split(',').map((p): [number, number] => {
        const [ms, d] = p.split('x').map(Number);
        if (!Number.isInteger(ms) || !Number.isInteger(d) || ms! < 1 || d! < 1) throw new Error(`--greedy-sizes: expected MSxD pairs like 10000x3072, got '${p}'`);
        return [ms!, d!];
      });
      const g = await greedySection(quick, peer, () => null, sizes);
      const warning = loadWarning(Number(loadStart), loadavg()[0]!, cpus().length);
      const md = `# flow-bench matching --greedy-only\n\nCommand: \`flow-bench matching ${args.join(' ')}\`\n\n${machine}\n${peer ? `Peer: python3 numpy ${peer.numpy} (same run).` : 'Peer: python3 with numpy not found.'} Load average ${loadStart} at start, ${loadavg()[0]!.toFixed(1)} at end.\n\n${warning ? `${warning}\n\n` : ''}${g.markdown}\n`;
      process.stdout.write(json ? `${JSON.stringify({ machine, peer, greedy: g.rows })}\n` : md);
      if (write) writeSuiteReport('matching-greedy', md);
      rmSync(tmp, { recursive: true, force: true });
      return 0;
    }
    if (args.includes('--entropic-only')) {
      // Just the entropic section (minutes less than the whole suite).
      try {
        const e = await entropicSection(quick, tmp);
        process.stdout.write(json ? `${JSON.stringify({ machine, entropic: e.rows })}\n` : `# flow-bench matching --entropic-only\n\n${machine}\n\n${e.markdown}\n`);
        return 0;
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    const exactSizes: [number, number][] = quick
      ? [
          [500, 2],
          [500, 784],
          [1000, 784],
        ]
      : [1000, 2000, 5000, 10000].flatMap((ms) => [2, 784, 3072].map((d): [number, number] => [ms, d]));
    const exact: ExactRow[] = [];
    try {
      // Warm the JIT on a small problem so the first timed case is not a compile benchmark.
      {
        const w = await computeCostMatrix(gaussian(300, 16, 1), gaussian(300, 16, 2), 300, 300, 16, { precision: 'float32' });
        solveAssignment(w.cost, 300);
      }
      for (const [ms, d] of exactSizes) {
        // Low-dimensional costs are far harder for every shortest-path solver (scipy: 82 s at n = 4000, d = 2).
        if (d === 2 && ms > 2000) {
          exact.push({ ms, d, ours: null, peer: null, munkres: null, munkresJs: null, note: 'skipped: d = 2 beyond ms = 2000 takes minutes for scipy' });
          continue;
        }
        exact.push(await exactCase(ms, d, peer, tmp, { peerAllowed: true, munkres: ms <= 2000, munkresJs: ms <= 500 }));
      }
      const backendSizes: [number, number][] = quick ? [[500, 784]] : [[1000, 784], [2000, 3072]];
      err('cost backends ...');
      const backendRows = await costBackendRows(backendSizes);
      err('greedy per batch ...');
      const greedy = await greedySection(quick, peer, (ms, d) => {
        const ex = exact.find((r) => r.ms === ms && r.d === d && r.ours);
        return ex?.ours ? 1 - ex.ours.after / ex.ours.before : null;
      });

      const exactTable = markdownTable(
        ['ms', 'd', 'cost s (ours)', 'backend', 'assign s (ours)', 'total s (ours)', 'cost s (numpy)', 'assign s (scipy)', 'total s (numpy+scipy)', 'ratio ours/peer', 'same optimum', 'munkres s', 'munkres-js s', 'path before', 'path after', 'note'],
        exact.map((r) => [
          r.ms,
          r.d,
          r.ours?.cost,
          r.ours?.backend,
          r.ours?.assign,
          r.ours?.total,
          r.peer?.cost,
          r.peer?.assign,
          r.peer?.total,
          ratio(r.ours?.total, r.peer?.total),
          r.peer && r.ours ? `${r.peer.same ? 'yes' : 'no'} (rel ${(Math.abs(r.ours.value - r.peer.value) / r.peer.value).toExponential(1)})` : null,
          r.munkres,
          r.munkresJs,
          r.ours?.before,
          r.ours?.after,
          r.note || (peer ? '' : 'no python3+numpy+scipy'),
        ]),
      );
      const backendTable = markdownTable(['ms', 'd', 'backend', 'seconds', 'GFLOP/s', 'notes'], backendRows);
      err('entropic plans ...');
      const entropic = await entropicSection(quick, tmp);
      const md = [
        '# flow-bench matching',
        '',
        `${machine}`,
        peer ? `Peer: python3 numpy ${peer.numpy}, scipy ${peer.scipy} (same run, same inputs).` : 'Peer: python3 with numpy+scipy not found.',
        '',
        'Inputs: data and noise rows both N(0, I) float32, seeded. "path" = mean squared path length |x - z|^2 before (identity pairing) and after matching.',
        'Ours: cost matrix in float32 (`computeCostMatrix`, backend auto) + `solveAssignment` (JV, float64 duals). Peer: float32 GEMM + float64 norms in NumPy, `scipy.optimize.linear_sum_assignment` on the float64 matrix.',
        '"same optimum": our assignment equals SciPy\'s, and the float64 totals of the two assignments (relative difference).',
        '',
        '## Exact assignment',
        '',
        exactTable,
        '',
        '## Cost matrix per backend',
        '',
        backendTable,
        '',
        greedy.markdown,
        '',
        entropic.markdown,
      ].join('\n');
      if (json) {
        process.stdout.write(`${JSON.stringify({ machine, peer, exact, backends: backendRows, greedy: greedy.rows, entropic: entropic.rows })}\n`);
      } else {
        process.stdout.write(`${md}\n`);
      }
      if (write) {
        writeSuiteReport('matching', md);
      }
      return 0;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};
