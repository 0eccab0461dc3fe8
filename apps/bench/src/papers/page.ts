import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@flow/io';
import { colorAt, lineChart, scatterChart, type LineSeries } from '@flow/plot';
import { markdownTable, type Cell } from '../table';
import { twoModeKey, type BespokeRecord, CurvatureRecord, PosthocRecord, SolverFid, SolverRow, StepFid, TwoModeRecord } from './claims';
import type { PapersPlan } from './plan';
import { FLOOR_KEY } from './run-grid';
import type { ResultStore } from './store';
import { formatSpread, spread, stepsToTarget } from './summary-stats';
import { trainingSeconds, type SegmentRecord } from './train-run';

export interface PageContext {
  store: ResultStore;
  plan: PapersPlan;
  /** Folder of results.md; the figures go to its results/ subfolder. */
  docsDir: string;
  machine: string;
  /** The command lines that produce this page. */
  commands: string[];
  /** Load average when the grid started (the machine is shared). */
  load: string;
}

const f2 = (x: number | undefined | null) => (x === undefined || x === null || !Number.isFinite(x) ? '-' : x.toFixed(2));
const BES = ['RK2-BES', 'RK1-BES'];

/** The pieces of the grid not yet in the store (the page says which when it is partial). */
function missingPieces(store: ResultStore, plan: PapersPlan): string[] {
  const missing: string[] = [];
  for (const seed of plan.seeds) for (const c of plan.couplings) for (const s of plan.evalSteps) if (!store.get(`fid-steps-${c.name}-s${seed}-${s}`)) missing.push(`claim 1: ${c.name} seed ${seed} step ${s}`);
  const runs = ['independent', 'encoder'].flatMap((c) => plan.claim2.seeds.map((s) => `${c}-s${s}`));
  for (const r of runs) for (const sv of plan.claim2.solvers) for (const n of plan.claim2.nfes) if (!store.get(`fid-nfe-${r}-${sv}-${n}`)) missing.push(`claim 2: ${r} ${sv} NFE ${n}`);
  for (const c of ['independent', 'encoder'] as const) if (!store.get(twoModeKey(c, plan.twoMode.steps))) missing.push(`claim 2: two-mode picture (${c})`);
  for (const sv of ['euler', 'midpoint', 'heun', ...BES]) for (const n of plan.bespoke.nfes) if (!store.get(`solver-${sv}-${n}`)) missing.push(`claim 3: ${sv} NFE ${n}`);
  for (const [i, seed] of plan.posthoc.seeds.entries()) for (const s of i === 0 ? plan.posthoc.steps : [plan.steps]) for (const w of [...plan.posthoc.sigmaRels.map(String), 'classic', 'raw']) if (!store.get(`posthoc-independent-s${seed}-${s}-${w}`)) missing.push(`claim 4: seed ${seed} step ${s} ${w}`);
  return missing;
}

/** Missing pieces counted per claim, with the first few named. */
function summarizeMissing(missing: string[]): string {
  const byClaim = new Map<string, string[]>();
  for (const m of missing) {
    const [claim, what] = m.split(': ');
    byClaim.set(claim!, [...(byClaim.get(claim!) ?? []), what!]);
  }
  return [...byClaim].map(([claim, items]) => `${claim}: ${items.length} (${items.slice(0, 4).join(', ')}${items.length > 4 ? ', ...' : ''})`).join('; ');
}

/** A line chart, drawn once at least two of its points are measured (an empty chart has no axis range). */
function chart(file: string, options: Parameters<typeof lineChart>[0]): void {
  const finite = options.series.flatMap((s) => Array.from(s.y, (y, i) => Number.isFinite(y) && Number.isFinite(s.x[i]!)));
  if (finite.filter(Boolean).length >= 2) lineChart(options).writePng(file);
}

