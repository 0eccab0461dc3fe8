import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '@flow/runtime';
import { describeMachine } from '../machine';
import { FidMeter } from '../papers/fid-meter';
import { writeResultsPage } from '../papers/page';
import { FULL_PLAN, QUICK_PLAN } from '../papers/plan';
import { runGrid } from '../papers/run-grid';
import { ResultStore } from '../papers/store';
import { err as log, repoRoot } from '../report';
import type { Suite } from '../suite';

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const a = args[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
}

/**
 * `flow-bench papers`: the seed papers' headline claims measured on MNIST with the EDM2 U-Net (DANSM couplings,
 * the fast-ode encoder, Bespoke solvers, EDM2 post-hoc EMA). Every piece is stored under --out as it finishes
 * and skipped when the command runs again; --write draws docs/results.md and its figures from the store
 * (after every stage, so a stopped grid leaves a page marked partial).
 */
export const papersSuite: Suite = {
  name: 'papers',
  summary: "the seed papers' claims on MNIST (DANSM, fast-ode encoder, Bespoke, post-hoc EMA): docs/results.md",
  usage: '[--write] [--out DIR] [--docs DIR] [--page-only] [--stages=ID,...]',
  async run({ quick, args }) {
    const plan = quick ? QUICK_PLAN : FULL_PLAN;
    const root = repoRoot();
    const out = resolve(option(args, '--out') ?? join(root, '.cache', quick ? 'papers-quick' : 'papers'));
    const docsDir = resolve(option(args, '--docs') ?? (quick ? join(out, 'docs') : join(root, 'docs')));
    const write = args.includes('--write');
    const pageOnly = args.includes('--page-only');
    const backend = await initBackend(process.env.FLOW_BACKEND ?? 'wasm');
    const load = loadavg()[0]!.toFixed(1);
    const store = new ResultStore(out);
    const machine = describeMachine();
    const commands = [
      '# the whole grid (resumable: run it again after a stop), then the page',
      `flow-bench papers --write --out .cache/papers     # or: pnpm --filter @flow/bench exec flow-bench papers --write`,
      '# optional: --stages=ID,... runs some stages only, so two processes can share one store when they train',
      '# different runs (this page, after the seed-0 stages: --stages=claim3 then --stages=claim1-s2,claim4-s2',
      '# beside --stages=claim1-s1,claim4-s0,claim4-s1)',
      '# CI size: the same code paths in a few minutes, numbers labelled quick',
      'flow-bench papers --quick --write --out /tmp/papers-quick',
    ];
    const page = () => {
      if (!write) return;
      const file = writeResultsPage({ store, plan, docsDir, machine, commands, load });
      log(`wrote ${file}`);
    };
    log(`papers (${plan.label}): results in ${out}, backend ${backend.backend}, load ${load}`);
    const only = option(args, '--stages')?.split(',');
    if (!pageOnly) await runGrid({ store, plan, fid: new FidMeter(), log }, page, only);
    else page();
    return 0;
  },
};
