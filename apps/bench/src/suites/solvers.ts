import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { readNpy, toFloat32, writeFileAtomic } from '@flow/io';
import { lineChart } from '@flow/plot';
import { initBackend } from '@flow/runtime';
import { BespokeSolver, GaussianMixtureFlow, solve, STAGES, trainBespoke, type FixedStepMethod, type VelocityField } from '@flow/solvers';
import * as tf from '@tensorflow/tfjs-core';
import { describeMachine } from '../machine';
import { findPythonPeer, runPython } from '../python-peer';
import { repoRoot } from '../report';
import type { Suite } from '../suite';
import { markdownTable, type Cell } from '../table';

const NFES = [4, 6, 8, 10, 16, 32, 64];
const BESPOKE_NFES = [4, 6, 8, 10, 16];
const FIXED: FixedStepMethod[] = ['euler', 'midpoint', 'heun', 'rk4'];
const TOLS = [1e-3, 1e-5];
const LR = 5e-2;
const GT_TOL = 1e-4;

/** Bespoke trainings per case: the full NFE sweep in 2-D, NFE 8 only in higher dimensions (cost). */
interface BespokeRunPlan {
  nfes: number[];
  /** The NFE sweep (RK1 and RK2). */
  iterations: number;
  batch: number;
  /** The RK2-BES NFE 8 runs of the held-out check (both losses). */
  headlineIterations: number;
  headlineBatch: number;
}
function bespokePlan(dim: number, iterations: number, headline: number, quick: boolean): BespokeRunPlan {
  if (quick) return { nfes: [8], iterations: Math.min(iterations, 20), batch: dim <= 2 ? 64 : 16, headlineIterations: Math.min(iterations, 20), headlineBatch: dim <= 2 ? 64 : 16 };
  if (dim <= 2) return { nfes: BESPOKE_NFES, iterations, batch: 128, headlineIterations: headline, headlineBatch: 256 };
  if (dim <= 64) return { nfes: [], iterations, batch: 64, headlineIterations: headline, headlineBatch: 64 };
  return { nfes: [], iterations, batch: 32, headlineIterations: Math.min(headline, 80), headlineBatch: 32 };
}

// scipy solve_ivp on the same flow (the closed form of fixtures/generators/gmm.py, vectorised in numpy)
const PEER = String.raw`
import json, sys, time
import numpy as np
from scipy.integrate import solve_ivp
spec = json.load(open(sys.argv[1])); x0 = np.load(sys.argv[2]).astype(np.float64); ref = np.load(sys.argv[3])[-1]
tols = json.loads(sys.argv[4])
w = np.array(spec['weights']); M = np.array(spec['means']); s = np.array(spec['stds'])
n, d = x0.shape
def vel(t, y):
    x = y.reshape(n, d)
    var = t*t*s**2 + (1-t)**2
    diff = x[:, None, :] - t*M[None]
    sq = np.einsum('nkd,nkd->nk', diff, diff)
    lw = np.log(w)[None] - 0.5*d*np.log(var)[None] - sq/(2*var[None])
    lw -= lw.max(1, keepdims=True); a = np.exp(lw); a /= a.sum(1, keepdims=True)
    c = (t*s**2 - (1-t))/var
    return (a @ M + (a*c).sum(1, keepdims=True)*x - t*((a*c) @ M)).ravel()
out = {'solve': []}
for tol in tols:
    for method in ['RK45', 'DOP853']:
        best = None
        for _ in range(2):
            t0 = time.perf_counter(); r = solve_ivp(vel, (0, 1), x0.ravel(), method=method, rtol=tol, atol=tol); dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        rmse = float(np.sqrt(np.mean((r.y[:, -1].reshape(n, d) - ref)**2)))
        out['solve'].append({'tol': tol, 'method': method, 'nfe': int(r.nfev), 'seconds': best, 'rmse': rmse})
# solver overhead: the trivial field v = -x on the same state size
y0 = x0.ravel()
t0 = time.perf_counter(); r = solve_ivp(lambda t, y: -y, (0, 1), y0, method='RK45', rtol=1e-5, atol=1e-5); dt = time.perf_counter() - t0
out['overhead'] = {'method': 'RK45', 'nfe': int(r.nfev), 'seconds': dt}
print(json.dumps(out))
`;

