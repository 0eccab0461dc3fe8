import { existsSync } from 'node:fs';
import path from 'node:path';
import { readNpy, readNpz, toFloat32, writeFileAtomic } from '@flow/io';
import { Canvas, imageGrid, lineChart, scatterChart, type Color, type LineSeries } from '@flow/plot';
import { formatDuration } from '@flow/progress';
import { backendText } from './backend-text';
import type { JobResult, SolverRow } from './job';
import { ENTROPIC_DATASET, isEntropicCoupling, SOLVERS, type DemoPlan } from './plan';
import { fmt, secs, table } from './report-format';
import { entropicChecks, entropicSection } from './entropic-report';

export interface StageTime {
  stage: string;
  seconds: number;
  skipped: boolean;
  /** A job inside the parallel stage (its time overlaps the other lane's). */
  lane?: boolean;
}

export interface PairsResult {
  dataset: string;
  file: string;
  n: number;
  dim: number;
  solver: string;
  embedding: string;
  crossings_before: number;
  crossings_after: number;
  mean_sq_path_before: number;
  mean_sq_path_after: number;
}

export interface ReportInput {
  out: string;
  work: string;
  plan: DemoPlan;
  seed: number;
  results: JobResult[];
  pairs: PairsResult[];
  stages: StageTime[];
  seconds: number;
  backend: string;
  jobs: number;
  machine: string;
}

const SOLVER_COLORS: Record<string, Color> = { euler: [213, 94, 0], heun: [0, 114, 178], bespoke: [0, 158, 115], dopri5: [120, 120, 120] };
const LABEL: Record<string, string> = { independent: 'independent', dansm: 'DANSM greedy', ot: 'exact OT', encoder: 'encoder', sinkhorn: 'Sinkhorn', unbalanced: 'unbalanced Sinkhorn', partial: 'partial OT' };


function jobDir(input: ReportInput, r: JobResult): string {
  return path.join(input.work, `${r.dataset}-${r.coupling}`);
}

function find(r: JobResult, solver: string, nfe: number): SolverRow | undefined {
  return r.eval.solvers.find((s) => s.solver === solver && s.nfe === nfe);
}

/** Panels side by side (and in rows): every canvas the same size. */
function tile(canvases: Canvas[], columns: number): Canvas {
  const w = canvases[0]!.width;
  const h = canvases[0]!.height;
  const rows = Math.ceil(canvases.length / columns);
  const out = new Canvas(w * Math.min(columns, canvases.length), h * rows);
  canvases.forEach((c, k) => out.blit((k % columns) * w, Math.floor(k / columns) * h, w, h, c.pixels));
  return out;
}

