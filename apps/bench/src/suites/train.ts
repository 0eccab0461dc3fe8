import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { BACKEND_NAMES, BackendUnavailableError, initBackend, measureMatmulGflops, registerGradients, type ResolvedBackend } from '@flow/runtime';
import { countFlops, countParameters, createEdm2Unet, getUnetPreset, unetPresetNames } from '@flow/unet-edm2';
import { describeMachine } from '../machine';
import { findPythonPeer, runPython } from '../python-peer';
import { loadWarning, reportHead, writeSuiteReport } from '../report';
import type { Suite } from '../suite';
import { markdownTable, type Cell } from '../table';
import { measurePeak, peakVariants } from '../peak/peak-fma';
import { findTorchPeer, runTorchPeer, type TorchPeerResult } from '../train/torch-peer';
import { parseTrainOptions, TrainOptionError, type TrainOptions } from '../train/train-options';
import { joinPeer, type PeerMeasurement } from '../train/train-rows';

// The peer: numpy's float32 matmul (its BLAS) on the same sizes, as the machine's practical GEMM limit.
const PEER_MATMUL = String.raw`
import json, sys, time
import numpy as np
n = int(sys.argv[1]); reps = int(sys.argv[2])
rng = np.random.default_rng(0)
a = rng.standard_normal((n, n), dtype=np.float32); b = rng.standard_normal((n, n), dtype=np.float32)
best = 1e9
for r in range(reps + 1):
    t0 = time.perf_counter(); c = a @ b; dt = time.perf_counter() - t0
    if r > 0: best = min(best, dt)
print(json.dumps({"seconds": best, "gflops": 2 * n ** 3 / best / 1e9}))
`;

type Mode = 'forward' | 'forward+backward';

interface Row {
  backend: string;
  preset: string;
  parameters: number;
  batch: number;
  mode: Mode;
  seconds: number;
  repeats: number;
  imagesPerSecond: number;
  gflops: number;
  /** Achieved GFLOP/s over the backend's own matmul GFLOP/s. */
  ofMatmul: number;
  /** The wasm FMA peak around this row (CPU backends): the higher of the peaks right before and right after it. */
  peakGflops?: number;
  /** Why this measurement was not taken (then the figures are NaN). */
  skipped?: string;
}

// Every engine @flow/runtime offers (a new one, say `native`, joins the run when the runtime lists it).
const BACKENDS = BACKEND_NAMES.filter((b): b is ResolvedBackend => b !== 'auto');

/**
 * Best wall time of `fn`, stopping early once `budget` seconds are spent. Its first output (the loss, or the
 * forward pass's result) is read back; the others too where `readAll` (GPU backends, whose kernels finish
 * asynchronously). On CPU engines every output is in memory when `fn` returns: copying the gradients into
 * fresh arrays is no part of a training step (the PyTorch peer reads none), and on a VM their page faults cost
 * 0.5-4 ms a pass.
 */
async function time(fn: () => tf.Tensor[], maxRepeats: number, budget: number, readAll: boolean, warmups: number): Promise<{ seconds: number; repeats: number }> {
  let best = Infinity;
  let spent = 0;
  let repeats = 0;
  for (let r = 1 - warmups; r <= maxRepeats; r++) {
    const t0 = performance.now();
    const out = fn();
    await Promise.all((readAll ? out : out.slice(0, 1)).map((t) => t.data()));
    const dt = (performance.now() - t0) / 1000;
    out.forEach((t) => t.dispose());
    spent += dt;
    // r <= 0 are the warm-ups; if they alone used the budget, report the last rather than nothing
    if (r > 0 || spent >= budget) {
      best = Math.min(best, dt);
      repeats++;
    }
    if (spent >= budget) break;
  }
  return { seconds: best, repeats };
}

interface Plan {
  preset: string;
  batches: number[];
}

