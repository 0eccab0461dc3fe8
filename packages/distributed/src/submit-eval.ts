import { FlowProducer, Queue } from 'bullmq';
import { connectRedis } from './connect-redis';
import { DistributedInputError } from './errors';
import { evalRunId, normalizeEvalSpec, type EvalSpec } from './eval-spec';
import { EVAL_QUEUE, mergeJobId, shardJobId, type MergeJobData, type ShardJobData } from './queue-names';

export interface SubmitOptions {
  /** Tries per shard before it fails for good (default 3). */
  attempts?: number;
  /** First retry delay in ms, doubled each time (default 2000). */
  backoffMs?: number;
}

export interface Submission {
  id: string;
  shards: number;
  results: string;
  /** False when the same run was already queued (or done): nothing new was added. */
  created: boolean;
}

/**
 * Enqueues an evaluation as a BullMQ flow: K shard jobs and a merge job that runs once all of them completed
 * (a shard that fails after its retries fails the merge, and `evalStatus` names it). Job ids come from the run
 * id, so submitting the same spec again adds nothing while the run lives in Redis; a failed run is replaced,
 * and shards already stored in the results directory are reused, not recomputed.
 */
export async function submitEval(redisUrl: string, input: Partial<EvalSpec>, options: SubmitOptions = {}): Promise<Submission> {
  const spec = normalizeEvalSpec(input);
  const id = evalRunId(spec);
  const connection = connectRedis(redisUrl);
  const queue = new Queue(EVAL_QUEUE, { connection });
  const producer = new FlowProducer({ connection });
  try {
    const existing = await queue.getJob(mergeJobId(id));
    if (existing) {
      const state = await existing.getState();
      if (state !== 'failed') return { id, shards: spec.shards, results: spec.results, created: false };
      try {
        for (let i = 0; i < spec.shards; i++) await (await queue.getJob(shardJobId(id, i)))?.remove();
        await existing.remove({ removeChildren: true });
      } catch (error) {
        // A shard still running holds its lock and cannot be removed yet.
        throw new DistributedInputError(`run ${id} failed but still has shards in progress (${(error as Error).message}); submit again once flow eval status shows none running`);
      }
    }
    const attempts = options.attempts ?? 3;
    const backoff = { type: 'exponential' as const, delay: options.backoffMs ?? 2000 };
    const merge: MergeJobData = { id, spec, submittedAt: Date.now() };
    await producer.add({
      name: 'merge',
      queueName: EVAL_QUEUE,
      data: merge,
      opts: { jobId: mergeJobId(id), attempts, backoff },
      children: Array.from({ length: spec.shards }, (_, index) => {
        const data: ShardJobData = { id, spec, index };
        return { name: 'shard', queueName: EVAL_QUEUE, data, opts: { jobId: shardJobId(id, index), attempts, backoff, failParentOnFailure: true } };
      }),
    });
    return { id, shards: spec.shards, results: spec.results, created: true };
  } finally {
    await producer.close();
    await queue.close();
    connection.disconnect();
  }
}