function toyFigures(input: ReportInput, toy: JobResult[], files: string[]): string[] {
  const md: string[] = [];
  const lowest = Math.min(...input.plan.nfes);
  const panels: Canvas[] = [];
  const ranges = { x: { min: -16, max: 16 }, y: { min: -4, max: 14 } };
  const samples = toy.map((r) => readNpz(path.join(jobDir(input, r), 'samples.npz')));
  for (const key of ['dopri5', `euler-${lowest}`, `bespoke-${lowest}`]) {
    toy.forEach((r, k) => {
      const s = samples[k]![key];
      if (!s) return;
      const fid = key === 'dopri5' ? r.eval.reference.fid : find(r, key.split('-')[0]!, lowest)?.fid ?? NaN;
      panels.push(
        scatterChart({
          series: [{ name: key, points: toFloat32(s), color: [0, 114, 178, 90], radius: 1.2 }],
          x: ranges.x,
          y: ranges.y,
          title: `${r.coupling} ${key.replace('-', ' ')}: FID ${fmt(fid)}`,
          width: 380,
          height: 260,
        }),
      );
    });
  }
  tile(panels, toy.length).writePng(path.join(input.out, 'two-mode-2d-samples.png'));
  files.push('two-mode-2d-samples.png');
  md.push(`![2-D samples](two-mode-2d-samples.png)`, '', `Samples from the same ${toy[0]!.eval.samples} noises: rows dopri5 (the model's own flow), Euler at NFE ${lowest}, Bespoke RK2 at NFE ${lowest}; columns by coupling. FID here is the Frechet distance of the raw coordinates to fresh data.`, '');

  // trajectories from the same noises
  const traj = toy.map((r) => {
    const file = path.join(jobDir(input, r), 'trajectories.npy');
    return existsSync(file) ? readNpy(file) : null;
  });
  const tpanels: Canvas[] = [];
  // one range for every panel, from all trajectories
  const lim = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  for (const a of traj) {
    if (!a) continue;
    const d = toFloat32(a);
    for (let i = 0; i < d.length; i += 2) {
      lim.x0 = Math.min(lim.x0, d[i]!);
      lim.x1 = Math.max(lim.x1, d[i]!);
      lim.y0 = Math.min(lim.y0, d[i + 1]!);
      lim.y1 = Math.max(lim.y1, d[i + 1]!);
    }
  }
  toy.forEach((r, k) => {
    const a = traj[k];
    if (!a) return;
    const [T, P] = a.shape as [number, number, number];
    const d = toFloat32(a);
    const pts = new Float32Array(P * T * 2);
    const starts = new Float32Array(P * 2);
    const ends = new Float32Array(P * 2);
    for (let p = 0; p < P; p++) {
      for (let t = 0; t < T; t++) {
        pts[(p * T + t) * 2] = d[(t * P + p) * 2]!;
        pts[(p * T + t) * 2 + 1] = d[(t * P + p) * 2 + 1]!;
      }
      starts.set([d[p * 2]!, d[p * 2 + 1]!], p * 2);
      ends.set([d[((T - 1) * P + p) * 2]!, d[((T - 1) * P + p) * 2 + 1]!], p * 2);
    }
    tpanels.push(
      scatterChart({
        paths: [{ points: pts, count: P, length: T, color: [213, 94, 0, 150], width: 1 }],
        series: [
          { name: 'noise (t = 0)', points: starts, color: [110, 110, 110], radius: 2 },
          { name: 'sample (t = 1)', points: ends, color: [0, 114, 178], radius: 2 },
        ],
        x: { min: Math.floor(lim.x0) - 1, max: Math.ceil(lim.x1) + 1 },
        y: { min: Math.floor(lim.y0) - 1, max: Math.ceil(lim.y1) + 1 },
        title: `${r.coupling}: curvature ${fmt(r.eval.curvature)}`,
        width: 380,
        height: 380,
      }),
    );
  });
  if (tpanels.length) {
    // at most four panels a row: with the entropic couplings there are up to seven models
    tile(tpanels, Math.min(4, tpanels.length)).writePng(path.join(input.out, 'two-mode-2d-trajectories.png'));
    files.push('two-mode-2d-trajectories.png');
    md.push('![2-D trajectories](two-mode-2d-trajectories.png)', '', `dopri5 trajectories of each model from the same ${traj[0]?.shape[1] ?? 0} noises (grey dots at t = 0, blue at t = 1), in data coordinates.`, '');
  }
  return md;
}

function mnistFigures(input: ReportInput, mnist: JobResult[], files: string[]): string[] {
  const md: string[] = [];
  const cols = 12;
  const nfes = [...input.plan.nfes].sort((a, b) => b - a);
  for (const r of mnist) {
    const s = readNpz(path.join(jobDir(input, r), 'samples.npz'));
    const ref = s.dopri5 ? toFloat32(s.dopri5) : null;
    if (!ref) continue;
    const available = ref.length / 784;
    const c = Math.min(cols, available);
    const refRows = Math.max(1, Math.min(3, Math.floor(available / c)));
    const images: number[] = [];
    const labels: string[] = [];
    for (let k = 0; k < refRows; k++) {
      images.push(...ref.subarray(k * c * 784, (k + 1) * c * 784));
      labels.push(k === 0 ? 'dopri5' : '');
    }
    for (const nfe of nfes) {
      for (const solver of SOLVERS) {
        const a = s[`${solver}-${nfe}`];
        if (!a) continue;
        images.push(...toFloat32(a).subarray(0, c * 784));
        labels.push(`${solver} ${nfe}`);
      }
    }
    const name = `mnist-${r.coupling}.png`;
    imageGrid({ images, count: images.length / 784, height: 28, width: 28, columns: c, scale: 1, padding: 1, rowLabels: labels, title: `MNIST, ${r.coupling}` }).writePng(path.join(input.out, name));
    files.push(name);
    md.push(`![MNIST ${r.coupling}](${name})`);
  }
  md.push('', `Per coupling: ${mnist[0] ? Math.min(3, Math.floor(mnist[0].eval.samples / cols)) : 0} rows of dopri5 samples, then the first row's noises solved by each solver at NFE ${nfes.join(', ')} (row labels).`, '');
  return md;
}

