import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@flow/io';
import { initBackend } from '@flow/runtime';
import { GaussianMixtureFlow, randomMixtureSpec, trainBespoke, type GaussianMixtureSpec } from '@flow/solvers';
import { describeMachine } from '../machine';
import { err as log, repoRoot } from '../report';
import type { Suite } from '../suite';
import { markdownTable, type Cell } from '../table';
import { referenceDir } from './solvers';

const NFES = [4, 6, 8, 10];

/** Flows of our own: other seeds, d = 2..784, well-separated (small std against the mean spacing) and overlapping. */
const GENERATED: { name: string; dim: number; components: number; radius: number; std: number; seed: number }[] = [
  { name: 'sep6_d2_s21', dim: 2, components: 6, radius: 4, std: 0.25, seed: 21 },
  { name: 'overlap4_d2_s22', dim: 2, components: 4, radius: 1.5, std: 1, seed: 22 },
  { name: 'sep8_d16_s23', dim: 16, components: 8, radius: 6, std: 0.3, seed: 23 },
  { name: 'overlap6_d32_s24', dim: 32, components: 6, radius: 2, std: 1, seed: 24 },
  { name: 'sep10_d128_s25', dim: 128, components: 10, radius: 8, std: 0.3, seed: 25 },
  { name: 'overlap10_d784_s26', dim: 784, components: 10, radius: 4, std: 0.8, seed: 26 },
];

interface Row {
  case: string;
  dim: number;
  components: number;
  nfe: number;
  baseN: number;
  base2n: number;
  bespoke: number;
  meets: boolean;
  keptBase: boolean;
  iterations: string;
  seconds: number;
}

/**
 * `flow-bench bespoke`: default RK2-BES training (what `flow bespoke` runs) per case and NFE, and its RMSE
 * on held-out noise next to midpoint at the same NFE and at twice the NFE.
 */
export const bespokeSuite: Suite = {
  name: 'bespoke',
  summary: 'default Bespoke (RK2-BES) training: held-out RMSE vs midpoint at n and 2n NFE, reference and generated mixtures',
  async run({ json, quick, args }) {
    const write = args.includes('--write');
    const caseArg = args.find((a) => a.startsWith('--cases='));
    const nfeArg = args.find((a) => a.startsWith('--nfes='));
    const nfes = nfeArg ? nfeArg.slice(7).split(',').map(Number) : quick ? [8] : NFES;
    const backend = await initBackend(process.env.FLOW_BACKEND ?? 'wasm');
    const machine = describeMachine();
    const load = loadavg()[0].toFixed(1);
    const dir = referenceDir();
    const reference: { name: string; spec: GaussianMixtureSpec }[] = [];
    if (dir) {
      for (const c of JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')).cases as { name: string; spec: string }[]) {
        if (existsSync(join(dir, c.spec))) reference.push({ name: c.name, spec: JSON.parse(readFileSync(join(dir, c.spec), 'utf8')) as GaussianMixtureSpec });
      }
    } else log('bespoke: shared/reference/gmm-flow not found (set FLOW_REFERENCE): generated flows only');
    const all = [...reference, ...GENERATED.map((g) => ({ name: g.name, spec: randomMixtureSpec(g) }))];
    const wanted = caseArg ? caseArg.slice(8).split(',') : quick ? ['two_mode_2d', 'overlap4_d2_s22'] : all.map((c) => c.name);
    const rows: Row[] = [];
    for (const c of all.filter((q) => wanted.includes(q.name))) {
      const flow = new GaussianMixtureFlow(c.spec, c.name);
      for (const nfe of nfes) {
        log(`${c.name}: RK2-BES at NFE ${nfe}`);
        const r = trainBespoke(flow.velocity, { base: 'midpoint', nfe, shape: [flow.dim], seed: 1000 + nfe, ...(quick ? { iterations: 30 } : {}) });
        rows.push({
          case: c.name,
          dim: flow.dim,
          components: flow.components,
          nfe,
          baseN: r.heldOut.baseRmseN,
          base2n: r.heldOut.baseRmse2n,
          bespoke: r.heldOut.rmse,
          meets: r.meetsBase2n,
          keptBase: r.keptInitial,
          iterations: r.phases.map((p) => p.iterations).join(' + '),
          seconds: r.seconds,
        });
        log(`  held-out RMSE ${r.heldOut.rmse.toExponential(3)}; midpoint n ${r.heldOut.baseRmseN.toExponential(3)}, 2n ${r.heldOut.baseRmse2n.toExponential(3)}; ${r.seconds.toFixed(0)} s`);
      }
      flow.dispose();
    }
    const table = markdownTable(
      ['case', 'd', 'K', 'NFE', 'midpoint @ n', 'midpoint @ 2n', 'RK2-BES @ n', 'BES <= 2n', 'kept base', 'iterations (bound + rmse)', 'seconds'],
      rows.map((r): Cell[] => [r.case, r.dim, r.components, r.nfe, r.baseN, r.base2n, r.bespoke, r.meets ? 'yes' : 'NO', r.keptBase ? 'yes' : 'no', r.iterations, r.seconds]),
    );
    const met = rows.filter((r) => r.meets).length;
    const inputs = [
      `TensorFlow.js backend ${backend.backend} (float32); load average at start ${load};`,
      `trainBespoke defaults (what flow bespoke runs): 256 training + 256 validation + 256 test noises (seed 1000 + NFE), ground truth dopri5 rtol = atol = 1e-5,`,
      `L-BFGS on the RMSE bound then on the endpoint RMSE, early stopping on validation RMSE (patience 40, at most 200 iterations per phase)${quick ? ' (--quick: 30 iterations)' : ''};`,
      `RMSE columns: the 256 test noises (never used for training or selection) against dopri5 endpoints; midpoint @ 2n has twice the evaluations.`,
      `Cases: shared/reference/gmm-flow specs and randomMixtureSpec flows (name: modes, dimension, seed).`,
    ].join('\n');
    const text = [machine, inputs, '', table, '', `RK2-BES at n at least as accurate as midpoint at 2n: ${met} of ${rows.length}`].join('\n');
    const data = { suite: 'bespoke', machine, backend: backend.backend, inputs, rows };
    if (json) process.stdout.write(`${JSON.stringify(data)}\n`);
    else process.stdout.write(`${text}\n`);
    if (write) {
      const out = join(repoRoot(), 'docs', 'benchmarks');
      writeFileAtomic(join(out, 'bespoke.json'), `${JSON.stringify(data, null, 1)}\n`);
      writeFileAtomic(join(out, 'bespoke.md'), ['# flow-bench bespoke', '', `Command: \`flow-bench bespoke ${args.join(' ')}\``, '', '```', text, '```', ''].join('\n'));
      log(`wrote ${join(out, 'bespoke.md')}`);
    }
    return 0;
  },
};
