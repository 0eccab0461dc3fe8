import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '@flow/io';
import { initBackend } from '@flow/runtime';
import { readJson, runJob, type JobResult, type JobSpec } from './job';
import { vizPairs } from './pairs/viz-pairs';
import { demoPlan, ENTROPIC_DATASET, isEntropicCoupling, type DemoPlan } from './plan';
import { mnistLatentFiles, mnistReferenceStats } from './prepare-data';
import { DemoProgress } from './progress';
import { writeReport, type PairsResult, type StageTime } from './report';
import { canFork, runInWorker } from './run-in-worker';

export interface DemoOptions {
  /** Report directory; runs and checkpoints go to `<out>/work/`. */
  out: string;
  /** A smoke version of every stage (well under a minute). */
  quick: boolean;
  /** Seeds data order, initialisation, noise and Bespoke training. */
  seed: number;
  /**
   * TensorFlow.js backend (auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu; default env FLOW_BACKEND, else auto).
   * It is resolved once here; every job, in this process or in a worker, runs on the resolved one.
   */
  backend?: string;
  /** Trainings at once (default: 2 when worker processes can start, else 1). */
  jobs?: number;
  /** Progress bars and lines on stderr (default true). */
  progress?: boolean;
  /**
   * Also train the `unbalanced` and `partial` entropic couplings on two-mode-2d (default false: `sinkhorn` only;
   * partial transport's iterations make it the slowest coupling to train).
   */
  entropic?: boolean;
}

export interface DemoSummary {
  out: string;
  plan: DemoPlan['name'];
  seed: number;
  /** The backend this run resolved and gave every job (what each model was trained on is in its `train.backend`). */
  backend: string;
  seconds: number;
  jobs: number;
  stages: StageTime[];
  results: JobResult[];
  pairs: PairsResult[];
  checks: Record<string, boolean>;
  files: string[];
}

const now = () => performance.now() / 1000;

