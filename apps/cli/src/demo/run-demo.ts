import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '@flow/io';
import { vizCommand } from '../commands/viz';
import { readJson, runJob, type JobResult, type JobSpec } from './job';
import { demoPlan, type DemoPlan } from './plan';
import { mnistLatentFiles, mnistReferenceStats } from './prepare-data';
import { DemoProgress, type StageUpdate } from './progress';
import { writeReport, type PairsResult, type StageTime } from './report';

export interface DemoOptions {
  out: string;
  quick: boolean;
  seed: number;
  /** Backend name for in-process work and workers (default: what is active / auto). */
  backend?: string;
  /** Trainings at once (default: 2 when the CLI can start worker processes, else 1). */
  jobs?: number;
  progress?: boolean;
}

export interface DemoSummary {
  out: string;
  plan: DemoPlan['name'];
  seed: number;
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

/** Worker processes are the built CLI itself (`flow demo --worker JOB.json`); under jest there is none. */
export function canFork(): boolean {
  const script = process.argv[1] ?? '';
  return /main\.m?js$/.test(script) && process.env.JEST_WORKER_ID === undefined;
}

/** Runs `flow viz pairs` in-process, taking its `--json` line from stdout. */
async function vizPairs(args: string[]): Promise<Record<string, unknown>> {
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  let captured = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    const code = await vizCommand.run(['pairs', ...args, '--json']);
    if (code !== 0) throw new Error(`flow viz pairs ${args.join(' ')} exited with ${code}`);
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
  return JSON.parse(captured.trim().split('\n').pop()!) as Record<string, unknown>;
}

function runInWorker(spec: JobSpec, progress: DemoProgress): Promise<void> {
  const specFile = path.join(spec.dir, 'job.json');
  mkdirSync(spec.dir, { recursive: true });
  writeFileAtomic(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  return new Promise((resolve, reject) => {
    const child = fork(process.argv[1]!, ['demo', '--worker', specFile], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: process.execArgv });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('message', (m: StageUpdate) => progress.update({ ...m, job: spec.id }));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`demo job ${spec.id} failed (exit ${code ?? signal}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

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

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = now();
  const plan = demoPlan(options.quick);
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
  progress.log(`flow demo: ${plan.name} plan, seed ${options.seed}, ${jobs} job${jobs > 1 ? 's' : ''} at once, backend ${tf.getBackend()}, report in ${out}`);

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
      const s = await vizPairs(['--dataset', ds.name, '--count', String(plan.pairsCount), '--iterations', String(plan.tsneIterations), '--seed', String(options.seed), '--out', png]);
      const r: PairsResult = { dataset: ds.name, file: path.basename(png), ...(s as Omit<PairsResult, 'dataset' | 'file'>) };
      writeFileAtomic(file, `${JSON.stringify(r, null, 2)}\n`);
      pairs.push(r);
      progress.end('viz pairs', `viz pairs ${ds.name}: crossings ${r.crossings_before} -> ${r.crossings_after}, mean |x-z|^2 ${r.mean_sq_path_before.toPrecision(4)} -> ${r.mean_sq_path_after.toPrecision(4)}`);
    });
  }

  // 3. one job per dataset x coupling; the expensive (MNIST) ones first so the two lanes end together
  const specs: JobSpec[] = [];
  for (const ds of [...plan.datasets].sort((a, b) => (a.name === 'mnist' ? -1 : 0) - (b.name === 'mnist' ? -1 : 0))) {
    for (const coupling of plan.couplings) {
      specs.push({
        id: `${ds.name}/${coupling}`,
        dir: path.join(work, `${ds.name}-${coupling}`),
        dataset: ds,
        coupling,
        dataSpec: ds.name === 'mnist' ? mnistFile : ds.name,
        ...(ds.name === 'mnist' ? { refStats, pca: pcaFile } : {}),
        nfes: plan.nfes,
        seed: options.seed,
        trajectoryPaths: plan.trajectoryPaths,
        trajectoryPoints: plan.trajectoryPoints,
        ...(options.backend ? { backend: options.backend } : {}),
      });
    }
  }
  const results = new Map<string, JobResult>();
  const jobTimes = new Map<string, number>();
  await timed(`train + evaluate ${specs.length} models (${jobs} at once)`, () =>
    pool(specs, jobs, async (spec) => {
      const t = now();
      if (jobs > 1) {
        await runInWorker(spec, progress);
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
  const backend = ordered.find((r) => r.train.backend)?.train.backend ?? tf.getBackend();
  const seconds = now() - started;
  const report = await timed('report', () =>
    writeReport({ out, work, plan, seed: options.seed, results: ordered, pairs, stages, seconds, backend, jobs, machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}` }),
  );
  const total = now() - started;
  progress.log(`flow demo: report ${path.join(out, 'README.md')} (${total.toFixed(0)} s)`);
  return { out, plan: plan.name, seed: options.seed, backend, seconds: total, jobs, stages, results: ordered, pairs, checks: report.checks, files: report.files };
}

/** `flow demo --worker JOB.json`: one job in this process, progress over IPC, result in `<dir>/result.json`. */
export async function runWorker(specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as JobSpec;
  // the demo that started this worker is gone (killed): stop too, the next run resumes from checkpoints
  process.on('disconnect', () => process.exit(1));
  const send = (u: Omit<StageUpdate, 'job'>) => process.send?.(u);
  const r = await runJob(spec, send);
  writeFileAtomic(path.join(spec.dir, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
  // the disconnect listener holds the IPC channel open: let go so the process can exit
  process.removeAllListeners('disconnect');
  if (process.connected) process.disconnect();
}
