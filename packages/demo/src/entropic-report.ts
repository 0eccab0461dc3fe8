import type { JobResult } from './job';
import { isEntropicCoupling, type DemoPlan, type EntropicDemoOptions } from './plan';
import { fmt, secs, table } from './report-format';

/** The training coupling's statistics the report reads (`@flow/matching`'s CouplingStats, as stored in train.json). */
interface PairStats {
  meanSqPathBefore?: number;
  meanSqPathAfter?: number;
  seconds?: number;
}

const pairStats = (r: JobResult): PairStats => r.train.coupling as PairStats;

/** Mean |x1 - x0|^2 of the pairs the model was trained on. */
export function pairsMeanSq(r: JobResult): number {
  return pairStats(r).meanSqPathAfter ?? NaN;
}

/** What each entropic coupling solves, with the demo's parameters. */
export function entropicPlanText(coupling: string, e: EntropicDemoOptions): string {
  if (coupling === 'sinkhorn') return `Sinkhorn, reg ${e.reg}`;
  if (coupling === 'unbalanced') return `unbalanced Sinkhorn, reg ${e.reg}, regM ${e.regM}`;
  if (coupling === 'partial') return `entropic partial, reg ${e.reg}, mass ${e.mass}`;
  return coupling === 'ot' ? 'exact assignment' : 'none (random pairs)';
}

/**
 * Checks of the entropic couplings of one dataset: their training pairs are closer than random and farther than
 * exact OT's (a coupling wired to `ot` or `independent` by mistake fails one side).
 */
export function entropicChecks(ds: string, rs: readonly JobResult[]): { key: string; ok: boolean; line: string[] }[] {
  const ot = rs.find((r) => r.coupling === 'ot');
  const ind = rs.find((r) => r.coupling === 'independent');
  if (!ot || !ind) return [];
  const lo = pairsMeanSq(ot);
  const hi = pairsMeanSq(ind);
  return rs
    .filter((r) => isEntropicCoupling(r.coupling))
    .map((r) => {
      const v = pairsMeanSq(r);
      const ok = lo < v && v < hi;
      return { key: `${ds}:${r.coupling}_pairs_between_ot_and_independent`, ok, line: [ds, `${r.coupling} pairs' mean sq. distance between exact OT and independent`, `${fmt(lo)} < ${fmt(v)} < ${fmt(hi)}`, ok ? 'yes' : '**no**'] };
    });
}

/** The report's "Entropic couplings" subsection of one dataset: empty when it trained none. */
export function entropicSection(plan: DemoPlan, rs: readonly JobResult[]): string[] {
  const entropic = rs.filter((r) => isEntropicCoupling(r.coupling));
  const ot = rs.find((r) => r.coupling === 'ot');
  const ind = rs.find((r) => r.coupling === 'independent');
  if (!entropic.length) return [];
  const e = plan.entropic;
  const lowest = plan.nfes.length ? Math.min(...plan.nfes) : undefined;
  const lo = ot ? pairsMeanSq(ot) : NaN;
  const hi = ind ? pairsMeanSq(ind) : NaN;
  const anchors = [ind, ot].filter((r): r is JobResult => r !== undefined);
  const md: string[] = ['### Entropic couplings', ''];
  md.push(
    `\`sinkhorn\`, \`unbalanced\` and \`partial\` solve one entropic transport plan per scope of \`ms\` noise-data pairs, as \`ot\` solves one exact assignment (\`@flow/matching\`: log-domain iterations; the squared distances are divided by their mean, so reg is relative to a typical pair's cost). ` +
      `\`sinkhorn\`: min <P, C> - reg H(P) with uniform marginals. \`unbalanced\`: the marginals are only pulled toward uniform by regM KL terms, so far-travelling rows can shed mass. \`partial\`: the plan moves only a share \`mass\` of the mass. ` +
      `Parameters: reg ${e.reg}, regM ${e.regM}, mass ${e.mass}, tolerance ${e.tol.toExponential()}. ` +
      'Pairing rule: every plan is rounded to a permutation by drawing it from the plan without replacement (rows in a seeded random order, each takes a still-free noise with probability proportional to its plan entry), ' +
      'so each data row and each noise of a scope is used exactly once (torchcfm draws pairs with replacement, duplicating some and dropping others). ' +
      `These run on ${entropic[0]!.dataset} only: cheap MLP runs (\`sinkhorn\` always; \`unbalanced\` and \`partial\` with \`flow demo --entropic\`).`,
    '',
  );
  md.push(
    table(
      ['coupling', 'plan', 'pairs mean sq. distance', 'between OT (0) and independent (1)', 'curvature', 'path-length ratio', 'FID dopri5', ...(lowest !== undefined ? [`Euler RMSE NFE ${lowest}`] : []), 'matching s', 'train s'],
      [...anchors, ...entropic].map((r) => {
        const v = pairsMeanSq(r);
        const euler = r.eval.solvers.find((s) => s.solver === 'euler' && s.nfe === lowest)?.rmse ?? NaN;
        return [
          `\`${r.coupling}\``,
          entropicPlanText(r.coupling, e),
          fmt(v),
          fmt((v - lo) / (hi - lo)),
          fmt(r.eval.curvature),
          fmt(r.eval.path_length_ratio),
          fmt(r.eval.reference.fid),
          ...(lowest !== undefined ? [fmt(euler)] : []),
          secs(pairStats(r).seconds ?? NaN),
          secs(r.train.seconds),
        ];
      }),
    ),
    '',
    'Pairs mean sq. distance is the mean |x1 - x0|^2 of the pairs each model was trained on (the squared length of the straight path it is taught); curvature and the path-length ratio (mean chord over mean arc length, 1 = straight) are measured on its dopri5 trajectories from the same noises as every other model.',
    '',
  );
  return md;
}