interface CaseData {
  name: string;
  n: number;
  dim: number;
  specPath: string;
  x0Path: string;
  trajPath: string;
  flow: GaussianMixtureFlow;
  x0: Float32Array;
  exact: Float32Array;
}

/** The repository's fixtures/gmm-flow, or FLOW_REFERENCE/gmm-flow: a full set (32 d = 784 samples, not 8) from make_reference.py. */
export function referenceDir(): string | null {
  const dir = process.env.FLOW_REFERENCE ? join(process.env.FLOW_REFERENCE, 'gmm-flow') : join(repoRoot(), 'fixtures', 'gmm-flow');
  return existsSync(join(dir, 'cases.json')) ? dir : null;
}

function loadCase(dir: string, name: string): CaseData {
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')).cases as { name: string; n: number; dim: number; spec: string; x0: string; trajectory: string }[];
  const c = cases.find((q) => q.name === name);
  if (!c) throw new Error(`gmm-flow case ${name} not found in ${dir}`);
  const traj = readNpy(join(dir, c.trajectory));
  const T = traj.shape[0];
  const size = c.n * c.dim;
  const all = toFloat32(traj);
  return {
    name,
    n: c.n,
    dim: c.dim,
    specPath: join(dir, c.spec),
    x0Path: join(dir, c.x0),
    trajPath: join(dir, c.trajectory),
    flow: GaussianMixtureFlow.fromFile(join(dir, c.spec)),
    x0: toFloat32(readNpy(join(dir, c.x0))),
    exact: all.slice((T - 1) * size, T * size),
  };
}

function rmse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

function timeSolve(run: () => tf.Tensor, repeats: number): { seconds: number; out: Float32Array<ArrayBufferLike> } {
  let best = Infinity;
  let out = new Float32Array(0) as Float32Array<ArrayBufferLike>;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const x = run();
    out = x.dataSync() as Float32Array;
    best = Math.min(best, (performance.now() - t0) / 1000);
    x.dispose();
  }
  return { seconds: best, out };
}

interface ErrorRow {
  case: string;
  solver: string;
  nfe: number;
  rmse: number;
  seconds: number;
}

