import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ndarray, readNpy, writeNpy } from '@flow/io';
import { entropicPartial, pairCost, planToPermutation, scaleCost, sinkhorn, sinkhornUnbalanced, type EntropicPlan } from '@flow/matching';
import { Rng } from '@flow/random';
import { err } from '../report';
import { markdownTable, type Cell } from '../table';

/** POT's three solvers on the same float64 cost; plans saved for the agreement column. */
const PEER_POT = `
import sys, json, time
import numpy as np
import ot, ot.partial, ot.unbalanced
C = np.load(sys.argv[1]); reg = float(sys.argv[2]); out = sys.argv[3]; which = sys.argv[4].split(",")
n = C.shape[0]; a = np.full(n, 1.0 / n); b = a.copy()
res = {"pot": ot.__version__}
def timed(name, fn):
    if name not in which: return
    t0 = time.perf_counter(); P, log = fn(); res[name] = {"seconds": time.perf_counter() - t0, "iterations": int(log.get("niter", len(log.get("err", [])))) if isinstance(log, dict) else None}
    np.save(out + name + ".npy", P)
timed("sinkhorn_log", lambda: ot.sinkhorn(a, b, C, reg, method="sinkhorn_log", numItermax=10000, stopThr=1e-9, log=True))
timed("sinkhorn", lambda: ot.sinkhorn(a, b, C, reg, method="sinkhorn", numItermax=10000, stopThr=1e-9, log=True))
timed("unbalanced", lambda: ot.unbalanced.sinkhorn_knopp_unbalanced(a, b, C, reg, 1.0, numItermax=10000, stopThr=1e-9, log=True))
timed("partial", lambda: ot.partial.entropic_partial_wasserstein(a, b, C, reg, m=0.9, numItermax=10000, stopThr=1e-9, log=True))
print(json.dumps(res))
`;

interface PotTiming {
  seconds: number;
  iterations: number | null;
}

/** /usr/bin/python3 (or FLOW_BENCH_POT_PYTHON) with POT, or null with the reason. */
function findPot(): { executable: string; version: string } | string {
  const executable = process.env.FLOW_BENCH_POT_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(executable, ['-c', 'import ot; print(ot.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return `POT not found (${executable} -c 'import ot' failed): POT columns skipped`;
  return { executable, version: r.stdout.trim() };
}

function maxAbsDiff(a: Float64Array, b: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]! - b[k]!));
  return m;
}

/**
 * The entropic section of `flow-bench matching`: our log-domain Sinkhorn, unbalanced Sinkhorn and entropic
 * partial transport against POT on the same mean-scaled squared-distance matrix, same run.
 */