/** Claim 1's sentence per coupling: does it reach independent's final FID in 30-40% fewer steps, over every seed? */
function speedupVerdict(name: string, target: number, reached: number, seeds: number, ratios: { mean: number; min: number; max: number }): string {
  if (reached === 0) return `${name}: never reaches FID ${target.toFixed(2)} within the run on any seed: **does not reproduce at this scale**.`;
  const pct = (100 * (1 - ratios.mean)).toFixed(0);
  const range = `ratio ${ratios.mean.toFixed(2)} (seeds ${ratios.min.toFixed(2)}-${ratios.max.toFixed(2)}), ${reached}/${seeds} seeds reach it`;
  if (reached < seeds || ratios.mean >= 1) return `${name}: ${range}: **does not reproduce at this scale** (no speed-up over independent).`;
  if (ratios.max < 1 && ratios.mean <= 0.8) return `${name}: ${range}: ${pct}% fewer steps on average and faster on every seed: **reproduces at this scale**.`;
  if (ratios.max < 1) return `${name}: ${range}: faster on every seed but by ${pct}%, less than the paper's 30-40%: **partly reproduces**.`;
  return `${name}: ${range}: ${pct}% fewer steps on average, but not on every seed (the seed spread covers 1): **not established at this scale**.`;
}

/** Claim 1: FID vs steps per coupling, steps to targets, matching overhead. */
function claim1(ctx: PageContext, figures: string, lines: string[]): void {
  const { store, plan } = ctx;
  const steps = plan.evalSteps;
  const curve = (coupling: string, seed: number) => steps.map((s) => store.get<StepFid>(`fid-steps-${coupling}-s${seed}-${s}`)?.fid ?? NaN);
  const perCoupling = plan.couplings.map((c) => {
    const seeds = plan.seeds.filter((seed) => curve(c.name, seed).every(Number.isFinite));
    const curves = seeds.map((seed) => curve(c.name, seed));
    const atStep = steps.map((_, i) => spread(plan.seeds.map((seed) => curve(c.name, seed)[i]!).filter(Number.isFinite)));
    return { c, seeds, curves, atStep };
  });
  const label = (c: { name: string; ms?: number }) => (c.ms !== undefined ? `${c.name} (ms ${c.ms})` : c.name);
  lines.push(
    markdownTable(
      ['coupling', ...steps.map((s) => `FID @ ${s} steps`)],
      perCoupling.map(({ c, atStep }): Cell[] => [label(c), ...atStep.map((s) => formatSpread(s))]),
    ),
    '',
    `FID: mean ± std over seeds (min-max); ${plan.fid.count} samples, Euler ${plan.fid.nfe} NFE, tracked power EMA sigma_rel ${plan.evalSigmaRel}.`,
    '',
  );
  const series: LineSeries[] = [];
  perCoupling.forEach(({ c, seeds, curves, atStep }, k) => {
    const [r, gr, b] = colorAt(k);
    series.push({ name: `${label(c)} mean`, x: steps, y: atStep.map((s) => s.mean), color: [r, gr, b] });
    curves.forEach((y, i) => series.push({ name: `${c.name} seed ${seeds[i]}`, x: steps, y, color: [r, gr, b, 90], markers: false }));
  });
  chart(join(figures, 'fid-vs-steps.png'), { series, x: { label: 'training step' }, y: { label: `FID (MNIST features, Euler ${plan.fid.nfe})`, log: true }, title: 'Claim 1: FID vs training steps (thin: single seeds)' });
  lines.push('![FID vs training steps](results/fid-vs-steps.png)', '');

  // Targets: what independent reaches (mean over seeds) at the later measured steps.
  const ind = perCoupling.find((p) => p.c.name === 'independent');
  if (ind && ind.seeds.length > 0) {
    const targets = steps.slice(1).map((_, i) => ind.atStep[i + 1]!.mean);
    const rows: Cell[][] = [];
    const verdicts: string[] = [];
    for (const target of targets) {
      const indSteps = ind.curves.map((y) => stepsToTarget(steps, y, target));
      const indMean = spread(indSteps.filter((s): s is number => s !== null)).mean;
      for (const p of perCoupling) {
        const reached = p.curves.map((y) => stepsToTarget(steps, y, target));
        const ok = reached.filter((s): s is number => s !== null);
        const sp = spread(ok);
        const ratios = spread(ok.map((s) => s / indMean));
        rows.push([target.toFixed(2), label(p.c), `${ok.length}/${reached.length}`, ok.length ? formatSpread(sp, 0) : `not reached by ${steps.at(-1)}`, ok.length ? formatSpread(ratios, 2) : '-']);
        if (p.c.name !== 'independent' && target === targets.at(-1)) verdicts.push(speedupVerdict(label(p.c), target, ok.length, reached.length, ratios));
      }
    }
    lines.push(
      'Steps to reach a target FID (targets: the independent mean at the measured steps; steps interpolated linearly',
      'between measured points; ratio to the independent mean steps, per seed):',
      '',
      markdownTable(['target FID', 'coupling', 'seeds reaching it', 'steps', 'ratio to independent'], rows),
      '',
      `**Verdict** at the hardest target (the FID independent reaches at step ${steps.at(-1)}); the paper's claim is a ratio of 0.6-0.7 (30-40% fewer steps):`,
      '',
      ...verdicts.map((v) => `- ${v}`),
      `- At equal steps (${steps.at(-1)}), FID over seeds: ${perCoupling.map((p) => `${label(p.c)} ${formatSpread(p.atStep.at(-1)!)}`).join('; ')}. Steps-to-target counts only the seeds that reach the target, so a seed that never does (see the column) is left out of its mean.`,
      '',
    );
  }
  // Overhead: the couplings' own matching timers, and the wall time per step of the whole run.
  const rows: Cell[][] = plan.couplings.map((c) => {
    const perSeed = plan.seeds
      .map((seed) => steps.map((s) => store.get<SegmentRecord>(`train-${c.name}-s${seed}-${s}`)).filter((r): r is SegmentRecord => r !== undefined))
      .filter((segs) => segs.length > 0);
    // the couplings' counters are cumulative over the run (they ride in the checkpoints): the last segment has them all
    const matchMs = spread(perSeed.map((segs) => (1000 * Number(segs.at(-1)!.coupling.seconds ?? 0)) / Math.max(1, Number(segs.at(-1)!.coupling.batches ?? 0))));
    const stepMs = spread(perSeed.map((segs) => (1000 * segs.reduce((a, r) => a + r.seconds, 0)) / segs.reduce((a, r) => a + (r.step - r.from), 0)));
    const reduction = spread(perSeed.map((segs) => Number(segs.at(-1)!.coupling.reduction ?? 0)));
    return [label(c), formatSpread(matchMs, 1), formatSpread(stepMs, 0), `${(100 * matchMs.mean / stepMs.mean).toFixed(1)}%`, formatSpread(reduction, 3)];
  });
  lines.push(
    'Matching overhead per training step (the couplings\' own timers: distances + assignment; the wall time per step',
    'is the whole step on this shared machine, so it moves with the load), and how much shorter the pairs are',
    '(1 - mean |x1 - x0|^2 served / the independent pairing\'s):',
    '',
    markdownTable(['coupling', 'matching ms / step', 'wall ms / step', 'matching share', 'path length^2 reduction'], rows),
    '',
  );
}

