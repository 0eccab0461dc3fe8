import { cpus, loadavg } from 'node:os';
import { measureMicrokernelGflops } from '@flow/runtime';
import { describeMachine } from '../machine';
import { nativePeak } from '../peak/native-peak';
import { measurePeak, peakThreadCounts, peakVariants } from '../peak/peak-fma';
import { PEAK_SHAPE } from '../peak/peak-kernel-binary';
import { loadWarning, reportHead, writeSuiteReport } from '../report';
import type { Suite } from '../suite';
import { markdownTable, type Cell } from '../table';

export const peakSuite: Suite = {
  name: 'peak',
  summary: 'peak float32 FMA GFLOP/s of wasm SIMD (relaxed-SIMD FMA and mul+add) on 1 thread and all cores, and native if present',
  async run({ json, quick, args }) {
    const write = args.includes('--write');
    const threadsArg = args.find((a) => a.startsWith('--threads='));
    const all = threadsArg ? Number(threadsArg.slice('--threads='.length)) : undefined;
    if (all !== undefined && !(Number.isInteger(all) && all > 0)) {
      process.stderr.write(`flow-bench peak: --threads: expected a positive integer, got '${threadsArg}'\n`);
      return 2;
    }
    const log = (m: string) => process.stderr.write(`${m}\n`);
    const machine = describeMachine();
    const loadStart = loadavg()[0]!.toFixed(1);
    const counts = peakThreadCounts(all);
    const variants = peakVariants();
    if (!variants.some((v) => v.variant === 'relaxed-SIMD FMA')) log('relaxed SIMD does not validate in this runtime: plain SIMD mul+add only');
    const rows: { engine: string; variant: string; threads: number; gflops: number | null; perThread: number | null; note: string }[] = [];
    for (const v of variants) {
      for (const t of counts) {
        log(`wasm ${v.variant}, ${t} thread${t > 1 ? 's' : ''}...`);
        const r = await measurePeak(v.variant, v.module, t, quick ? 0.2 : 0.5, quick ? 2 : 3);
        rows.push({ engine: 'wasm', variant: v.variant, threads: t, gflops: r.gflops, perThread: r.gflopsPerThread, note: '' });
      }
    }
    // The wasm engine's GEMM microkernel (operands in L1) against the 1-thread FMA peak, measured alternately so
    // the host's drift hits both alike: how much of the peak the engine's inner loop can reach at all.
    const fma = variants.find((v) => v.variant === 'relaxed-SIMD FMA') ?? variants[0];
    if (fma) {
      log('wasm GEMM microkernel vs the 1-thread peak, alternated...');
      let micro: ReturnType<typeof measureMicrokernelGflops> | undefined;
      let peak1 = 0;
      for (let r = 0; r < (quick ? 2 : 4); r++) {
        const m = measureMicrokernelGflops({ seconds: quick ? 0.1 : 0.25, rounds: 1 });
        if (!micro || m.gflops > micro.gflops) micro = m;
        peak1 = Math.max(peak1, (await measurePeak(fma.variant, fma.module, 1, quick ? 0.1 : 0.25, 1)).gflops);
      }
      if (micro) {
        const note = `${((100 * micro.gflops) / peak1).toFixed(0)}% of the ${fma.variant} peak measured alternately with it (${peak1.toFixed(1)} GFLOP/s)`;
        rows.push({ engine: 'wasm', variant: `GEMM microkernel ${micro.mr}x${micro.nr}, k ${micro.k}, L1 (${micro.variant})`, threads: 1, gflops: micro.gflops, perThread: micro.gflops, note });
      }
    }
    for (const t of counts) {
      const n = await nativePeak(t);
      rows.push(
        typeof n === 'string'
          ? { engine: 'native', variant: '-', threads: t, gflops: null, perThread: null, note: n }
          : { engine: 'native', variant: n.isa, threads: t, gflops: n.gflops, perThread: n.gflops / t, note: '' },
      );
    }
    const warning = loadWarning(Number(loadStart), loadavg()[0]!, cpus().length);
    const load = `load average ${loadStart} at start, ${loadavg()[0]!.toFixed(1)} at end`;
    const inputs =
      `kernel: ${PEAK_SHAPE.chains} independent f32x4 chains acc = acc * a + b, unrolled ${PEAK_SHAPE.unroll}x per loop iteration ` +
      `(hand-written wasm bytes, scripts/peak-wasm.mjs); relaxed-SIMD FMA = f32x4.relaxed_madd, SIMD mul+add = f32x4.mul then f32x4.add; ` +
      `2 FLOPs per lane per step either way; each thread a worker_thread, rate = all FLOPs over first start to last end, best of ${quick ? 2 : 3}; ${load}`;
    const table = markdownTable(
      ['engine', 'variant', 'threads', 'GFLOP/s', 'GFLOP/s per thread', 'note'],
      rows.map((r): Cell[] => [r.engine, r.variant, r.threads, r.gflops, r.perThread, r.note]),
    );
    if (json) process.stdout.write(`${JSON.stringify({ suite: 'peak', machine, inputs, rows })}\n`);
    else process.stdout.write(`${machine}\n${inputs}\n\n${table}\n`);
    if (write) {
      writeSuiteReport(
        'peak',
        [
          ...reportHead('flow-bench peak', `flow-bench peak ${args.join(' ')}${quick ? ' --quick' : ''}`, machine, warning, inputs),
          'The ceiling a wasm engine can reach on this machine: float32 multiply-adds with no memory traffic.',
          '',
          table,
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
};
