import { Queue, type Job } from 'bullmq';
import { connectRedis } from './connect-redis';
import type { EvalResult } from './merge-run';
import { EVAL_QUEUE, mergeJobId, shardJobId, type MergeJobData } from './queue-names';

export interface ShardFailure {
  index: number;
  attempts: number;
  error: string;
  /** True when the shard failed for good; false while it waits to be retried. */
  final: boolean;
}

export interface EvalStatus {
  id: string;
  /** missing: not in Redis (never submitted, removed, or lost with a Redis restart). */
  state: 'missing' | 'queued' | 'running' | 'merging' | 'done' | 'failed';
  shards: { total: number; done: number; running: number; waiting: number; failed: number };
  /** Shards that failed at least once, with their last error. */
  failures: ShardFailure[];
  /** Seconds since the first shard started, and an estimate of the time left from the rate so far. */
  elapsedSeconds: number | null;
  etaSeconds: number | null;
  result: EvalResult | null;
  /** What to do, when something needs doing. */
  message: string | null;
}

const MISSING =
  'is not in this Redis: it was never submitted here, or Redis restarted without persistence (or was flushed) and lost the queue. ' +
  'Resubmit the same flow eval submit command: shards already stored in the results directory are reused, not recomputed.';

/** Progress of an evaluation: shards done / running / waiting / failed, their errors, an ETA and the result. */
export async function evalStatus(redisUrl: string, id: string): Promise<EvalStatus> {
  const connection = connectRedis(redisUrl);
  const queue = new Queue(EVAL_QUEUE, { connection });
  try {
    const status: EvalStatus = {
      id,
      state: 'missing',
      shards: { total: 0, done: 0, running: 0, waiting: 0, failed: 0 },
      failures: [],
      elapsedSeconds: null,
      etaSeconds: null,
      result: null,
      message: null,
    };
    const merge = (await queue.getJob(mergeJobId(id))) as Job<MergeJobData, EvalResult> | undefined;
    if (!merge) {
      status.message = `run ${id} ${MISSING}`;
      return status;
    }
    const total = merge.data.spec.shards;
    status.shards.total = total;
    let firstStart = Infinity;
    let lost = 0;
    for (let index = 0; index < total; index++) {
      const job = await queue.getJob(shardJobId(id, index));
      if (!job) {
        lost++;
        continue;
      }
      const state = await job.getState();
      if (job.processedOn) firstStart = Math.min(firstStart, job.processedOn);
      if (state === 'completed') status.shards.done++;
      else if (state === 'active') status.shards.running++;
      else if (state === 'failed') status.shards.failed++;
      else status.shards.waiting++;
      if (job.failedReason && state !== 'completed') status.failures.push({ index, attempts: job.attemptsMade, error: job.failedReason, final: state === 'failed' });
    }
    const mergeState = await merge.getState();
    if (mergeState === 'completed') {
      status.state = 'done';
      // Read again: the copy fetched above may predate the completion (and so lack the return value).
      status.result = ((await queue.getJob(mergeJobId(id))) as Job<MergeJobData, EvalResult>).returnvalue;
    } else if (mergeState === 'failed') {
      status.state = 'failed';
      const which = status.failures.filter((f) => f.final).map((f) => `shard ${f.index}: ${f.error}`);
      status.message = `run ${id} failed: ${which.length > 0 ? which.join('; ') : merge.failedReason}. Fix the cause and resubmit the same command (stored shards are reused).`;
    } else if (mergeState === 'active') status.state = 'merging';
    else status.state = status.shards.running > 0 || status.shards.done > 0 ? 'running' : 'queued';
    if (lost > 0 && status.state !== 'done') {
      status.state = 'missing';
      status.message = `run ${id}: ${lost} shard job(s) are gone from Redis; resubmit the same flow eval submit command (stored shards are reused).`;
    }
    if (Number.isFinite(firstStart)) {
      const elapsed = (Date.now() - firstStart) / 1000;
      status.elapsedSeconds = elapsed;
      const remaining = total - status.shards.done;
      status.etaSeconds = status.shards.done > 0 ? (remaining * elapsed) / status.shards.done : null;
      if (status.state === 'done') status.etaSeconds = 0;
    }
    return status;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