function claim2(ctx: PageContext, figures: string, lines: string[]): void {
  const { store, plan } = ctx;
  const models = ['independent', 'encoder'] as const;
  const seeds = plan.claim2.seeds;
  const fids = (model: string, sv: string, n: number) => spread(seeds.map((s) => store.get<SolverFid>(`fid-nfe-${model}-s${s}-${sv}-${n}`)?.fid).filter((f): f is number => f !== undefined));
  const curv = (model: string) => seeds.map((s) => store.get<CurvatureRecord>(`curvature-${model}-s${s}`)).filter((c): c is CurvatureRecord => c !== undefined);
  const rows: Cell[][] = [];
  const series: LineSeries[] = [];
  for (const model of models) {
    for (const sv of plan.claim2.solvers) {
      const cells = plan.claim2.nfes.map((n) => fids(model, sv, n));
      rows.push([model, sv, cells[0]!.n, ...cells.map((c) => formatSpread(c))]);
      series.push({ name: `${model} ${sv}`, x: plan.claim2.nfes, y: cells.map((c) => c.mean) });
    }
  }
  const c0 = curv('independent')[0];
  lines.push(
    markdownTable(['model', 'solver', 'seeds', ...plan.claim2.nfes.map((n) => `FID @ NFE ${n}`)], rows),
    '',
    markdownTable(
      ['model', 'seeds', 'curvature (per dim)', 'path length ratio'],
      models.map((m): Cell[] => {
        const c = curv(m);
        return [m, c.length, formatSpread(spread(c.map((r) => r.curvature)), 4), formatSpread(spread(c.map((r) => r.pathLengthRatio)), 4)];
      }),
    ),
    '',
    `FID: mean ± std over seeds (min-max), ${plan.fid.count} samples. Curvature as the paper computes it: the time average of`,
    `mean((x1 - x0) - v(x_t, t))^2 per dimension along the solved trajectory (0 for straight paths), here on ${c0?.samples ?? plan.claim2.curvatureSamples} noises`,
    `with Euler ${c0?.steps ?? plan.claim2.curvatureSteps} steps; path length ratio |x1 - x0| / path length (1 for straight paths).`,
    '',
  );
  chart(join(figures, 'fid-vs-nfe.png'), { series, x: { label: 'NFE', log: true }, y: { label: 'FID (MNIST features)', log: true }, title: 'Claim 2: FID vs NFE, independent vs encoder' });
  lines.push('![FID vs NFE](results/fid-vs-nfe.png)', '');
  const pics: string[] = [];
  for (const c of ['independent', 'encoder'] as const) {
    const rec = store.get<TwoModeRecord>(twoModeKey(c, plan.twoMode.steps));
    if (!rec) continue;
    scatterChart({
      series: [{ name: 'samples', points: rec.samples, radius: 1.2 }],
      paths: [{ name: 'trajectories', points: rec.paths, count: rec.count, length: rec.length, width: 1 }],
      title: `${c}: curvature ${rec.curvature.toFixed(4)}`,
      width: 520,
      height: 420,
    }).writePng(join(figures, `two-mode-${c}.png`));
    pics.push(`![two-mode ${c}](results/two-mode-${c}.png)`);
  }
  if (pics.length) {
    const t = store.get<TwoModeRecord>(twoModeKey('independent', plan.twoMode.steps)) ?? store.get<TwoModeRecord>(twoModeKey('encoder', plan.twoMode.steps))!;
    lines.push(
      `The paper's two-mode Gaussian (N((-8, 8), diag(3, 0.1)) and N((8, 8), diag(3, 0.1))), a 3x128 MLP per coupling,`,
      `${t.steps} steps at batch 256 (encoder beta ${plan.twoMode.beta}), ${t.count} Euler trajectories of ${t.length - 1} steps from the`,
      'same noises, and 1,000 samples; curvature over the 1,000 trajectories:',
      '',
      '| independent | encoder |',
      '| --- | --- |',
      `| ${pics.join(' | ')} |`,
      '',
    );
    const ti = store.get<TwoModeRecord>(twoModeKey('independent', plan.twoMode.steps));
    const te = store.get<TwoModeRecord>(twoModeKey('encoder', plan.twoMode.steps));
    if (ti && te) lines.push(`Two-mode curvature: ${ti.curvature.toFixed(4)} (independent) vs ${te.curvature.toFixed(4)} (encoder); in the paper's figure the encoder's paths are close to straight while independent ones bend towards the modes.`, '');
  }
  const ci = spread(curv('independent').map((r) => r.curvature));
  const ce = spread(curv('encoder').map((r) => r.curvature));
  const low = plan.claim2.nfes[0]!;
  const fi = fids('independent', 'euler', low);
  const fe = fids('encoder', 'euler', low);
  if (ci.n > 0 && ce.n > 0 && fi.n > 0 && fe.n > 0) {
    const lower = ce.mean < ci.mean;
    const better = plan.claim2.nfes.filter((n) => fids('encoder', 'euler', n).mean < fids('independent', 'euler', n).mean);
    const verdict = !lower ? '**does not reproduce at this scale**' : better.length === 0 ? '**partly reproduces**: the curvature drops, but the encoder model is not better at any NFE' : better.includes(low) ? '**reproduces at this scale**' : '**partly reproduces**';
    lines.push(
      `**Verdict**: on MNIST the encoder models' curvature is ${formatSpread(ce, 4)} against ${formatSpread(ci, 4)} for independent (${(100 * Math.abs(1 - ce.mean / ci.mean)).toFixed(0)}% ${lower ? 'lower' : 'higher'}, ${ce.n} and ${ci.n} seeds); Euler FID at NFE ${low}: ${formatSpread(fe)} (encoder) vs ${formatSpread(fi)} (independent); ${better.length ? `the encoder models are better on average at Euler NFE ${better.join(', ')}` : 'the encoder models are better on average at no Euler NFE measured'}. ${verdict}. At ${plan.steps} steps: the paper trains for hundreds of thousands of steps (batch 128); here both models are far from converged (FID far above the real-data floor), so how well the network fits dominates FID more than how straight its paths are.`,
      '',
    );
  }
}

