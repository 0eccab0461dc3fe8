import { TrainerInputError } from './errors';

/**
 * Rows [start, end) of shard `index` of `shards` over `count` rows: [floor(index * count / shards),
 * floor((index + 1) * count / shards)), so the shards tile 0..count-1 in order with sizes differing by at most one.
 */
export function shardRange(count: number, index: number, shards: number): { start: number; end: number } {
  if (!Number.isInteger(count) || count < 1) throw new TrainerInputError(`shard: count must be a positive integer, got ${count}`);
  if (!Number.isInteger(shards) || shards < 1 || shards > count) throw new TrainerInputError(`shard: the number of shards must be an integer in [1, ${count}], got ${shards}`);
  if (!Number.isInteger(index) || index < 0 || index >= shards) throw new TrainerInputError(`shard: index must be an integer in [0, ${shards - 1}], got ${index}`);
  return { start: Math.floor((index * count) / shards), end: Math.floor(((index + 1) * count) / shards) };
}
