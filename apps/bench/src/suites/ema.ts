import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, SafetensorsWriter } from '@flow/io';
import { listSnapshots, PowerEmaTracker, reconstructEma, snapshotFileName, snapshotMetadata, sigmaRelToGamma, solvePosthocCoefficients } from '@flow/ema';
import { describeMachine } from '../machine';
import { findPythonPeer, runPython, type PythonPeer } from '../python-peer';
import { writeSuiteReport } from '../report';
import type { Suite } from '../suite';
import { markdownTable, type Cell } from '../table';

// The numpy peer does the same streaming weighted sum: per tensor, read it from every snapshot
// (np.fromfile at the safetensors offset), accumulate c_i * x_i in float64, write float32 safetensors
// atomically. It also solves the coefficients with numpy (EDM2's formulas) so the two solutions can be compared.
const PEER_RECONSTRUCT = String.raw`
import json, os, struct, sys, time
import numpy as np
dir_, out, target_sigma, target_step, repeats = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
def header(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        return json.loads(f.read(n)), 8 + n
def std_to_exp(std):
    t = std ** -2
    return np.roots([1, 7, 16 - t, 12 - t]).real.max()
def corr(a_ofs, a_exp, b_ofs, b_exp):
    t_ratio = a_ofs / b_ofs
    t_exp = np.where(a_ofs < b_ofs, b_exp, -a_exp)
    return (a_exp + 1) * (b_exp + 1) * t_ratio ** t_exp / ((a_exp + b_exp + 1) * np.maximum(a_ofs, b_ofs))
def run():
    t0 = time.perf_counter()
    files = sorted(f for f in os.listdir(dir_) if f.endswith('.safetensors') and not f.startswith('.'))
    snaps = []
    for f in files:
        h, start = header(os.path.join(dir_, f))
        m = h['__metadata__']
        snaps.append((float(m['step']), float(m['sigma_rel']), float(m['gamma']), os.path.join(dir_, f), h, start))
    snaps.sort(key=lambda s: (s[0], s[1]))
    snaps = [s for s in snaps if s[0] <= target_step]
    ofs = np.array([s[0] for s in snaps]); ex = np.array([s[2] for s in snaps])
    A = corr(ofs[:, None], ex[:, None], ofs[None, :], ex[None, :])
    b = corr(ofs, ex, np.float64(target_step), np.float64(std_to_exp(target_sigma)))
    x = np.linalg.solve(A, b); x = x / x.sum()
    t1 = time.perf_counter()
    h0 = snaps[0][4]
    names = [k for k in h0 if k != '__metadata__']
    hdr = {}; off = 0
    for k in names:
        n = int(np.prod(h0[k]['shape'])); hdr[k] = {'dtype': 'F32', 'shape': h0[k]['shape'], 'data_offsets': [off, off + 4 * n]}; off += 4 * n
    hb = json.dumps(hdr).encode(); hb += b' ' * ((8 - (len(hb) + 8) % 8) % 8)
    tmp = out + '.tmp'
    with open(tmp, 'wb') as fo:
        fo.write(struct.pack('<Q', len(hb))); fo.write(hb)
        for k in names:
            n = int(np.prod(h0[k]['shape']))
            acc = np.zeros(n, np.float64)
            for c, s in zip(x, snaps):
                b0, _ = s[4][k]['data_offsets']
                acc += c * np.fromfile(s[3], dtype='<f4', count=n, offset=s[5] + b0)
            fo.write(acc.astype(np.float32).tobytes())
        fo.flush(); os.fsync(fo.fileno())
    os.replace(tmp, out)
    t2 = time.perf_counter()
    return x, t1 - t0, t2 - t0
best = None
for _ in range(repeats):
    x, ts, tt = run()
    best = tt if best is None else min(best, tt)
print(json.dumps({'seconds': best, 'seconds_solve': ts, 'coefficients': x.tolist(), 'numpy': np.__version__}))
`;

// Training-side cost: one update of two float32 power EMAs (EDM2's lerp), per step.
const PEER_UPDATE = String.raw`
import json, sys, time
import numpy as np
n, steps = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
w = rng.standard_normal(n, dtype=np.float32)
emas = [w.copy(), w.copy()]
gammas = [16.97, 6.94]
best = 1e9
for t in range(2, steps + 2):
    t0 = time.perf_counter()
    for e, g in zip(emas, gammas):
        beta = (1 - 1 / t) ** (g + 1)
        e += np.float32(1 - beta) * (w - e)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({'seconds': best}))
`;