function claim3(ctx: PageContext, figures: string, lines: string[]): void {
  const { store, plan } = ctx;
  const nfes = plan.bespoke.nfes;
  const names = ['euler', 'midpoint', 'heun', ...BES];
  const get = (sv: string, n: number) => store.get<SolverRow>(`solver-${sv}-${n}`);
  lines.push(
    markdownTable(['solver', ...nfes.map((n) => `FID @ ${n}`)], names.map((sv): Cell[] => [sv, ...nfes.map((n) => f2(get(sv, n)?.fid))])),
    '',
    markdownTable(['solver', ...nfes.map((n) => `RMSE @ ${n}`)], names.map((sv): Cell[] => [sv, ...nfes.map((n) => get(sv, n)?.rmse ?? null)])),
    '',
  );
  const gt = store.get<{ nfe: number }>('bespoke-dopri5-endpoints');
  const modelSeconds = trainingSeconds(store, { coupling: 'independent', seed: 0 }, plan.evalSteps);
  const recs = (['midpoint', 'euler'] as const).flatMap((b) => nfes.map((n) => store.get<BespokeRecord>(`bespoke-${b}-${n}`)).filter((r): r is BespokeRecord => r !== undefined));
  lines.push(
    `RMSE: against dopri5 (rtol = atol = ${plan.bespoke.rmseTolerance}${gt ? `, ${gt.nfe} NFE` : ''}) endpoints of the same ${plan.bespoke.rmseSamples} noises, per pixel in [-1, 1].`,
    '',
    markdownTable(
      ['Bespoke', 'NFE', 'training s', 'of model training', 'iterations (bound + rmse)', 'held-out RMSE', 'base @ n', 'base @ 2n', 'kept base'],
      recs.map((r): Cell[] => [r.base === 'midpoint' ? 'RK2-BES' : 'RK1-BES', r.nfe, r.seconds, modelSeconds > 0 ? `${((100 * r.seconds) / modelSeconds).toFixed(1)}%` : '-', r.iterations.join(' + '), r.heldOut.rmse, r.heldOut.baseRmseN, r.heldOut.baseRmse2n, r.keptInitial ? 'yes' : 'no']),
    ),
    '',
    `Model training time (independent seed 0, ${plan.steps} steps): ${modelSeconds.toFixed(0)} s. Held-out columns: trainBespoke's own ${plan.bespoke.testSamples} test noises against its dopri5 (rtol = atol = ${plan.bespoke.trainTolerance}); base = Euler for RK1-BES, midpoint for RK2-BES.`,
    '',
  );
  const fidSeries = names.map((sv): LineSeries => ({ name: sv, x: nfes, y: nfes.map((n) => get(sv, n)?.fid ?? NaN) }));
  const rmseSeries = names.map((sv): LineSeries => ({ name: sv, x: nfes, y: nfes.map((n) => get(sv, n)?.rmse ?? NaN) }));
  chart(join(figures, 'bespoke-fid.png'), { series: fidSeries, x: { label: 'NFE', log: true }, y: { label: 'FID (MNIST features)', log: true }, title: 'Claim 3: FID vs NFE per solver' });
  chart(join(figures, 'bespoke-rmse.png'), { series: rmseSeries, x: { label: 'NFE', log: true }, y: { label: 'RMSE to dopri5', log: true }, title: 'Claim 3: RMSE to dopri5 vs NFE per solver' });
  lines.push('| FID | RMSE |', '| --- | --- |', '| ![Bespoke FID](results/bespoke-fid.png) | ![Bespoke RMSE](results/bespoke-rmse.png) |', '');
  const rk2 = recs.filter((r) => r.base === 'midpoint');
  if (rk2.length) {
    const meets = rk2.filter((r) => r.heldOut.rmse <= r.heldOut.baseRmse2n).map((r) => r.nfe);
    const beatsN = rk2.filter((r) => r.heldOut.rmse < r.heldOut.baseRmseN).map((r) => r.nfe);
    const fractions = recs.map((r) => (modelSeconds > 0 ? (100 * r.seconds) / modelSeconds : NaN)).filter(Number.isFinite);
    const fidPairs = rk2
      .filter((r) => nfes.includes(2 * r.nfe) && get('RK2-BES', r.nfe) && get('midpoint', 2 * r.nfe))
      .map((r) => `RK2-BES at ${r.nfe}: ${get('RK2-BES', r.nfe)!.fid.toFixed(2)} vs midpoint at ${2 * r.nfe}: ${get('midpoint', 2 * r.nfe)!.fid.toFixed(2)}`);
    const verdict = meets.length === rk2.length ? '**reproduces at this scale** for the RMSE' : meets.length > 0 ? '**partly reproduces**' : beatsN.length > 0 ? '**partly reproduces**: better than the base solver at the same NFE, not as good as at 2n' : '**does not reproduce at this scale**';
    lines.push(
      `**Verdict**: RK2-BES at n NFE is at least as accurate (held-out RMSE) as midpoint at 2n for ${meets.length ? `n = ${meets.join(', ')}` : 'no n'} of ${rk2.map((r) => r.nfe).join(', ')}, and better than midpoint at n for ${beatsN.length ? `n = ${beatsN.join(', ')}` : 'no n'}; FID ${fidPairs.length ? fidPairs.join('; ') : '-'}. Bespoke training took ${fractions.length ? `${Math.min(...fractions).toFixed(1)}-${Math.max(...fractions).toFixed(1)}%` : '-'} of the model's training time (paper: 0.5-3.6%), which is large here because the model itself trained for only ${plan.steps} steps. ${verdict}.`,
      '',
    );
  }
}

