import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend } from '@flow/runtime';
import { runJob, type JobResult, type JobSpec } from '../src/job';
import { demoPlan, ENTROPIC_DEMO_OPTIONS, type Coupling, type DatasetPlan, type EntropicDemoOptions } from '../src/plan';
import { entropicChecks, entropicSection, pairsMeanSq } from '../src/entropic-report';

// Tiny two-mode-2d models: enough steps for the couplings' pair statistics (8 scopes of 32), no more.
const dataset: DatasetPlan = {
  name: 'two-mode-2d', hidden: 8, layers: 1, batch: 32, steps: 8, lr: 1e-3, ms: 32, beta: 10, checkpointEvery: 8,
  samples: 32, curvatureSamples: 8, rtol: 1e-2, bespokeIterations: 1, bespokeBatch: 4, bespokeRtol: 1e-2, bespokeLr: 1e-2, bespokeLoss: 'rmse',
};

describe('entropic couplings in the demo (two-mode-2d)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'flow-demo-entropic-'));
  // no solver comparison (nfes []): the demo's per-solver tables need nothing new from these couplings
  const plan = { ...demoPlan(true, true), nfes: [] as number[], datasets: [dataset] };
  const results = new Map<string, JobResult>();
  const job = (coupling: Coupling, entropic?: EntropicDemoOptions, dir = `two-mode-2d-${coupling}`): Promise<JobResult> => {
    const spec: JobSpec = { id: `two-mode-2d/${coupling}`, dir: path.join(work, dir), dataset, coupling, ...(entropic ? { entropic } : {}), dataSpec: 'two-mode-2d', nfes: plan.nfes, seed: 0, trajectoryPaths: 4, trajectoryPoints: 3, backend: 'cpu' };
    return runJob(spec, () => {});
  };

  beforeAll(async () => {
    await initBackend('cpu');
    for (const c of ['independent', 'ot'] as const) results.set(c, await job(c));
    for (const c of plan.entropicCouplings) results.set(c, await job(c, plan.entropic));
  });

  it('trains each entropic coupling with its own plan parameters', () => {
    for (const c of plan.entropicCouplings) {
      const r = results.get(c)!;
      // the trainer really ran this coupling (not ot or independent under its name)
      expect(r.train.coupling.name).toBe(c);
      const config = JSON.parse(readFileSync(path.join(work, `two-mode-2d-${c}`, 'run', 'config.json'), 'utf8')) as { coupling: { ms?: number; options: Record<string, unknown> } };
      expect(config.coupling.ms).toBe(dataset.ms);
      expect(config.coupling.options).toEqual({
        reg: ENTROPIC_DEMO_OPTIONS.reg,
        ...(c === 'unbalanced' ? { regM: ENTROPIC_DEMO_OPTIONS.regM } : {}),
        ...(c === 'partial' ? { mass: ENTROPIC_DEMO_OPTIONS.mass } : {}),
        pairing: 'sample',
        tol: ENTROPIC_DEMO_OPTIONS.tol,
      });
      for (const v of [r.eval.curvature, r.eval.path_length_ratio, r.train.final_loss, r.eval.reference.fid]) expect(Number.isFinite(v)).toBe(true);
      expect(r.eval.curvature).toBeGreaterThan(0);
      expect(r.eval.path_length_ratio).toBeGreaterThan(0);
    }
  });

  it('pairs closer than random and farther than exact OT; small-reg Sinkhorn close to OT', () => {
    const ot = pairsMeanSq(results.get('ot')!);
    const ind = pairsMeanSq(results.get('independent')!);
    for (const c of plan.entropicCouplings) {
      const v = pairsMeanSq(results.get(c)!);
      expect(v).toBeGreaterThan(ot);
      expect(v).toBeLessThan(ind);
    }
    // reg 0.05 of the mean cost: most of OT's shortening of the pairs is kept
    expect((pairsMeanSq(results.get('sinkhorn')!) - ot) / (ind - ot)).toBeLessThan(0.3);
  });

  it('uses reg: a large reg pairs nearly at random', async () => {
    const loose = await job('sinkhorn', { ...ENTROPIC_DEMO_OPTIONS, reg: 5 }, 'two-mode-2d-sinkhorn-reg5');
    const stats = loose.train.coupling as { meanSqPathBefore: number; meanSqPathAfter: number };
    const ot = pairsMeanSq(results.get('ot')!);
    const ind = pairsMeanSq(results.get('independent')!);
    expect(stats.meanSqPathAfter).toBeGreaterThan(pairsMeanSq(results.get('sinkhorn')!));
    expect((stats.meanSqPathAfter - ot) / (ind - ot)).toBeGreaterThan(0.6);
  });

  // (the whole report, figures included, is checked by the CLI's `flow demo --quick` test: drawing them takes seconds)
  it('reports every entropic coupling in its own table, with the pairing rule and checks', () => {
    const rs = ['independent', 'ot', ...plan.entropicCouplings].map((c) => results.get(c)!);
    const section = entropicSection(plan, rs).join('\n');
    const checks = Object.fromEntries(entropicChecks('two-mode-2d', rs).map((c) => [c.key, c.ok]));
    expect(section).toContain('### Entropic couplings');
    expect(section).toContain('rounded to a permutation');
    expect(section).toContain('without replacement');
    for (const [c, planText] of [['sinkhorn', 'Sinkhorn, reg 0.05'], ['unbalanced', 'unbalanced Sinkhorn, reg 0.05, regM 1'], ['partial', 'entropic partial, reg 0.05, mass 0.9']] as const) {
      const line = section.split('\n').find((l) => l.startsWith(`| \`${c}\` |`));
      expect(line).toBeDefined();
      const cells = line!.split('|').map((s) => s.trim());
      expect(cells[2]).toBe(planText);
      // pairs mean sq. distance, its position between OT and independent, curvature, path-length ratio: finite
      expect(Number(cells[3])).toBeCloseTo(pairsMeanSq(results.get(c)!), 2);
      const position = Number(cells[4]);
      expect(position).toBeGreaterThan(0);
      expect(position).toBeLessThan(1);
      for (const k of [5, 6]) expect(Number.isFinite(Number(cells[k]))).toBe(true);
      expect(checks[`two-mode-2d:${c}_pairs_between_ot_and_independent`]).toBe(true);
    }
    // the anchors: independent at 1, exact OT at 0
    expect(section).toMatch(/\| `independent` \| none \(random pairs\) \| [^|]+ \| 1\.00 \|/);
    expect(section).toMatch(/\| `ot` \| exact assignment \| [^|]+ \| 0\.00 \|/);
  });
});
