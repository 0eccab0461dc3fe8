import { readStats } from '@flow/fid';
import { normalizeEvalSpec, type EvalSpec } from './eval-spec';
import type { EvalResult } from './merge-run';
import { mergeRun } from './merge-run';
import { ShardEvaluator } from './shard-evaluator';

/**
 * The whole evaluation in this process, shard after shard, then the merge: the same files and the same FID,
 * bit for bit, as workers produce through the queue (and it reuses shards they already stored).
 */
export async function evaluateLocally(input: Partial<EvalSpec>): Promise<EvalResult> {
  const spec = normalizeEvalSpec(input);
  readStats(spec.ref); // fail before sampling, not after
  const evaluator = new ShardEvaluator();
  try {
    let last = null;
    for (let i = 0; i < spec.shards; i++) last = await evaluator.evaluate(spec, i);
    if (!last) throw new Error('unreachable: a spec has at least one shard');
    return mergeRun(spec, last.identity, last.extractor, last.nfe);
  } finally {
    evaluator.dispose();
  }
}