function nfeChart(input: ReportInput, rs: JobResult[], metric: 'fid' | 'rmse', dataset: string): Canvas[] {
  const nfes = [...input.plan.nfes];
  return rs.map((r) => {
    const series: LineSeries[] = SOLVERS.map((solver) => ({
      name: solver,
      x: nfes,
      y: nfes.map((n) => find(r, solver, n)?.[metric] ?? NaN),
      color: SOLVER_COLORS[solver],
    }));
    if (metric === 'fid') series.push({ name: `dopri5 (${r.eval.reference.nfe} NFE)`, x: [nfes[0]!, nfes[nfes.length - 1]!], y: [r.eval.reference.fid, r.eval.reference.fid], color: SOLVER_COLORS.dopri5, markers: false });
    return lineChart({ series, x: { label: 'NFE', log: true }, y: { label: metric === 'fid' ? 'FID' : 'RMSE to dopri5', log: true }, title: `${dataset}, ${r.coupling}`, width: 340, height: 260 });
  });
}

export async function writeReport(input: ReportInput): Promise<{ checks: Record<string, boolean>; files: string[] }> {
  const { plan, results } = input;
  const files: string[] = [];
  const checks: Record<string, boolean> = {};
  const md: string[] = [];
  const total = formatDuration(input.seconds);
  md.push('# flow demo report', '');
  md.push(
    `Written by \`flow demo\` (${plan.name} plan, seed ${input.seed}) on ${input.machine}; ${backendText(input)}, ` +
      `${input.jobs} training${input.jobs > 1 ? 's' : ''} at once; **${total} wall clock** for the whole run${input.stages.some((s) => s.skipped) ? ' (some stages reused from an earlier run, see Stage times)' : ''}. ` +
      'Every number and picture below was measured in this run.',
    '',
  );
  md.push(
    'What each model is: an MLP velocity field trained with the flow-matching loss (t ~ U(0, 1), x_t = (1 - t) x0 + t x1, target x1 - x0) and one of these couplings of noise x0 and data x1: ' +
      '`independent` (random pairs), `dansm` (DANSM\'s greedy nearest unused noise from a pool of `ms` noises), `ot` (exact optimal assignment per scope of `ms`), `encoder` (x0 ~ q(x0 | x1), a Gaussian encoder trained jointly, plus beta KL to N(0, I); Lee et al., ICML 2023)' +
      (plan.entropicCouplings.length ? `; on ${ENTROPIC_DATASET} also the entropic OT couplings ${plan.entropicCouplings.map((c) => `\`${c}\``).join(', ')} (a plan per scope of \`ms\`, rounded to a permutation drawn from it: see Entropic couplings)` : '') +
      '. ' +
      'Sampling always starts from N(0, I) noise. Curvature is Lee et al.\'s mean over t of |(x1 - x0) - v(x_t, t)|^2 per coordinate along dopri5 trajectories (0 = straight). ' +
      'Each solver runs from the same noises for every coupling; RMSE is the distance (per coordinate, model space) of its endpoint to the dopri5 endpoint of the same noise, FID the Frechet distance to the data ' +
      '(MNIST: the built-in extractor of @flow/fid against the statistics of the training digits; 2-D: raw coordinates against fresh data). Bespoke is RK2-BES (Shaul et al., ICLR 2024) trained per model and NFE on fresh noise.',
    '',
  );

  // checks
  const datasets = plan.datasets.map((d) => d.name);
  const checkLines: string[][] = [];
  for (const ds of datasets) {
    const rs = results.filter((r) => r.dataset === ds);
    const ind = rs.find((r) => r.coupling === 'independent');
    for (const r of rs) {
      if (!ind || r.coupling === 'independent') continue;
      const ok = r.eval.curvature < ind.eval.curvature;
      checks[`${ds}:${r.coupling}_curvature_below_independent`] = ok;
      checkLines.push([ds, `${r.coupling} curvature < independent`, `${fmt(r.eval.curvature)} vs ${fmt(ind.eval.curvature)}`, ok ? 'yes' : '**no**']);
    }
    for (const c of entropicChecks(ds, rs)) {
      checks[c.key] = c.ok;
      checkLines.push(c.line);
    }
    for (const metric of ['rmse', 'fid'] as const) {
      let wins = 0;
      let cases = 0;
      for (const r of rs) {
        for (const n of plan.nfes) {
          const b = find(r, 'bespoke', n)?.[metric];
          const others = ['euler', 'heun'].map((s) => find(r, s, n)?.[metric] ?? NaN);
          if (b === undefined) continue;
          cases++;
          if (b <= Math.min(...others)) wins++;
        }
      }
      checks[`${ds}:bespoke_best_${metric}`] = wins === cases;
      checkLines.push([ds, `Bespoke ${metric === 'rmse' ? 'RMSE' : 'FID'} <= Euler and Heun at equal NFE`, `${wins} of ${cases} (coupling x NFE)`, wins === cases ? 'yes' : wins > cases / 2 ? 'mostly' : '**no**']);
    }
  }
  md.push('## Checks', '', table(['dataset', 'claim', 'measured', 'holds'], checkLines), '');

  // per dataset
  for (const dsPlan of plan.datasets) {
    const ds = dsPlan.name;
    const rs = results.filter((r) => r.dataset === ds);
    if (!rs.length) continue;
    md.push(`## ${ds}`, '');
    md.push(
      `MLP ${dsPlan.hidden} x ${dsPlan.layers} (${rs[0]!.train.parameters.toLocaleString('en-US')} parameters), ${dsPlan.steps} steps of batch ${dsPlan.batch}, lr ${dsPlan.lr}; ` +
        `\`ms\` ${dsPlan.ms} for dansm/ot${rs.some((r) => isEntropicCoupling(r.coupling)) ? ' and the entropic couplings' : ''}, beta ${dsPlan.beta} for the encoder; ${rs[0]!.eval.samples} samples per solver and NFE; curvature from ${rs[0]!.eval.curvature_samples} trajectories; ` +
        `Bespoke: ${dsPlan.bespokeIterations} iterations of ${dsPlan.bespokeBatch} fresh noises, ${dsPlan.bespokeLoss === 'rmse' ? 'endpoint-RMSE loss' : "the paper's RMSE-bound loss"}.` +
        (ds === 'mnist'
          ? ` MNIST is the \`mnist\` package's 10,000 digits, projected on their top ${dsPlan.pcaComponents ?? 64} principal components and whitened: the flows live in that ${dsPlan.pcaComponents ?? 64}-d space (curvature and RMSE are measured there) and samples are decoded to 28x28 images for the pictures and the FID. ` +
            'An MLP on raw pixels leaves visible noise after the steps a CPU can afford, and the U-Net presets train at well under one step per second on wasm. "FID data" is real digits through the same PCA: the floor of this pipeline at this sample count.'
          : ''),
      '',
    );
    md.push(
      table(
        ['coupling', 'final loss', 'pairs mean sq. distance', 'curvature', 'path-length ratio', 'dopri5 NFE', 'FID dopri5', `FID data (${rs[0]!.eval.samples})`, 'train s', 'Bespoke s', 'eval s'],
        rs.map((r) => {
          const c = r.train.coupling as { meanSqPathAfter?: number; meanSqPathBefore?: number };
          const e = r.eval.seconds;
          return [
            LABEL[r.coupling]!,
            fmt(r.train.final_loss),
            c.meanSqPathAfter !== undefined && r.coupling !== 'encoder' ? `${fmt(c.meanSqPathAfter)}${c.meanSqPathBefore !== c.meanSqPathAfter ? ` (random ${fmt(c.meanSqPathBefore ?? NaN)})` : ''}` : 'learned',
            fmt(r.eval.curvature),
            fmt(r.eval.path_length_ratio),
            r.eval.reference.nfe,
            fmt(r.eval.reference.fid),
            fmt(r.eval.data_fid),
            secs(r.train.seconds),
            secs(e.bespoke),
            secs(e.reference + e.curvature + e.solvers),
          ];
        }),
      ),
      '',
    );
    md.push(...entropicSection(plan, rs));
    for (const metric of ['fid', 'rmse'] as const) {
      md.push(`${metric === 'fid' ? 'FID' : 'RMSE to the dopri5 endpoint'} per solver and NFE (lower is better; best of each coupling and NFE in bold):`, '');
      const head = ['coupling', 'solver', ...plan.nfes.map((n) => `NFE ${n}`)];
      const rows: string[][] = [];
      for (const r of rs) {
        for (const solver of SOLVERS) {
          rows.push([
            LABEL[r.coupling]!,
            solver === 'bespoke' ? 'Bespoke RK2' : solver,
            ...plan.nfes.map((n) => {
              const v = find(r, solver, n)?.[metric] ?? NaN;
              const best = Math.min(...SOLVERS.map((s) => find(r, s, n)?.[metric] ?? Infinity));
              return v === best ? `**${fmt(v)}**` : fmt(v);
            }),
          ]);
        }
      }
      md.push(table(head, rows), '');
    }
    const charts = [...nfeChart(input, rs, 'fid', ds)];
    const fidName = `${ds}-fid-vs-nfe.png`;
    tile(charts, Math.min(4, rs.length)).writePng(path.join(input.out, fidName));
    files.push(fidName);
    const rmseName = `${ds}-rmse-vs-nfe.png`;
    tile(nfeChart(input, rs, 'rmse', ds), Math.min(4, rs.length)).writePng(path.join(input.out, rmseName));
    files.push(rmseName);
    md.push(`![FID vs NFE, ${ds}](${fidName})`, '', `![RMSE vs NFE, ${ds}](${rmseName})`, '');
    if (ds === 'two-mode-2d') md.push(...toyFigures(input, rs, files));
    if (ds === 'mnist') md.push(...mnistFigures(input, rs, files));
    const p = input.pairs.find((q) => q.dataset === ds);
    if (p) {
      files.push(p.file);
      md.push(
        `\`flow viz pairs --dataset ${ds} --count ${p.n}\`: one batch of noise-sample pairs before and after exact matching (${p.embedding === 'tsne' ? 't-SNE embedding' : 'the points themselves'}): ` +
          `${p.crossings_before} -> ${p.crossings_after} crossing pair lines, mean |x - z|^2 ${fmt(p.mean_sq_path_before, 4)} -> ${fmt(p.mean_sq_path_after, 4)}.`,
        '',
        `![pairs ${ds}](${p.file})`,
        '',
      );
    }
  }

  // stage times
  md.push('## Stage times', '', `Wall clock of each stage; the jobs run ${input.jobs} at once, so their times overlap. "reused" marks a stage whose result was already on disk (a rerun resumes).`, '');
  md.push(
    table(
      ['stage', 'seconds', 'reused'],
      input.stages.map((s) => [s.lane ? `&nbsp;&nbsp;${s.stage}` : s.stage, secs(s.seconds), s.skipped ? 'yes' : '']),
    ),
    '',
  );
  md.push(
    table(
      ['model', 'train steps/s', 'train s', 'dopri5 s', 'curvature s', 'Bespoke s', 'solvers + FID s'],
      results.map((r) => [r.id, fmt(r.train.images_per_second / (plan.datasets.find((d) => d.name === r.dataset)?.batch ?? 1)), secs(r.train.seconds), secs(r.eval.seconds.reference), secs(r.eval.seconds.curvature), secs(r.eval.seconds.bespoke), secs(r.eval.seconds.solvers)]),
    ),
    '',
  );
  md.push(`Reproduce: \`node apps/cli/dist/main.js demo${plan.name === 'quick' ? ' --quick' : ''}${plan.entropicCouplings.length > 1 ? ' --entropic' : ''} --seed ${input.seed}\` (\`npm run demo\` from a fresh clone). Run directories, checkpoints and Bespoke parameter files are under \`work/\`.`, '');
  writeFileAtomic(path.join(input.out, 'README.md'), `${md.join('\n')}\n`);
  files.unshift('README.md');
  return { checks, files };
}
