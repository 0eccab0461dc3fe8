import type { Grid } from './claims';
import { claim1Run, claim2Run, claim3, claim4Run, twoModeRun } from './claims';
import type { RunSpec } from './train-run';

/** The FID of real digits at the grid's sample size: what a perfect model would score. */
export const FLOOR_KEY = 'fid-floor';

/**
 * Runs the whole grid, skipping stored pieces. Ordered so that a stopped run has measured every claim on
 * seed 0 before it spends time on more seeds: claim 1's seed 0 runs, then claims 2-4 on them, then the other
 * seeds. `afterStage` is called after each stage that stored something (the page is redrawn there).
 */
export async function runGrid(g: Grid, afterStage: (stage: string) => Promise<void> | void, only?: readonly string[]): Promise<void> {
  const { plan, store } = g;
  const t0 = performance.now();
  let drawn = -1;
  // The page is redrawn after a stage that stored something. `only` runs the named stages alone: two processes
  // may share one store when their stages train different runs (say claim1-s1,claim1-s2 beside claim3).
  const stage = async (id: string, name: string, work: () => Promise<void>) => {
    if (only && !only.includes(id)) return;
    g.log(`[${((performance.now() - t0) / 60000).toFixed(1)} min] ${name}`);
    await work();
    const stored = store.keys().length;
    if (stored !== drawn) await afterStage(name);
    drawn = stored;
  };
  await stage('floor', 'FID floor (real digits)', async () => {
    await store.once(FLOOR_KEY, async () => ({ count: plan.fid.count, values: await g.fid.realFloor(plan.fid.count, 5) }));
  });
  const claim1 = (seed: number): RunSpec[] => plan.couplings.map((c) => ({ coupling: c.name, seed, ...(c.ms !== undefined ? { ms: c.ms } : {}) }));
  const [first, ...rest] = plan.seeds;
  const independent0: RunSpec = { coupling: 'independent', seed: first! };
  await stage(`claim1-s${first}`, `claim 1, seed ${first}`, async () => {
    for (const spec of claim1(first!)) await claim1Run(g, spec);
  });
  await stage(`claim2-s${first}`, 'claim 2 (encoder vs independent)', async () => {
    await claim2Run(g, independent0);
    await claim2Run(g, { coupling: 'encoder', seed: first! });
  });
  await stage('claim3', 'claim 3 (Bespoke)', () => claim3(g, independent0));
  const [posthocFirst, ...posthocRest] = plan.posthoc.seeds;
  if (posthocFirst !== undefined) await stage(`claim4-s${posthocFirst}`, 'claim 4 (post-hoc EMA)', () => claim4Run(g, { coupling: 'independent', seed: posthocFirst }, plan.posthoc.steps));
  for (const seed of rest) {
    await stage(`claim1-s${seed}`, `claim 1, seed ${seed}`, async () => {
      for (const spec of claim1(seed)) await claim1Run(g, spec);
    });
  }
  for (const seed of posthocRest) await stage(`claim4-s${seed}`, `claim 4, seed ${seed}`, () => claim4Run(g, { coupling: 'independent', seed }, [plan.steps]));
  for (const seed of plan.claim2.seeds.filter((s) => s !== first)) {
    await stage(`claim2-independent-s${seed}`, `claim 2, independent seed ${seed}`, () => claim2Run(g, { coupling: 'independent', seed }));
    await stage(`claim2-encoder-s${seed}`, `claim 2, encoder seed ${seed}`, () => claim2Run(g, { coupling: 'encoder', seed }));
  }
  await stage('two-mode', 'claim 2, two-mode picture', async () => {
    await twoModeRun(g, 'independent');
    await twoModeRun(g, 'encoder');
  });
  g.log(`[${((performance.now() - t0) / 60000).toFixed(1)} min] ${only ? `stages ${only.join(', ')}` : 'grid'} done`);
}