/** Runs `tasks` with at most `limit` at once; every task runs even if one fails, then the first error is thrown. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>, onError?: (e: unknown) => void): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  const lane = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      try {
        await task(item);
      } catch (e) {
        errors.push(e);
        onError?.(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
  if (errors.length) throw errors[0];
}

/**
 * The demo: trains small MLP flows on two-mode-2d and MNIST (PCA space) with four couplings (and entropic OT
 * couplings on two-mode-2d), samples each with
 * Euler, Heun and Bespoke RK2 at small NFE, measures curvature, FID and the distance to dopri5, and writes
 * `<out>/README.md` with tables and PNG figures. Every stage's result is kept on disk: a rerun resumes.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = now();
  const backend = (await initBackend(options.backend)).backend;
  const plan = demoPlan(options.quick, options.entropic ?? false);
  const out = path.resolve(options.out);
  // runs of another plan or seed live side by side, so a rerun resumes exactly its own stages
  const work = path.join(out, 'work', `${plan.name}-seed${options.seed}`);
  const cache = path.join(out, 'work', 'cache');
  mkdirSync(work, { recursive: true });
  const progress = new DemoProgress(options.progress ?? true);
  const jobs = options.jobs ?? (canFork() ? 2 : 1);
  const stages: StageTime[] = [];
  const timed = async <T>(stage: string, fn: () => Promise<T> | T, skipped = false): Promise<T> => {
    const t = now();
    const r = await fn();
    stages.push({ stage, seconds: now() - t, skipped });
    return r;
  };
  progress.log(`flow demo: ${plan.name} plan, seed ${options.seed}, ${jobs} job${jobs > 1 ? 's' : ''} at once, backend ${backend}, report in ${out}`);

  // 1. data: MNIST as 784-d rows, and the FID reference statistics of the digits
  const mnistPlan = plan.datasets.find((d) => d.name === 'mnist');
  let mnistFile = '';
  let pcaFile = '';
  let refStats = '';
  if (mnistPlan) {
    await timed('prepare mnist (PCA latents + FID reference statistics)', async () => {
      progress.update({ job: 'prepare', stage: 'mnist stats', done: 0, total: 1 });
      ({ data: mnistFile, pca: pcaFile } = mnistLatentFiles(cache, mnistPlan.pcaComponents ?? 64, mnistPlan.limit));
      refStats = (await mnistReferenceStats(cache, mnistPlan.limit)).file;
      progress.end('prepare', `prepared MNIST PCA latents and reference statistics in ${path.relative(out, cache)}`);
    });
  }

  // 2. `flow viz pairs` for one batch of each dataset
  const pairs: PairsResult[] = [];
  for (const ds of plan.datasets) {
    const file = path.join(work, `pairs-${ds.name}.json`);
    const png = path.join(out, `pairs-${ds.name}.png`);
    const done = readJson<PairsResult>(file);
    if (done && existsSync(png)) {
      pairs.push(done);
      stages.push({ stage: `viz pairs ${ds.name}`, seconds: 0, skipped: true });
      continue;
    }
    await timed(`viz pairs ${ds.name}`, async () => {
      progress.update({ job: 'viz pairs', stage: ds.name, done: 0, total: 1 });
      const s = await vizPairs({ dataset: ds.name, count: plan.pairsCount, iterations: plan.tsneIterations, seed: options.seed, out: png });
      const r: PairsResult = { dataset: ds.name, file: path.basename(png), ...s };
      writeFileAtomic(file, `${JSON.stringify(r, null, 2)}\n`);
      pairs.push(r);
      progress.end('viz pairs', `viz pairs ${ds.name}: crossings ${r.crossings_before} -> ${r.crossings_after}, mean |x-z|^2 ${r.mean_sq_path_before.toPrecision(4)} -> ${r.mean_sq_path_after.toPrecision(4)}`);
    });
  }

  // 3. one job per dataset x coupling; the expensive (MNIST) ones first so the two lanes end together
  const specs: JobSpec[] = [];
  for (const ds of [...plan.datasets].sort((a, b) => (a.name === 'mnist' ? -1 : 0) - (b.name === 'mnist' ? -1 : 0))) {
    for (const coupling of [...plan.couplings, ...(ds.name === ENTROPIC_DATASET ? plan.entropicCouplings : [])]) {
      specs.push({
        id: `${ds.name}/${coupling}`,
        dir: path.join(work, `${ds.name}-${coupling}`),
        dataset: ds,
        coupling,
        ...(isEntropicCoupling(coupling) ? { entropic: plan.entropic } : {}),
        dataSpec: ds.name === 'mnist' ? mnistFile : ds.name,
        ...(ds.name === 'mnist' ? { refStats, pca: pcaFile } : {}),
        nfes: plan.nfes,
        seed: options.seed,
        trajectoryPaths: plan.trajectoryPaths,
        trajectoryPoints: plan.trajectoryPoints,
        // the workers inherit the resolved backend: a worker never picks one of its own
        backend,
      });
    }
  }
  const results = new Map<string, JobResult>();
  const jobTimes = new Map<string, number>();
  await timed(`train + evaluate ${specs.length} models (${jobs} at once)`, () =>
    pool(specs, jobs, async (spec) => {
      const t = now();
      if (jobs > 1) {
        await runInWorker(spec, (u) => progress.update({ ...u, job: spec.id }));
        const r = readJson<JobResult>(path.join(spec.dir, 'result.json'));
        if (!r) throw new Error(`demo job ${spec.id}: the worker wrote no result.json`);
        results.set(spec.id, r);
      } else {
        const r = await runJob(spec, (u) => progress.update({ ...u, job: spec.id }));
        writeFileAtomic(path.join(spec.dir, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
        results.set(spec.id, r);
      }
      const r = results.get(spec.id)!;
      jobTimes.set(spec.id, now() - t);
      const best = r.eval.solvers.filter((s) => s.nfe === Math.max(...plan.nfes)).map((s) => `${s.solver} ${s.fid.toPrecision(3)}`);
      progress.end(
        spec.id,
        `${spec.id.padEnd(22)} ${r.skipped.length ? `(reused: ${r.skipped.join(', ')}) ` : ''}loss ${r.train.final_loss.toPrecision(3)}, curvature ${r.eval.curvature.toPrecision(3)}, FID@${Math.max(...plan.nfes)} ${best.join(' / ')}, ${(now() - t).toFixed(0)} s`,
      );
    }, (e) => progress.log(`flow demo: ${(e as Error).message}`)),
  );
  for (const spec of specs) stages.push({ stage: `job ${spec.id}`, seconds: jobTimes.get(spec.id) ?? 0, skipped: (results.get(spec.id)?.skipped.length ?? 0) >= 2, lane: true });

  // 4. figures and README.md (always redrawn from the stored results)
  const ordered = specs.map((s) => results.get(s.id)!);
  const seconds = now() - started;
  const report = await timed('report', () =>
    writeReport({ out, work, plan, seed: options.seed, results: ordered, pairs, stages, seconds, backend, jobs, machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}` }),
  );
  const total = now() - started;
  progress.log(`flow demo: report ${path.join(out, 'README.md')} (${total.toFixed(0)} s)`);
  return { out, plan: plan.name, seed: options.seed, backend, seconds: total, jobs, stages, results: ordered, pairs, checks: report.checks, files: report.files };
}