export async function entropicSection(quick: boolean, tmp: string): Promise<{ markdown: string; rows: Cell[][] }> {
  const pot = findPot();
  const sizes = quick ? [200, 500] : [500, 1000, 2000];
  const d = 64;
  const reg = 0.05;
  const rows: Cell[][] = [];
  for (const n of sizes) {
    const rng = new Rng(500 + n);
    const x = rng.fillNormal(new Float32Array(n * d));
    const z = rng.fillNormal(new Float32Array(n * d));
    const raw = await pairCost(x, z, n, n, d, { backend: 'auto', precision: 'float64' });
    const { cost } = scaleCost(raw.cost, 'mean');
    const ours: Record<string, { plan: EntropicPlan; seconds: number }> = {};
    const time = (name: string, fn: () => EntropicPlan) => {
      const t0 = performance.now();
      const plan = fn();
      ours[name] = { plan, seconds: (performance.now() - t0) / 1000 };
      err(`  entropic ${name} n=${n}: ${ours[name]!.seconds.toFixed(2)} s, ${plan.iterations} iterations`);
    };
    time('sinkhorn', () => sinkhorn(cost, n, n, reg));
    time('unbalanced', () => sinkhornUnbalanced(cost, n, n, reg, 1));
    time('partial', () => entropicPartial(cost, n, n, reg, 0.9));
    const t0 = performance.now();
    planToPermutation(ours.sinkhorn!.plan, cost, 'sample', new Rng(1));
    const t1 = performance.now();
    planToPermutation(ours.sinkhorn!.plan, cost, 'assignment');
    const rounding = `${((t1 - t0) / 1000).toFixed(3)} / ${((performance.now() - t1) / 1000).toFixed(3)}`;
    let peer: Record<string, PotTiming> | null = null;
    if (typeof pot !== 'string') {
      const fc = path.join(tmp, 'c.npy');
      writeNpy(fc, ndarray('float64', [n, n], cost));
      // POT 0.8.2's entropic_partial_wasserstein rescales with np.dot(np.diag(.), K), O(n^3) per iteration:
      // beyond n = 1000 it runs for tens of minutes here, so it is left out there.
      const which = ['sinkhorn_log', 'sinkhorn', 'unbalanced', ...(n <= 1000 ? ['partial'] : [])];
      const r = spawnSync(pot.executable, ['-c', PEER_POT, fc, String(reg), path.join(tmp, 'pot-'), which.join(',')], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status === 0) {
        const lines = r.stdout.trim().split('\n');
        peer = JSON.parse(lines[lines.length - 1]!) as Record<string, PotTiming>;
        for (const [k, v] of Object.entries(peer)) if (typeof v === 'object') err(`  POT ${k} n=${n}: ${v.seconds.toFixed(2)} s, ${v.iterations} iterations`);
      } else err(`  POT failed: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    }
    const potPlan = (name: string) => readNpy(path.join(tmp, `pot-${name}.npy`)).data as Float64Array;
    for (const [name, potName] of [
      ['sinkhorn', 'sinkhorn_log'],
      ['sinkhorn', 'sinkhorn'],
      ['unbalanced', 'unbalanced'],
      ['partial', 'partial'],
    ] as const) {
      const o = ours[name]!;
      const p = peer?.[potName];
      rows.push([
        n,
        name,
        o.seconds,
        o.plan.iterations,
        potName === 'sinkhorn' ? 'ot.sinkhorn (kernel domain)' : potName === 'sinkhorn_log' ? "ot.sinkhorn method='sinkhorn_log'" : potName === 'unbalanced' ? 'sinkhorn_knopp_unbalanced' : 'entropic_partial_wasserstein',
        p?.seconds,
        p?.iterations,
        p ? o.seconds / p.seconds : null,
        p ? maxAbsDiff(o.plan.plan, potPlan(potName)) : null,
        name === 'sinkhorn' && potName === 'sinkhorn_log' ? rounding : null,
        !p && peer && potName === 'partial' ? 'POT skipped: O(n^3) per iteration (np.dot with np.diag), tens of minutes' : '',
      ]);
    }
  }
  const table = markdownTable(
    ['n', 'problem', 'ours s', 'ours iterations', 'POT function', 'POT s', 'POT iterations', 'ratio ours/POT', 'max |P_ours - P_POT|', 'pairing s (sample / assignment)', 'note'],
    rows,
  );
  const markdown = [
    '## Entropic, unbalanced and partial plans vs POT',
    '',
    typeof pot === 'string' ? pot : `Peer: POT ${pot.version} via ${pot.executable} (same run, same float64 cost matrix).`,
    '',
    `Cost: squared distances between N(0, I) rows (d = ${d}) divided by their mean; reg = ${reg}, uniform weights; unbalanced reg_m = 1; partial mass 0.9.`,
    'Both sides stop at 1e-9 on their own criterion (ours: L1 marginal violation for Sinkhorn, the largest log-scaling change otherwise; POT: L2 marginal violation, relative scaling change, plan change), so iteration counts and plans differ slightly. POT iterations are its `niter` (Sinkhorn) or the length of its error log (unbalanced: one entry per iteration; partial: one per 10 iterations).',
    "POT's plain `ot.sinkhorn` is the kernel-domain Sinkhorn-Knopp (matrix-vector products, BLAS): faster, but it underflows at small reg, where our log-domain solvers and `sinkhorn_log` keep going. 'pairing s' is the time to turn the Sinkhorn plan into a permutation: `sample` (the default) and `assignment`.",
    '',
    table,
    '',
  ].join('\n');
  return { markdown, rows };
}