export const trainSuite: Suite = {
  name: 'train',
  summary: 'EDM2 U-Net forward and forward+backward throughput and GFLOP/s per backend, vs the backend matmul',
  async run({ json, quick, args }) {
    let opts: TrainOptions;
    try {
      opts = parseTrainOptions(args);
    } catch (e) {
      if (!(e instanceof TrainOptionError)) throw e;
      process.stderr.write(`flow-bench train: ${e.message}\n`);
      return 2;
    }
    const write = opts.write;
    const only = opts.backends;
    const log = (m: string) => process.stderr.write(`${m}\n`);
    const known = new Set(unetPresetNames());
    const badPreset = opts.presets?.find((p) => !known.has(p));
    if (badPreset) {
      process.stderr.write(`flow-bench train: --presets: unknown preset '${badPreset}' (expected some of ${[...known].join(', ')})\n`);
      return 2;
    }
    // Engines that read a thread count (FLOW_THREADS) get the same one as the PyTorch peer.
    if (args.some((a) => a.startsWith('--threads='))) process.env.FLOW_THREADS = String(opts.threads);
    const machine = describeMachine();
    const load = loadavg()[0]!.toFixed(1);
    const peer = findPythonPeer();
    const torch = opts.peer ? findTorchPeer() : 'not asked for (--no-peer)';
    log(typeof torch === 'string' ? `PyTorch peer skipped: ${torch}` : `PyTorch peer: torch ${torch.torch}, ${opts.threads} threads`);
    const defaultPlans: Plan[] = quick
      ? [
          { preset: 'mnist-fast', batches: [16] },
          { preset: 'mnist', batches: [1, 8] },
          { preset: 'cifar10-small', batches: [8] },
        ]
      : [
          { preset: 'mnist-tiny', batches: [16, 32] },
          { preset: 'mnist-fast', batches: [16, 32] },
          { preset: 'mnist', batches: [1, 8, 32] },
          { preset: 'cifar10-small', batches: [1, 8, 32] },
          { preset: 'cifar10', batches: [1, 4] },
        ];
    // --presets picks presets (batch 16 unless the default plan has its own sizes); --batches overrides sizes.
    const choose = (base: Plan[]): Plan[] =>
      (opts.presets ? opts.presets.map((preset) => base.find((p) => p.preset === preset) ?? { preset, batches: [16] }) : base).map((p) => ({
        preset: p.preset,
        batches: opts.batches ?? p.batches,
      }));
    const plans = choose(defaultPlans);
    // A GPU backend pays a fixed cost per kernel launch: small batches say little about it, so it gets larger ones.
    const gpuPlans: Plan[] = choose(
      quick
        ? [
            { preset: 'mnist-fast', batches: [16, 256] },
            { preset: 'cifar10-small', batches: [32] },
          ]
        : [
            { preset: 'mnist-fast', batches: [16, 64, 256] },
            { preset: 'mnist', batches: [16, 64] },
            { preset: 'cifar10-small', batches: [8, 32] },
            { preset: 'cifar10', batches: [8, 32] },
          ],
    );
    const isGpu = (b: ResolvedBackend) => b === 'webgpu' || b === 'tensorflow-gpu';
    const maxRepeats = quick ? 2 : 10; // short passes vary run to run on a small machine: both sides take the best of the same number
    const budget = quick ? 20 : 60; // seconds per measurement before we stop repeating
    // A U-Net pass on the wasm engine reaches its steady speed after ~10-15 passes in one process (passes 2-11
    // of mnist-fast forward+backward ran 20-30% slower than passes 20-30, reproducibly): training runs thousands
    // of steps, so both sides warm up with the same number of passes.
    const warmups = quick ? 1 : 10;
    const matmulN = 512;
    const gpuMatmulN = 2048;

    // The wasm SIMD FMA ceiling on the same threads (flow-bench peak), for the "of wasm peak" column.
    const fastest = peakVariants()[0];
    const peak = fastest ? await measurePeak(fastest.variant, fastest.module, opts.threads, 0.3, 2) : null;
    if (peak) log(`wasm ${peak.variant} peak on ${peak.threads} threads: ${peak.gflops.toFixed(1)} GFLOP/s`);
    // The host's speed drifts over a run (tens of percent within minutes on a shared machine), so each CPU row is
    // held against the peak measured around it, not only against the one at the start.
    const peakNow = async (): Promise<number> => (fastest ? (await measurePeak(fastest.variant, fastest.module, opts.threads, 0.3, 2)).gflops : NaN);
    const rows: Row[] = [];
    const matmul: { backend: string; n: number; gflops: number }[] = [];
    const skipped: string[] = [];
    const devices: string[] = [];
    const unknown = only?.filter((b) => !(BACKENDS as readonly string[]).includes(b)) ?? [];
    for (const b of unknown) {
      log(`backend ${b}: unknown to @flow/runtime (it offers ${BACKENDS.join(', ')}), skipped`);
      skipped.push(`${b} (unknown to @flow/runtime)`);
    }
    // wasm first: its engine works in place on tfjs's wasm heap made shared only when it is what initialises the
    // tfjs wasm backend, and the native engine's init initialises that backend too (as its base).
    const order = [...BACKENDS.filter((b) => b === 'wasm'), ...BACKENDS.filter((b) => b !== 'wasm')];
    for (const backend of order.filter((b) => !only || only.includes(b))) {
      try {
        const info = await initBackend(backend);
        if (info.device) devices.push(`${backend}: ${info.device}`);
      } catch (e) {
        const why = e instanceof BackendUnavailableError ? e.reason : (e as Error).message;
        log(`backend ${backend}: not available (${why}), skipped`);
        skipped.push(`${backend} (${why})`);
        continue;
      }
      registerGradients();
      const n = isGpu(backend) ? gpuMatmulN : matmulN;
      log(`backend ${backend} (${tf.getBackend()}): matmul ${n}...`);
      const mm = await measureMatmulGflops(undefined, { n, repeats: 5 });
      matmul.push({ backend, n, gflops: mm.gflops });
      const backendRate = new Map<Mode, number>();
      let broken = false;
      for (const plan of isGpu(backend) ? gpuPlans : plans) {
        const config = getUnetPreset(plan.preset).config;
        const flops = countFlops(config);
        const parameters = countParameters(config);
        const net = createEdm2Unet(config, { seed: 0 });
        // Open the zero-initialised gains so the backward pass does the full work of a trained network.
        for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(1));
        const vars = net.trainableVariables();
        // Achieved GFLOP/s so far on this backend per pass: predicts the next measurement's time.
        const rate = new Map<Mode, number>();
        for (const batch of plan.batches) {
          const rng = new Rng(batch);
          const shape: [number, number, number, number] = [batch, config.resolution, config.resolution, config.channels];
          const x = tf.tensor(rng.fillNormal(new Float32Array(batch * config.resolution ** 2 * config.channels)), shape) as tf.Tensor4D;
          const target = tf.tensor(rng.fillNormal(new Float32Array(x.size)), shape);
          const t = tf.tensor1d(rng.fillUniform(new Float32Array(batch)));
          const modes: [Mode, () => tf.Tensor[], number][] = [
            ['forward', () => [tf.tidy(() => net.forward(x, t))], flops.forward],
            [
              'forward+backward',
              () => {
                const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.forward(x, t), target))) as tf.Scalar, vars);
                return [value, ...Object.values(grads)];
              },
              flops.forwardBackward,
            ],
          ];
          for (const [mode, fn, perImage] of modes) {
            const known = rate.get(mode) ?? backendRate.get(mode);
            const predicted = known ? (perImage * batch) / known / 1e9 : 0;
            if (predicted > 3 * budget) {
              log(`  ${plan.preset} batch ${batch} ${mode}: skipped (~${predicted.toFixed(0)} s per pass predicted)`);
              rows.push({ backend, preset: plan.preset, parameters, batch, mode, seconds: NaN, repeats: 0, imagesPerSecond: NaN, gflops: NaN, ofMatmul: NaN, skipped: `~${predicted.toFixed(0)} s/pass predicted` });
              continue;
            }
            if (broken) continue;
            log(`  ${plan.preset} batch ${batch} ${mode}...`);
            let r: { seconds: number; repeats: number };
            let peakAround = NaN;
            try {
              const before = isGpu(backend) ? NaN : await peakNow();
              r = await time(fn, maxRepeats, budget, isGpu(backend), warmups);
              peakAround = isGpu(backend) ? NaN : Math.max(before, await peakNow());
            } catch (e) {
              // e.g. the wasm heap (at most 4 GiB) running out on a large batch: the module is unusable after that
              const why = (e as Error).message.split('\n')[0] ?? String(e);
              log(`  failed: ${why}; no further measurements on ${backend}`);
              rows.push({ backend, preset: plan.preset, parameters, batch, mode, seconds: NaN, repeats: 0, imagesPerSecond: NaN, gflops: NaN, ofMatmul: NaN, skipped: `failed (${why.slice(0, 60)})` });
              broken = true;
              continue;
            }
            const gflops = (perImage * batch) / r.seconds / 1e9;
            rows.push({ backend, preset: plan.preset, parameters, batch, mode, seconds: r.seconds, repeats: r.repeats, imagesPerSecond: batch / r.seconds, gflops, ofMatmul: gflops / mm.gflops, ...(Number.isFinite(peakAround) ? { peakGflops: peakAround } : {}) });
            rate.set(mode, gflops);
            backendRate.set(mode, Math.min(backendRate.get(mode) ?? Infinity, gflops));
          }
          if (!broken) tf.dispose([x, target, t]);
        }
        if (!broken) net.dispose();
      }
    }
    const peerMatmul = peer ? runPython<{ seconds: number; gflops: number }>(peer, PEER_MATMUL, [String(matmulN), '5']) : null;
    const peerName = peer ? `python3 numpy ${peer.numpy} float32 matmul` : 'python3+numpy not found: peer skipped';

    // The PyTorch peer: the same network per preset, every batch size any backend measured, after our runs.
    const torchRuns = new Map<string, TorchPeerResult>();
    const peerRows: PeerMeasurement[] = [];
    if (typeof torch !== 'string') {
      for (const preset of [...new Set(rows.map((r) => r.preset))]) {
        const batches = [...new Set(rows.filter((r) => r.preset === preset && !r.skipped).map((r) => r.batch))];
        if (batches.length === 0) continue;
        log(`PyTorch ${torch.torch} (${opts.threads} threads): ${preset} batches ${batches.join(', ')}...`);
        try {
          const res = runTorchPeer(torch, getUnetPreset(preset).config, batches, opts.threads, budget, maxRepeats, warmups);
          torchRuns.set(preset, res);
          for (const r of res.rows) peerRows.push({ preset, batch: r.batch, pass: r.pass, imagesPerSecond: r.images_per_second });
          const ours = countParameters(getUnetPreset(preset).config);
          log(`  parameters: ours ${ours}, PyTorch ${res.parameters}${ours === res.parameters ? ' (same)' : ' (DIFFERENT: the peer network does not match)'}`);
        } catch (e) {
          log(`  PyTorch peer failed: ${(e as Error).message}`);
        }
      }
    }
    const joined = joinPeer(
      rows.map((r) => ({ backend: r.backend, preset: r.preset, batch: r.batch, pass: r.mode, imagesPerSecond: r.imagesPerSecond })),
      peerRows,
    );
    const torchVersion = typeof torch === 'string' ? null : torch.torch;
    const torchThreads = [...torchRuns.values()][0]?.threads ?? opts.threads;
    const torchNote =
      typeof torch === 'string'
        ? `PyTorch peer skipped: ${torch}`
        : `PyTorch peer: torch ${torchVersion} CPU, ${torchThreads} threads (torch.set_num_threads), the same U-Net built from the preset's config in apps/bench/python/edm2_unet_peer.py (NCHW float32; parameters ${[...torchRuns.entries()].map(([p, r]) => `${p} ${r.parameters}${r.parameters === countParameters(getUnetPreset(p).config) ? ' = ours' : ` != ours ${countParameters(getUnetPreset(p).config)}`}`).join(', ')}), forward under no_grad, forward+backward = mean squared error to a target and backward, timed the same way`;

    const header = ['backend', 'preset', 'params', 'batch', 'pass', 'ms / batch', 'images/s', 'GFLOP/s', 'of backend matmul', 'of wasm FMA peak', 'PyTorch images/s', 'ours / PyTorch'];
    const ofPeak = (g: number, around?: number): Cell => {
      const p = around ?? peak?.gflops;
      return p ? `${((100 * g) / p).toFixed(1)}%` : null;
    };
    const cells: Cell[][] = rows.map((r, i) => {
      const j = joined[i]!;
      return r.skipped
        ? [r.backend, r.preset, r.parameters, r.batch, r.mode, `skipped: ${r.skipped}`, null, null, null, null, j.peer_images_per_second, null]
        : [r.backend, r.preset, r.parameters, r.batch, r.mode, r.seconds * 1e3, r.imagesPerSecond, r.gflops, `${(100 * r.ofMatmul).toFixed(1)}%`, ofPeak(r.gflops, r.peakGflops), j.peer_images_per_second, j.ratio];
    });
    const mmHeader = ['backend', 'matmul n x n', 'GFLOP/s', `numpy peer GFLOP/s (n = ${matmulN})`, 'ours/peer'];
    const mmCells: Cell[][] = matmul.map((m) => [m.backend, m.n, m.gflops, peerMatmul?.gflops ?? null, peerMatmul ? m.gflops / peerMatmul.gflops : null]);
    const flopNote = [...new Map([...plans, ...gpuPlans].map((p) => [p.preset, p])).values()]
      .map((p) => {
        const c = getUnetPreset(p.preset).config;
        return `${p.preset} ${(countFlops(c).forward / 1e9).toFixed(3)} GFLOP/image forward`;
      })
      .join(', ');
    const inputs =
      `inputs: EDM2 U-Net presets (config G, seed 0, gains opened to 1), NHWC float32 N(0,1) images, t ~ U(0,1); ` +
      `FLOPs counted analytically (convolutions + attention products, 2 per multiply-add; backward = 2x forward): ${flopNote}; ` +
      `a pass ends when its first output (loss or forward result) is read back, every output on GPU backends; ` +
      `best of up to ${maxRepeats} runs after ${warmups} warm-up run${warmups === 1 ? '' : 's'} (both sides), at most ~${budget} s per measurement (a pass predicted from the rate so far to need more than ${3 * budget} s is skipped); ` +
      `GPU backends (webgpu, tensorflow-gpu) run larger batches and a ${gpuMatmulN}x${gpuMatmulN} matmul; ` +
      `backend matmul: tf.matMul ${matmulN}x${matmulN} float32 (CPU backends) in the same run; load average at start ${load}, at end ${loadavg()[0]!.toFixed(1)}; wasm FMA peak (flow-bench peak, ${peak ? `${peak.variant}, ${peak.threads} threads: ${peak.gflops.toFixed(1)} GFLOP/s at the start; "of wasm FMA peak" holds each CPU row against the higher of the peaks measured right before and right after it (${rows.filter((r) => r.peakGflops !== undefined).map((r) => r.peakGflops!.toFixed(1)).join(', ')} GFLOP/s)` : 'no wasm SIMD'}); matmul peer: ${peerName}; ${torchNote}` +
      (devices.length ? `; GPU: ${devices.join('; ')}` : '') +
      (skipped.length ? `; backends not present: ${skipped.join('; ')}` : '');
    const warning = loadWarning(Number(load), loadavg()[0]!, cpus().length);
    const table = markdownTable(header, cells);
    const mmTable = markdownTable(mmHeader, mmCells);
    if (json) {
      const peerInfo = torchVersion ? { torch: torchVersion, threads: torchThreads, parameters: Object.fromEntries([...torchRuns].map(([p, r]) => [p, r.parameters])) } : null;
      process.stdout.write(`${JSON.stringify({ rows: joined, suite: 'train', machine, inputs, peer: peerInfo, wasm_peak: peak, matmul, peer_matmul: peerMatmul, details: rows })}\n`);
    } else {
      process.stdout.write(`${machine}\n${inputs}\n\nU-Net throughput\n\n${table}\n\nMatmul limit per backend\n\n${mmTable}\n`);
    }
    if (write) {
      const md = [
        ...reportHead(`flow-bench train${only ? ` (${only.join(', ')})` : ''}${torchVersion ? ' vs PyTorch' : ''}`, `flow-bench train ${args.join(' ')}${quick ? ' --quick' : ''}`, machine, warning, inputs),
        'Throughput of the EDM2 magnitude-preserving U-Net (`@flow/unet-edm2`) per TensorFlow.js backend: one',
        'forward pass (velocity prediction with preconditioning), and one forward+backward pass (loss and the',
        'gradients of every weight, what a training step costs before the optimiser). "of backend matmul" compares',
        "the achieved GFLOP/s with the backend's own dense matmul in the same run: how close the network gets to",
        "what that backend can do at all; \"ours / PyTorch\" is our images/s over PyTorch's on the same network in the same run.",
        'GFLOP/s count the multiply-adds of direct convolutions: the wasm engine\'s Winograd convs (3x3, stride 1) do',
        'fewer, so its rows can pass its matmul rate and the wasm FMA peak; the native engine runs AVX-512 (its peak',
        'in `flow-bench peak` is about 4x the wasm one), so its rows pass the wasm peak anyway.',
        '',
        table,
        '',
        'Matmul limit per backend, and numpy (BLAS) on the same machine as the peer:',
        '',
        mmTable,
        '',
      ].join('\n');
      // A run limited to some backends (say webgpu, on a GPU machine) gets its own page beside the full one.
      writeSuiteReport(opts.report ?? (only ? `train-${only.join('-')}` : 'train'), md);
    }
    return 0;
  },
};
