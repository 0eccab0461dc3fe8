import { createCoupling, listCostBackends, type Coupling } from '@flow/matching';
import { Rng } from '@flow/random';
import { runPython, type PythonPeer } from '../python-peer';
import { err } from '../report';
import { markdownTable, type Cell } from '../table';

const PEER_GREEDY = `
import sys, json, time
import numpy as np
ms, d, batch, nb = (int(a) for a in sys.argv[1:5])
rng = np.random.default_rng(0)
pool = rng.standard_normal((ms, d), dtype=np.float32)
pp = np.einsum('ij,ij->i', pool, pool)
used = np.zeros(ms, dtype=bool); n_used = 0
spent = 0.0; before = 0.0; after = 0.0
for b in range(nb):
    x = rng.standard_normal((batch, d), dtype=np.float32)
    t0 = time.perf_counter()
    D = (x * x).sum(1)[:, None] + pp[None, :] - 2.0 * (x @ pool.T)
    for i in range(batch):
        row = np.where(used, np.inf, D[i])
        k = int(np.argmin(row)); used[k] = True; n_used += 1
        after += float(((x[i] - pool[k]) ** 2).sum())
    spent += time.perf_counter() - t0
print(json.dumps({"per_batch": spent / nb, "after": after / (nb * batch)}))
`;

export interface GreedyRow {
  ms: number;
  d: number;
  batch: number;
  /** Seconds per batch with the kernel `auto` picks (native where its addon built, else wasm). */
  ours: number;
  /** Seconds per batch on @flow/native's sgemm (null where the addon is absent) and on the wasm pool kernel. */
  native: number | null;
  wasm: number;
  peer: number | null;
  ratio: number | null;
  nativeRatio: number | null;
  wasmRatio: number | null;
  backend: string;
  before: number;
  after: number;
  reduction: number;
  exactReduction: number | null;
}

/**
 * DANSM's greedy rule per training batch of 128 through the `dansm` coupling (distances batch x pool + the in-order
 * nearest-unused rule), over a whole pool cycle (ceil(ms / 128) batches; 3 with --quick), vs numpy's same rule.
 */
export async function greedySection(
  quick: boolean,
  peer: PythonPeer | null,
  exactReduction: (ms: number, d: number) => number | null,
  only?: [number, number][],
): Promise<{ rows: GreedyRow[]; markdown: string }> {
  const sizes: [number, number][] = only ?? (quick ? [[1000, 784]] : [[1000, 784], [1000, 3072], [10000, 784], [10000, 3072]]);
  const rows: GreedyRow[] = [];
  const nativeInfo = (await listCostBackends()).find((b) => b.name === 'native');
  // The kernel `auto` picks comes first: its run gives the path figures and `ours`.
  const kernels = nativeInfo?.available ? ['native', 'wasm'] : ['wasm'];
  const nativeNote = nativeInfo?.available ? nativeInfo.reason : `absent here: ${nativeInfo?.reason ?? 'no native backend'}`;
  // Start the kernel's worker threads and let V8 tier its code up once per process, as a trainer does on its first
  // step, so the first timed pool cycle is not a start-up benchmark (numpy's BLAS threads are up before its timer too).
  {
    const warmRng = new Rng(1);
    for (const costBackend of kernels) {
      const warm = createCoupling('dansm', { sampler: { dim: 256, draw: (n: number) => warmRng.fillNormal(new Float32Array(n * 256)) }, rng: new Rng(2), ms: 2000, costBackend, batch: 128 });
      for (let b = 0; b < 4; b++) await warm.next(128);
    }
  }
  for (const [ms, d] of sizes) {
    const nb = quick ? 3 : Math.ceil(ms / 128);
    // Each kernel on the same data and noise (same seeds), so the pairs and path figures agree between them.
    const runs = new Map<string, { perBatch: number; stats: ReturnType<Coupling['stats']> }>();
    for (const costBackend of kernels) {
      const dataRng = new Rng(77);
      const sampler = { dim: d, draw: (count: number) => dataRng.fillNormal(new Float32Array(count * d)) };
      const c = createCoupling('dansm', { sampler, rng: new Rng(78), ms, costBackend, batch: 128 });
      for (let b = 0; b < nb; b++) await c.next(128);
      const stats = c.stats();
      runs.set(costBackend, { perBatch: stats.seconds / stats.batches, stats });
    }
    const p = peer ? runPython<{ per_batch: number; after: number }>(peer, PEER_GREEDY, [String(ms), String(d), '128', String(nb)]) : null;
    const best = runs.get(kernels[0]!)!;
    const st = best.stats;
    const native = runs.get('native')?.perBatch ?? null;
    const wasm = runs.get('wasm')!.perBatch;
    const vsPeer = (v: number | null): number | null => (p && v !== null ? v / p.per_batch : null);
    rows.push({ ms, d, batch: 128, ours: best.perBatch, native, wasm, peer: p?.per_batch ?? null, ratio: vsPeer(best.perBatch), nativeRatio: vsPeer(native), wasmRatio: vsPeer(wasm), backend: st.costBackend, before: st.meanSqPathBefore, after: st.meanSqPathAfter, reduction: st.reduction, exactReduction: exactReduction(ms, d) });
    err(`  greedy ms=${ms} d=${d}: ${native !== null ? `native ${native.toFixed(3)}, ` : ''}wasm ${wasm.toFixed(3)} s/batch${p ? `, numpy ${p.per_batch.toFixed(3)} s/batch` : ''} (${st.costBackend})`);
  }
  const table = markdownTable(
    ['ms', 'd', 'batch', 's/batch (native)', 's/batch (wasm)', 's/batch (numpy)', 'native / numpy', 'wasm / numpy', 'distance kernel (auto)', 'path before', 'path after (greedy)', 'reduction (greedy)', 'reduction (exact, same ms)'],
    rows.map((r): Cell[] => [r.ms, r.d, r.batch, r.native, r.wasm, r.peer, r.nativeRatio, r.wasmRatio, r.backend, r.before, r.after, r.reduction, r.exactReduction]),
  );
  const markdown = [
    '## Greedy (DANSM) per training batch',
    '',
    `Batches of 128 (a whole pool cycle, ceil(ms / 128) batches; 3 with --quick) through the \`dansm\` coupling: the pool packed once per draw into the distance kernel (counted in our time), then per batch one GEMM (|x|^2 - 2 x.z + |z|^2) against the pool entries still unused (used ones leave the packed pool, so over a cycle the GEMM does about half the work of one against the whole pool; same pairs) and one in-order nearest-unused pass, once on \`@flow/native\` (OpenBLAS sgemm; centring, distances and the greedy pass native too, where its addon built: ${nativeNote}) and once on the wasm pool kernel, same data; the numpy peer does the same rule the straightforward way with its own data (float32 GEMM of each batch against the whole pool through its BLAS, then a masked argmin per row; the pool's norms outside its timer).`,
    '',
    table,
  ].join('\n');
  return { rows, markdown };
}