interface Row {
  parameters: number;
  tensors: number;
  snapshots: number;
  ours: number;
  oursSolve: number;
  peer: number | null;
  coefDiff: number | null;
  maxDiff: number;
}

function fillSnapshotData(n: number, seed: number): Float32Array {
  // Cheap deterministic values; what matters here is the bytes moved and the arithmetic, not the values.
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296 - 0.5) * 0.1;
  }
  return a;
}

/** Writes `steps` x 2 synthetic snapshots of a model with `tensors` tensors totalling `parameters`. */
function writeSnapshots(dir: string, parameters: number, tensors: number, steps: number, every: number): void {
  mkdirSync(dir, { recursive: true });
  const per = Math.floor(parameters / tensors);
  const sizes = Array.from({ length: tensors }, (_, i) => (i === tensors - 1 ? parameters - per * (tensors - 1) : per));
  const data = sizes.map((n, i) => fillSnapshotData(n, 1234 + i));
  for (let k = 1; k <= steps; k++) {
    for (const sigmaRel of [0.05, 0.1]) {
      const entries = sizes.map((n, i) => ({ name: `layer${i}.weight`, dtype: 'float32' as const, shape: [n] }));
      const w = new SafetensorsWriter(join(dir, snapshotFileName(sigmaRel, k * every)), entries, snapshotMetadata(sigmaRel, sigmaRelToGamma(sigmaRel), k * every));
      entries.forEach((e, i) => w.write(e.name, { dtype: 'float32', shape: e.shape, data: data[i]! }));
      w.close();
    }
  }
}

function benchReconstruct(root: string, parameters: number, steps: number, peer: PythonPeer | null, repeats: number, log: (m: string) => void): Row {
  const tensors = 10;
  const every = 4096;
  const dir = join(root, `snap-${parameters}-${steps}`);
  log(`writing ${2 * steps} snapshots of ${parameters} parameters (${((2 * steps * parameters * 4) / 2 ** 30).toFixed(2)} GiB)...`);
  writeSnapshots(dir, parameters, tensors, steps, every);
  const target = 0.08;
  const out = join(root, 'ours.safetensors');
  const times: number[] = [];
  let solveSeconds = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const snaps = listSnapshots(dir);
    const t1 = performance.now();
    solvePosthocCoefficients(snaps, { step: steps * every, sigmaRel: target });
    solveSeconds = (performance.now() - t1) / 1000 + (t1 - t0) / 1000;
    reconstructEma({ snapshots: snaps, sigmaRel: target, out });
    times.push((performance.now() - t0) / 1000);
  }
  const ours = Math.min(...times);
  const coefficients = solvePosthocCoefficients(listSnapshots(dir), { step: steps * every, sigmaRel: target }).coefficients;
  let peerSeconds: number | null = null;
  let coefDiff: number | null = null;
  let maxDiff = 0;
  if (peer) {
    const peerOut = join(root, 'peer.safetensors');
    const p = runPython<{ seconds: number; coefficients: number[] }>(peer, PEER_RECONSTRUCT, [dir, peerOut, String(target), String(steps * every), String(repeats)]);
    peerSeconds = p.seconds;
    const scale = Math.max(...coefficients.map(Math.abs));
    coefDiff = Math.max(...coefficients.map((c, i) => Math.abs(c - p.coefficients[i]!))) / scale;
    const a = readSafetensors(out).tensors;
    const b = readSafetensors(peerOut).tensors;
    for (const n of Object.keys(a)) {
      const x = a[n]!.data as Float32Array;
      const y = b[n]!.data as Float32Array;
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i]! - y[i]!));
    }
    rmSync(peerOut, { force: true });
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(out, { force: true });
  return { parameters, tensors, snapshots: 2 * steps, ours, oursSolve: solveSeconds, peer: peerSeconds, coefDiff, maxDiff };
}

function benchUpdate(parameters: number, peer: PythonPeer | null, steps: number): { ours: number; peer: number | null } {
  const w = fillSnapshotData(parameters, 99);
  const tracker = new PowerEmaTracker({ sigmaRels: [0.05, 0.1] });
  const times: number[] = [];
  for (let t = 0; t < steps; t++) {
    const t0 = performance.now();
    tracker.update({ w });
    times.push((performance.now() - t0) / 1000);
  }
  const ours = Math.min(...times.slice(1));
  const p = peer ? runPython<{ seconds: number }>(peer, PEER_UPDATE, [String(parameters), String(steps)]).seconds : null;
  return { ours, peer: p };
}