function claim4(ctx: PageContext, figures: string, lines: string[]): void {
  const { store, plan } = ctx;
  const rows: Cell[][] = [];
  const series: LineSeries[] = [];
  const best: string[] = [];
  for (const [i, seed] of plan.posthoc.seeds.entries()) {
    for (const step of i === 0 ? plan.posthoc.steps : [plan.steps]) {
      const get = (w: string) => store.get<PosthocRecord>(`posthoc-independent-s${seed}-${step}-${w}`)?.fid;
      const fids = plan.posthoc.sigmaRels.map((s) => get(String(s)));
      const known = fids.map((f, i) => [f, plan.posthoc.sigmaRels[i]!] as const).filter((p): p is readonly [number, number] => p[0] !== undefined);
      const opt = known.length ? known.reduce((a, b) => (b[0] < a[0] ? b : a)) : undefined;
      rows.push([seed, step, ...fids.map(f2), f2(get('classic')), f2(get('raw')), opt ? `${opt[1]} (${opt[0].toFixed(2)})` : '-']);
      series.push({ name: `seed ${seed} step ${step}`, x: plan.posthoc.sigmaRels, y: fids.map((f) => f ?? NaN) });
      if (opt) best.push(`seed ${seed} step ${step}: sigma_rel ${opt[1]} (FID ${opt[0].toFixed(2)}; classic EMA ${f2(get('classic'))}, raw ${f2(get('raw'))})`);
    }
  }
  // the last step over every seed: mean ± std per choice of weights
  const choices = [...plan.posthoc.sigmaRels.map(String), 'classic', 'raw'];
  const overSeeds = choices.map((w) => spread(plan.posthoc.seeds.map((seed) => store.get<PosthocRecord>(`posthoc-independent-s${seed}-${plan.steps}-${w}`)?.fid).filter((f): f is number => f !== undefined)));
  lines.push(
    markdownTable(['seed', 'step', ...plan.posthoc.sigmaRels.map((s) => `sigma_rel ${s}`), `classic EMA ${plan.classicDecay}`, 'raw weights', 'optimum'], rows),
    '',
    `Optimum per checkpoint: ${best.join('; ') || '-'}. Every sigma_rel column is reconstructed after training from the same snapshots of the two tracked profiles (0.05 and 0.1, which the reconstruction returns up to rounding); classic EMA and raw weights are the files saved at that step.`,
    '',
    `At step ${plan.steps} over seeds ${plan.posthoc.seeds.join(', ')} (mean ± std (min-max)):`,
    '',
    markdownTable(['weights', 'FID'], choices.map((w, k): Cell[] => [Number.isNaN(Number(w)) ? (w === 'classic' ? `classic EMA ${plan.classicDecay}` : 'raw weights') : `post-hoc sigma_rel ${w}`, formatSpread(overSeeds[k]!)])),
    '',
  );
  const posthocOnly = overSeeds.slice(0, plan.posthoc.sigmaRels.length);
  const bestK = posthocOnly.reduce((b, sp, k) => (sp.n > 0 && (b < 0 || sp.mean < posthocOnly[b]!.mean) ? k : b), -1);
  const classic = overSeeds[plan.posthoc.sigmaRels.length]!;
  const raw = overSeeds[plan.posthoc.sigmaRels.length + 1]!;
  if (bestK >= 0 && classic.n > 0) {
    const b = posthocOnly[bestK]!;
    const worst = Math.max(...posthocOnly.filter((sp) => sp.n > 0).map((sp) => sp.mean));
    lines.push(
      `**Verdict**: one run, EMA length chosen afterwards: at step ${plan.steps} the best post-hoc profile is sigma_rel ${plan.posthoc.sigmaRels[bestK]} (FID ${b.mean.toFixed(2)}), against ${classic.mean.toFixed(2)} for the classic EMA and ${raw.n ? raw.mean.toFixed(2) : '-'} for the raw weights; the choice of sigma_rel moves FID from ${b.mean.toFixed(2)} to ${worst.toFixed(2)}. ${b.mean <= classic.mean ? '**Reproduces at this scale**: the post-hoc choice matches or beats the classic EMA without retraining, and the best length moves with the training length (the optimum per checkpoint above).' : '**Partly reproduces**: the reconstruction works, but at this length the classic EMA is better than every post-hoc profile measured.'}${raw.n > 0 && raw.mean < b.mean ? ` The raw weights do as well as or better than every EMA here (FID ${raw.mean.toFixed(2)}): after ${plan.steps} steps the network still improves quickly, so any average lags behind it; EDM2's regime, where the EMA clearly beats the raw weights, needs far longer training.` : ''}`,
      '',
    );
  }
  chart(join(figures, 'fid-vs-sigma.png'), { series, x: { label: 'sigma_rel', log: true }, y: { label: 'FID (MNIST features)', log: true }, title: 'Claim 4: FID vs post-hoc EMA length' });
  lines.push('![FID vs sigma_rel](results/fid-vs-sigma.png)', '');
}

