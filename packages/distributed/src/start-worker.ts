import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { initBackend } from '@flow/runtime';
import { assertInsideRoots } from './check-roots';
import { connectRedis } from './connect-redis';
import { scrubRedisSecrets } from './redact-redis-url';
import { DistributedInputError } from './errors';
import { LockKeeper } from './lock-keeper';
import { evalSpecPaths, normalizeEvalSpec } from './eval-spec';
import { mergeRun, type EvalResult } from './merge-run';
import { EVAL_QUEUE, type MergeJobData, type ShardJobData } from './queue-names';
import { ShardEvaluator, type ShardOutcome } from './shard-evaluator';

export interface WorkerOptions {
  redisUrl: string;
  /** Directories the worker may read models and references from and write results to. */
  roots: string[];
  /** Jobs at once in this process (default 1: sampling is CPU- or GPU-bound). */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal (ms, default 30000): a killed worker's job is re-run after it.
   * Locks are extended from a separate thread (`LockKeeper`), so a long synchronous batch does not make a live
   * worker look dead; were a lock lost anyway, the second run finds the stored shard file (work duplicated,
   * never the count).
   */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (ms, default 30000). */
  stalledIntervalMs?: number;
  /** Stalls (worker deaths, lost locks) a job survives before it fails (default 3). */
  maxStalledCount?: number;
  /** TensorFlow.js backend (auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu; default auto). */
  backend?: string;
  /** One line per event (no secrets). */
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Waits for the jobs in progress, then disconnects. */
  close(): Promise<void>;
}

/**
 * A BullMQ worker for evaluation jobs: `shard` jobs sample, extract features and store shard statistics;
 * `merge` jobs merge them into the FID. Every path a job names must lie inside `roots` (else the job fails
 * without retries); jobs carry parameters and paths only.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const sink = options.log ?? (() => undefined);
  const log = (line: string) => sink(scrubRedisSecrets(line, options.redisUrl));
  assertInsideRoots([], options.roots);
  const backend = await initBackend(options.backend);
  log(`TensorFlow.js backend ${backend.backend} (${backend.reason})`);
  const evaluator = new ShardEvaluator();
  const connection = connectRedis(options.redisUrl, log, true);
  const check = (data: { spec: unknown }) => {
    try {
      const spec = normalizeEvalSpec(data.spec as object);
      assertInsideRoots(evalSpecPaths(spec), options.roots);
      return spec;
    } catch (error) {
      // Bad input never gets better by retrying.
      if (error instanceof DistributedInputError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
  const lockMs = options.lockDurationMs ?? 30000;
  const keeper = new LockKeeper(options.redisUrl, lockMs);
  const processor = async (job: Job, token?: string): Promise<ShardOutcome | EvalResult> => {
    const lockKey = `bull:${EVAL_QUEUE}:${job.id}:lock`;
    if (token) keeper.hold(lockKey, token);
    try {
      return await handle(job);
    } finally {
      keeper.release(lockKey);
    }
  };
  const handle = async (job: Job): Promise<ShardOutcome | EvalResult> => {
    if (job.name === 'shard') {
      const data = job.data as ShardJobData;
      const spec = check(data);
      log(`shard ${data.index}/${spec.shards} of ${data.id}: started (attempt ${job.attemptsMade + 1})`);
      const outcome = await evaluator.evaluate(spec, data.index, (f) => job.updateProgress(Math.round(f * 100)));
      log(`shard ${data.index}/${spec.shards} of ${data.id}: ${outcome.reused ? 'already stored' : 'stored'} (${outcome.end - outcome.start} rows, ${outcome.seconds.toFixed(2)} s)`);
      return outcome;
    }
    if (job.name === 'merge') {
      const data = job.data as MergeJobData;
      const spec = check(data);
      const values = Object.values(await job.getChildrenValues()) as ShardOutcome[];
      const first = values[0];
      if (!first) throw new UnrecoverableError(`merge of ${data.id}: no shard results`);
      const identities = new Set(values.map((v) => v.identity));
      if (identities.size > 1) throw new UnrecoverableError(`merge of ${data.id}: shards were computed from ${identities.size} different models (the model changed during the run); resubmit`);
      try {
        const result = mergeRun(spec, first.identity, first.extractor, first.nfe);
        log(`merge of ${data.id}: FID ${result.fid} over ${result.count} samples`);
        return result;
      } catch (error) {
        if (error instanceof DistributedInputError) throw new UnrecoverableError(error.message);
        throw error;
      }
    }
    throw new UnrecoverableError(`unknown job '${job.name}'`);
  };
  const worker = new Worker(EVAL_QUEUE, processor, {
    connection,
    concurrency: options.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: options.stalledIntervalMs ?? 30000,
    maxStalledCount: options.maxStalledCount ?? 3,
  });
  worker.on('failed', (job, error) => log(`job ${job?.id ?? '?'} failed: ${error.message}`));
  worker.on('error', (error) => log(`worker error: ${error.message}`));
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await keeper.stop();
      evaluator.dispose();
      connection.disconnect();
    },
  };
}