export const emaSuite: Suite = {
  name: 'ema',
  summary: 'post-hoc EMA reconstruction time per million parameters (numpy peer), EMA update cost',
  async run({ json, quick, args }) {
    const write = args.includes('--write');
    const log = (m: string) => process.stderr.write(`${m}\n`);
    const machine = describeMachine();
    const load = loadavg()[0]!.toFixed(1);
    const peer = findPythonPeer();
    const parameters = quick ? 1_000_000 : 10_000_000;
    const repeats = quick ? 2 : 3;
    const root = mkdtempSync(join(tmpdir(), 'flow-bench-ema-'));
    const rows: Row[] = [];
    let update: { ours: number; peer: number | null };
    try {
      for (const steps of [4, 20]) rows.push(benchReconstruct(root, parameters, steps, peer, repeats, log));
      log('timing PowerEmaTracker.update...');
      update = benchUpdate(parameters, peer, quick ? 5 : 10);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const perM = (s: number, p: number) => s / (p / 1e6);
    const peerName = peer ? `python3 numpy ${peer.numpy}` : 'python3+numpy not found: peer skipped';
    const header = ['parameters', 'snapshots', 'GiB read', 'ours s', 'ours s / M params', 'ours GiB/s', 'peer s', 'peer s / M params', 'ours/peer', 'coef diff', 'max abs w diff'];
    const cells: Cell[][] = rows.map((r) => {
      const bytes = r.parameters * 4 * r.snapshots;
      return [
        r.parameters,
        r.snapshots,
        bytes / 2 ** 30,
        r.ours,
        perM(r.ours, r.parameters),
        bytes / 2 ** 30 / r.ours,
        r.peer,
        r.peer === null ? null : perM(r.peer, r.parameters),
        r.peer === null ? null : r.ours / r.peer,
        r.coefDiff,
        r.peer === null ? null : r.maxDiff,
      ];
    });
    const updateHeader = ['parameters', 'EMAs', 'ours ms / step', 'ours ms / step / M params', 'peer ms / step', 'ours/peer'];
    const updateCells: Cell[][] = [[parameters, 2, update.ours * 1e3, (update.ours * 1e3) / (parameters / 1e6), update.peer === null ? null : update.peer * 1e3, update.peer === null ? null : update.ours / update.peer]];
    const inputs = `inputs: synthetic float32 snapshots on disk (${tmpdir()}), ${rows[0]!.tensors} tensors, two power EMAs (sigma_rel 0.05, 0.10) every 4096 steps; target sigma_rel 0.08 at the last step; float64 accumulation, float32 output written atomically; best of ${repeats} runs, page cache warm (files just written); load average at start ${load}; peer: ${peerName}`;
    const table = markdownTable(header, cells);
    const updateTable = markdownTable(updateHeader, updateCells);
    if (json) {
      process.stdout.write(`${JSON.stringify({ suite: 'ema', machine, inputs, peer: peer ? { numpy: peer.numpy } : null, reconstruct: rows, update })}\n`);
    } else {
      process.stdout.write(`${machine}\n${inputs}\n\nPost-hoc reconstruction (flow ema reconstruct work: list, solve, stream, sum, write)\n\n${table}\n\nTraining-side update of two power EMAs (PowerEmaTracker.update)\n\n${updateTable}\n`);
    }
    if (write) {
      const md = [
        '# flow-bench ema',
        '',
        `Command: \`flow-bench ema${quick ? ' --quick' : ''} --write\``,
        '',
        machine,
        '',
        inputs,
        '',
        'Post-hoc reconstruction: snapshot listing, the float64 least-squares solve, then tensor by tensor a streamed',
        'weighted sum over every snapshot. "coef diff" is the largest difference between our coefficients and numpy\'s',
        '(np.linalg.solve on the same Gram matrix), relative to the largest coefficient; "max abs w diff" compares the',
        'two reconstructed files element by element.',
        '',
        table,
        '',
        'Training-side cost: one `PowerEmaTracker.update` (two float32 EMAs, lerp per element), against numpy\'s',
        '`e += (1 - beta) * (w - e)` on the same sizes (fastest of the steps timed).',
        '',
        updateTable,
        '',
      ].join('\n');
      writeSuiteReport('ema', md);
    }
    return 0;
  },
};