/** Draws docs/results.md and its figures from whatever the store holds. */
export function writeResultsPage(ctx: PageContext): string {
  const { store, plan, docsDir } = ctx;
  const figures = join(docsDir, 'results');
  mkdirSync(figures, { recursive: true });
  const missing = missingPieces(store, plan);
  const floor = store.get<{ count: number; values: number[] }>(FLOOR_KEY);
  const seconds = store
    .keys()
    .map((k) => store.get<{ seconds?: number }>(k)?.seconds ?? 0)
    .reduce((a, b) => a + b, 0);
  const lines: string[] = [];
  const quick = plan.label === 'quick';
  lines.push(
    `# ${quick ? '[QUICK MODE] ' : ''}The seed papers' claims, measured with flow`,
    '',
    quick
      ? '> **Quick mode**: a CI-size grid (a few training steps, tiny samples). These numbers only show that the pipeline runs; they say nothing about the claims. The real page comes from `flow-bench papers --write`.'
      : '> Every number and figure below is measured by one command on the machine named here; rerunning it reproduces the page (the grid resumes where it stopped).',
    '',
    ...(missing.length ? [`> **Partial**: ${missing.length} measurements of the grid have not finished, so their cells are '-' (rerun the command to complete them). Missing: ${summarizeMissing(missing)}.`, ''] : []),
    '## How this page is made',
    '',
    '```sh',
    ...ctx.commands,
    '```',
    '',
    `- ${ctx.machine}; TensorFlow.js wasm backend; the machine is shared (load average ${ctx.load} when the grid started), so seconds are wall time under that load. Compute measured in the grid: ${(seconds / 60).toFixed(0)} min.`,
    `- Network: \`@flow/unet-edm2\`'s EDM2 U-Net (preset \`${plan.preset}\` with ${JSON.stringify(plan.modelOptions)}: the smallest sensible U-Net, no attention), batch ${plan.batch}, ${plan.steps} steps, EDM2's learning-rate schedule and Adam (the trainer's defaults), seeds ${plan.seeds.join(', ')}.`,
    `- EMA: power-function EMA profiles sigma_rel ${plan.trackedSigmaRels.join(' and ')} tracked with snapshots every ${plan.emaEvery} steps (EDM2 post-hoc EMA); claims 1-3 sample from the sigma_rel ${plan.evalSigmaRel} profile. A classic EMA (decay ${plan.classicDecay}, TensorFlow's num_updates warm-up) and the raw weights are saved beside it for claim 4.`,
    `- FID: \`@flow/fid\`'s built-in MNIST extractor (64-d penultimate features of a small CNN), ${plan.fid.count} generated samples against all 10,000 training digits. FID of ${floor?.count ?? plan.fid.count} real digits against the same reference (the floor at this sample size): ${floor ? formatSpread(spread(floor.values)) : '-'}. The Inception extractor needs weights this machine does not have, so it is not used.`,
    '- Scale: the papers train for hundreds of thousands of steps on GPUs (below per claim); here each model sees a few thousand digits. Where a claim does not reproduce at this scale, the text says so.',
    '',
  );
  lines.push(
    '## 1. DANSM: better noise-sample pairs train faster (ICLR 2025)',
    '',
    'Paper: "improve the training speed by 30% to 40% without sacrificing the generation quality"; its code pairs each',
    'sample greedily with the nearest unused noise of a pool of ms noises (default ms = 1000, batch 50; LSUN-Bedroom latents',
    'with ms = 10,000, batch 250, EMA 0.9999, FID at 5 Euler steps). Here: `independent`, `dansm` (the same greedy rule and',
    'scope) and `ot` (exact assignment per scope), same network, optimiser, seeds and EMA.',
    '',
  );
  claim1(ctx, figures, lines);
  lines.push(
    '## 2. Minimizing trajectory curvature with a learned forward process (fast-ode, ICML 2023)',
    '',
    "Paper: a Gaussian encoder q(z | x) trained jointly with the flow (loss + beta KL, beta = 20 for MNIST and CIFAR-10, batch",
    '128, Adam 2e-4, EMA 0.9999) lowers trajectory curvature and so the NFE needed for a given quality. Here: `@flow/encoder`\'s',
    `coupling (beta ${plan.encoderBeta}) vs \`independent\`, same U-Net and schedule, seeds ${plan.claim2.seeds.join(', ')}; FID with Euler and Heun.`,
    '',
  );
  claim2(ctx, figures, lines);
  lines.push(
    '## 3. Bespoke solvers (ICLR 2024)',
    '',
    'Paper: an RK2-BES solver at n NFE rivals the base solver at about 2n (CIFAR-10 FM-OT: FID 2.73 at NFE 10 vs 2.57 for the',
    'ground truth), trained in 0.5-3.6% of the model\'s training time, with full-size models trained for days. Here: RK1-BES',
    `(Euler base) and RK2-BES (midpoint base) trained by \`@flow/solvers\`' \`trainBespoke\` for the independent seed-0 model`,
    `(${plan.bespoke.batch} training noises, at most ${plan.bespoke.iterations} iterations per loss phase: a small budget for this CPU),`,
    'against Euler, midpoint and Heun at the same NFE.',
    '',
  );
  claim3(ctx, figures, lines);
  lines.push(
    '## 4. EDM2 post-hoc EMA',
    '',
    'Paper: storing two power-function EMA profiles lets one training run choose its EMA length afterwards; the optimum',
    'sigma_rel depends on the network and training length (ImageNet-512, 2^31 images). Here: `@flow/ema` reconstructions',
    `from the snapshots of the independent run at several checkpoints, sampled with Euler ${plan.fid.nfe} NFE.`,
    '',
  );
  claim4(ctx, figures, lines);
  const file = join(docsDir, 'results.md');
  writeFileAtomic(file, `${lines.join('\n')}\n`);
  return file;
}
