/** The BullMQ queue every evaluation job goes through. */
export const EVAL_QUEUE = 'flow-eval';

/** Job ids are derived from the run id, so a resubmission finds (and does not duplicate) the jobs it made. */
export function shardJobId(runId: string, index: number): string {
  return `${runId}-shard-${index}`;
}

export function mergeJobId(runId: string): string {
  return `${runId}-merge`;
}

/** What a shard job carries: parameters and paths only, never code. */
export interface ShardJobData {
  id: string;
  spec: import('./eval-spec').EvalSpec;
  index: number;
}

export interface MergeJobData {
  id: string;
  spec: import('./eval-spec').EvalSpec;
  submittedAt: number;
}