export const solversSuite: Suite = {
  name: 'solvers',
  summary: 'RMSE to the exact endpoint vs NFE on reference GMM flows (fixed-step, Bespoke, dopri5 vs scipy), overhead',
  async run({ json, quick, args }) {
    const write = args.includes('--write');
    const itArg = args.find((a) => a.startsWith('--iterations='));
    const caseArg = args.find((a) => a.startsWith('--cases='));
    const log = (m: string) => process.stderr.write(`${m}\n`);
    const dir = referenceDir();
    if (!dir) {
      process.stderr.write(`flow-bench solvers: no cases.json in ${process.env.FLOW_REFERENCE ? 'FLOW_REFERENCE/gmm-flow' : 'fixtures/gmm-flow'}\n`);
      return 2;
    }
    const backend = await initBackend(process.env.FLOW_BACKEND ?? 'cpu');
    const machine = describeMachine();
    const load = loadavg()[0].toFixed(1);
    const peer = findPythonPeer();
    const names = caseArg ? caseArg.slice(8).split(',') : quick ? ['ring8_2d'] : ['two_mode_2d', 'ring8_2d', 'mixed_d64', 'mnist_means_d784'];
    const bespokeIterations = itArg ? Number(itArg.slice(13)) : quick ? 20 : 100;
    const headArg = args.find((a) => a.startsWith('--headline-iterations='));
    const headlineIterations = headArg ? Number(headArg.slice(22)) : 200;
    const repeats = quick ? 1 : 3;
    const errors: ErrorRow[] = [];
    const training: { case: string; solver: string; nfe: number; loss: string; iterations: number; batch: number; seconds: number; initialLoss: number; finalLoss: number; groundTruthNfe: number }[] = [];
    const adaptive: { case: string; tol: number; solver: string; nfe: number; seconds: number; rmse: number }[] = [];
    for (const name of names) {
      const c = loadCase(dir, name);
      const x0 = tf.tensor2d(c.x0, [c.n, c.dim]);
      log(`${name}: fixed-step solvers`);
      for (const method of FIXED) {
        for (const nfe of NFES) {
          if (nfe % STAGES[method] !== 0) continue;
          const r = timeSolve(() => solve(c.flow.velocity, x0, { method, nfe }).x, nfe <= 16 ? repeats : 1);
          errors.push({ case: name, solver: method, nfe, rmse: rmse(r.out, c.exact), seconds: r.seconds });
        }
      }
      // Bespoke: the NFE sweep where affordable (2-D: every NFE; d = 64: NFE 8 only; d = 784: NFE 8, fewer iterations)
      const plan = bespokePlan(c.dim, bespokeIterations, headlineIterations, quick);
      const runs: { base: 'euler' | 'midpoint'; nfe: number; loss: 'bound' | 'rmse'; iterations: number; batch: number }[] = [];
      for (const base of ['euler', 'midpoint'] as const) for (const nfe of plan.nfes) if (!(base === 'midpoint' && nfe === 8)) runs.push({ base, nfe, loss: 'rmse', iterations: plan.iterations, batch: plan.batch });
      for (const loss of ['rmse', 'bound'] as const) runs.push({ base: 'midpoint', nfe: 8, loss, iterations: plan.headlineIterations, batch: plan.headlineBatch });
      for (const { base, nfe, loss, iterations, batch } of runs) {
        const label = `${base === 'euler' ? 'RK1-BES' : 'RK2-BES'}${loss === 'bound' ? ' (bound)' : ''}`;
        log(`${name}: training ${label} at NFE ${nfe} (${iterations} iterations, ${batch} fresh noises each, loss ${loss})`);
        const t = trainBespoke(c.flow.velocity, { base, nfe, shape: [c.dim], iterations, batch, learningRate: LR, loss, seed: 1000 + nfe, rtol: GT_TOL, atol: GT_TOL });
        training.push({ case: name, solver: label, nfe, loss, iterations, batch, seconds: t.seconds, initialLoss: t.initialLoss, finalLoss: t.finalLoss, groundTruthNfe: t.groundTruthNfe });
        const solver: BespokeSolver = t.solver;
        const r = timeSolve(() => solver.solve(c.flow.velocity, x0).x, repeats);
        errors.push({ case: name, solver: label, nfe, rmse: rmse(r.out, c.exact), seconds: r.seconds });
      }
      log(`${name}: dopri5`);
      for (const tol of TOLS) {
        let nfe = 0;
        const r = timeSolve(() => {
          const s = solve(c.flow.velocity, x0, { method: 'dopri5', rtol: tol, atol: tol });
          nfe = s.nfe;
          return s.x;
        }, repeats);
        adaptive.push({ case: name, tol, solver: 'ours dopri5 (float32)', nfe, seconds: r.seconds, rmse: rmse(r.out, c.exact) });
      }
      if (peer) {
        log(`${name}: scipy solve_ivp`);
        const p = runPython<{ solve: { tol: number; method: string; nfe: number; seconds: number; rmse: number }[] }>(peer, PEER, [c.specPath, c.x0Path, c.trajPath, JSON.stringify(TOLS)]);
        for (const q of p.solve) adaptive.push({ case: name, tol: q.tol, solver: `scipy ${q.method} (float64)`, nfe: q.nfe, seconds: q.seconds, rmse: q.rmse });
      }
      x0.dispose();
      c.flow.dispose();
    }

    // The solver's own cost: a trivial field (v = -x) on a 256 x 64 state, per evaluation
    log('solver overhead with a trivial field');
    const trivial: VelocityField = (x) => tf.neg(x);
    const ox = tf.randomNormal([256, 64], 0, 1, 'float32', 7);
    const tField = timeSolve(() => trivial(ox, 0), 20).seconds;
    const overhead: { solver: string; nfe: number; secondsPerEval: number; overheadPerEval: number }[] = [];
    for (const method of [...FIXED, 'dopri5'] as const) {
      let nfe = 0;
      const r = timeSolve(() => {
        const s = method === 'dopri5' ? solve(trivial, ox, { method, rtol: 1e-5, atol: 1e-5 }) : solve(trivial, ox, { method, nfe: 64 });
        nfe = s.nfe;
        return s.x;
      }, 5);
      overhead.push({ solver: method, nfe, secondsPerEval: r.seconds / nfe, overheadPerEval: r.seconds / nfe - tField });
    }
    let peerOverhead: { nfe: number; seconds: number } | null = null;
    if (peer) {
      const { writeNpy, ndarray } = await import('@flow/io');
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const tmp = mkdtempSync(join(tmpdir(), 'flow-bench-solvers-'));
      try {
        const xp = join(tmp, 'x0.npy');
        writeNpy(xp, ndarray('float32', [256, 64], ox.dataSync() as Float32Array));
        // reuse the peer script with a one-component spec only for its overhead line
        const specPath = join(tmp, 'spec.json');
        writeFileAtomic(specPath, JSON.stringify({ weights: [1], means: [new Array(64).fill(0)], stds: [1] }));
        const trajPath = join(tmp, 'traj.npy');
        writeNpy(trajPath, ndarray('float32', [1, 256, 64], ox.dataSync() as Float32Array));
        peerOverhead = runPython<{ overhead: { nfe: number; seconds: number } }>(peer, PEER, [specPath, xp, trajPath, '[]']).overhead;
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    ox.dispose();

    // tables
    const solverNames = [...FIXED, 'RK1-BES', 'RK2-BES', 'RK2-BES (bound)'];
    const sections: string[] = [];
    for (const name of names) {
      const header = ['solver', ...NFES.map((q) => `NFE ${q}`)];
      const rows: Cell[][] = solverNames.map((s) => [s, ...NFES.map((q) => errors.find((e) => e.case === name && e.solver === s && e.nfe === q)?.rmse)]);
      sections.push(`RMSE to the exact endpoint, ${name}\n\n${markdownTable(header, rows)}`);
    }
    const timeHeader = ['case', ...solverNames.map((s) => `${s} s @ NFE 16`)];
    const timeRows: Cell[][] = names.map((name) => [name, ...solverNames.map((s) => errors.find((e) => e.case === name && e.solver === s && e.nfe === 16)?.seconds)]);
    const adaptiveRows: Cell[][] = adaptive.map((a) => {
      const ours = adaptive.find((q) => q.case === a.case && q.tol === a.tol && q.solver.startsWith('ours'));
      return [a.case, a.tol, a.solver, a.nfe, a.seconds, a.rmse, ours && a !== ours ? ours.seconds / a.seconds : null];
    });
    const trainRows: Cell[][] = training.map((t) => [t.case, t.solver, t.nfe, t.loss, t.iterations, t.batch, t.seconds, t.initialLoss, t.finalLoss, t.groundTruthNfe]);
    const overheadRows: Cell[][] = overhead.map((o) => [o.solver, o.nfe, o.secondsPerEval * 1e6, o.overheadPerEval * 1e6]);
    if (peerOverhead) overheadRows.push([`scipy RK45 (peer)`, peerOverhead.nfe, (peerOverhead.seconds / peerOverhead.nfe) * 1e6, null]);
    const verdict = names
      .map((name) => {
        const m = errors.find((e) => e.case === name && e.solver === 'midpoint' && e.nfe === 16);
        const m8 = errors.find((e) => e.case === name && e.solver === 'midpoint' && e.nfe === 8);
        if (!m) return null;
        const parts = ['RK2-BES', 'RK2-BES (bound)'].map((label) => {
          const b = errors.find((e) => e.case === name && e.solver === label && e.nfe === 8);
          if (!b) return null;
          return `${label} @ NFE 8 RMSE ${b.rmse.toExponential(3)} (${b.rmse <= m.rmse ? 'MEETS: at least as accurate as midpoint @ 16' : `does not meet: ${(b.rmse / m.rmse).toFixed(2)}x midpoint @ 16`})`;
        });
        return `- ${name}: midpoint @ NFE 8 ${m8 ? m8.rmse.toExponential(3) : '-'}, midpoint @ NFE 16 ${m.rmse.toExponential(3)}; ${parts.filter((q) => q !== null).join('; ')}`;
      })
      .filter((q): q is string => q !== null);
    const inputs = [
      `inputs: ${process.env.FLOW_REFERENCE ? 'FLOW_REFERENCE' : 'fixtures'}/gmm-flow cases ${names.join(', ')} (start noises x0 and exact endpoints from SciPy DOP853 at rtol = atol = 1e-11); TensorFlow.js backend ${backend.backend} (float32); uniform time grids;`,
      `Bespoke solvers trained per case and NFE on fresh seeded noise each iteration (never the x0 above): Adam, lr ${LR} cosine-decayed to 2%, ground truth dopri5 at rtol = atol = ${GT_TOL};`,
      `  2-D cases: RK1/RK2-BES at NFE ${BESPOKE_NFES.join(', ')} with ${bespokeIterations} iterations x 128 noises, RK2-BES at NFE 8 with ${headlineIterations} x 256; d = 64: RK2-BES NFE 8 only, ${headlineIterations} x 64; d = 784: RK2-BES NFE 8 only, ${Math.min(headlineIterations, 80)} x 32 (cost; see the training table);`,
      `  loss 'rmse' (RK1-BES, RK2-BES rows: the global endpoint RMSE, gradients through the solve) and, at NFE 8, the paper's RMSE bound (RK2-BES (bound) row); times are the best of ${repeats} solves;`,
      `load average at start ${load}; peer: ${peer ? `python3 numpy ${peer.numpy} scipy ${peer.scipy} (solve_ivp on the flattened system, float64, same x0)` : 'python3+numpy/scipy not found: peer rows skipped'}`,
    ].join('\n');
    const text = [
      machine,
      inputs,
      '',
      ...sections.flatMap((s) => [s, '']),
      'Held-out check (issue: RK2-BES at NFE 8 vs midpoint at NFE 16, on the reference x0, never seen in training)',
      '',
      ...verdict,
      '',
      'Seconds per solve at NFE 16 (whole batch of the case)',
      '',
      markdownTable(timeHeader, timeRows),
      '',
      'Adaptive solvers at matched tolerance (rtol = atol); ours/peer = our seconds / peer seconds',
      '',
      markdownTable(['case', 'tol', 'solver', 'NFE', 'seconds', 'RMSE', 'ours/peer'], adaptiveRows),
      '',
      'Bespoke training',
      '',
      markdownTable(['case', 'solver', 'NFE', 'loss', 'iterations', 'batch', 'seconds', 'initial loss', 'final loss', 'ground-truth NFE'], trainRows),
      '',
      `Solver overhead with a trivial field v = -x (256 x 64 state; the field alone costs ${(tField * 1e6).toFixed(1)} us per call)`,
      '',
      markdownTable(['solver', 'NFE', 'us per evaluation', 'solver overhead us per evaluation'], overheadRows),
    ].join('\n');
    const data = { suite: 'solvers', machine, backend: backend.backend, inputs, peer: peer ? { numpy: peer.numpy, scipy: peer.scipy } : null, errors, training, adaptive, overhead, peerOverhead, verdict };
    if (json) process.stdout.write(`${JSON.stringify(data)}\n`);
    else process.stdout.write(`${text}\n`);
    if (write) {
      const out = join(repoRoot(), 'docs', 'benchmarks');
      mkdirSync(out, { recursive: true });
      writeFileAtomic(join(out, 'solvers.json'), `${JSON.stringify(data, null, 1)}\n`);
      const charts: string[] = [];
      for (const name of names) {
        const canvas = lineChart({
          title: `RMSE to exact endpoint vs NFE: ${name}`,
          x: { label: 'NFE', log: true },
          y: { label: 'RMSE', log: true },
          series: solverNames.map((s) => {
            const pts = errors.filter((e) => e.case === name && e.solver === s).sort((a, b) => a.nfe - b.nfe);
            return { name: s, x: pts.map((p) => p.nfe), y: pts.map((p) => p.rmse) };
          }),
        });
        const file = `solvers-${name}.png`;
        canvas.writePng(join(out, file));
        charts.push(`![${name}](${file})`);
      }
      const md = ['# flow-bench solvers', '', `Command: \`flow-bench solvers${quick ? ' --quick' : ''} ${args.filter((a) => a !== '--quick').join(' ')}\``, '', '```', text, '```', '', ...charts, ''].join('\n');
      writeFileAtomic(join(out, 'solvers.md'), md);
      log(`wrote ${join(out, 'solvers.md')}, solvers.json and the PNG plots`);
    }
    return 0;
  },
};
