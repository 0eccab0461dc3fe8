import { rmSync } from 'node:fs';
import { resume, RunDirectory, train, type TrainSummary } from '@flow/trainer';
import { extraEmaHook } from './extra-ema-hook';
import type { PapersPlan } from './plan';
import type { ResultStore } from './store';

/** One MNIST training run of the grid. */
export interface RunSpec {
  coupling: 'independent' | 'dansm' | 'ot' | 'encoder';
  seed: number;
  ms?: number;
}

export function runKey(spec: RunSpec): string {
  return `${spec.coupling}-s${spec.seed}`;
}

/** What one training segment (from the previous stored step to `step`) measured. */
export interface SegmentRecord {
  run: string;
  from: number;
  step: number;
  seconds: number;
  finalLoss: number;
  /** The coupling's own counters (`CouplingStats`: matching seconds, mean squared path before/after). */
  coupling: Record<string, unknown>;
}

export function runDir(store: ResultStore, spec: RunSpec): string {
  return store.path('runs', runKey(spec));
}

export function extraDir(store: ResultStore, spec: RunSpec): string {
  return store.path('extra', runKey(spec));
}

/** Trains (or resumes) `spec` up to `step`, recording the segment; skips a segment already stored. */
export async function trainTo(store: ResultStore, plan: PapersPlan, spec: RunSpec, step: number, log: (m: string) => void): Promise<SegmentRecord> {
  const key = `train-${runKey(spec)}-${step}`;
  const have = store.get<SegmentRecord>(key);
  if (have) return have;
  const dir = runDir(store, spec);
  const run = new RunDirectory(dir);
  const hooks = { progress: false, log, ema: extraEmaHook(extraDir(store, spec), plan.classicDecay) };
  let from = 0;
  let summary: TrainSummary;
  const latest = run.hasConfig() ? run.latestCheckpoint() : null;
  if (latest && latest.checkpoint.step > step) throw new Error(`${dir}: already at step ${latest.checkpoint.step}, past ${step} (remove the folder to redo it)`);
  if (latest) {
    from = latest.checkpoint.step;
    log(`  resume ${runKey(spec)} ${from} -> ${step}`);
    summary = await resume(dir, step, hooks);
  } else {
    // a run stopped before its first checkpoint is started again from nothing
    rmSync(dir, { recursive: true, force: true });
    rmSync(extraDir(store, spec), { recursive: true, force: true });
    log(`  train ${runKey(spec)} 0 -> ${step}`);
    summary = await train(
      {
        dataset: 'mnist',
        model: 'unet-edm2',
        preset: plan.preset,
        modelOptions: plan.modelOptions,
        coupling: spec.coupling,
        ...(spec.ms !== undefined ? { ms: spec.ms } : {}),
        ...(spec.coupling === 'encoder' ? { couplingOptions: { beta: plan.encoderBeta } } : {}),
        batch: plan.batch,
        steps: step,
        seed: spec.seed,
        checkpointEvery: plan.emaEvery,
        keepCheckpoints: 1000,
        emaEvery: plan.emaEvery,
        emaSigmaRels: plan.trackedSigmaRels,
        out: dir,
      },
      hooks,
    );
  }
  return store.put<SegmentRecord>(key, { run: runKey(spec), from, step, seconds: summary.seconds, finalLoss: summary.final_loss, coupling: summary.coupling });
}

/** Seconds the stored segments of a run took, up to `step`. */
export function trainingSeconds(store: ResultStore, spec: RunSpec, steps: readonly number[]): number {
  return steps.reduce((s, step) => s + (store.get<SegmentRecord>(`train-${runKey(spec)}-${step}`)?.seconds ?? 0), 0);
}
