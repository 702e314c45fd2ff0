/**
 * One array task's share of a dataset: runs i with i mod N = K (`--shard K/N`). Shards interleave
 * so that runs of one subject (adjacent in dataset order) spread over tasks.
 */
import { UsageError } from '../errors';
import type { BidsDataset } from '../data';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : null;
  if (!shard || shard.count < 1 || shard.index >= shard.count)
    throw new UsageError(`--shard takes K/N with 0 <= K < N, got ${JSON.stringify(text)}`);
  return shard;
}

export function shardOf(ds: BidsDataset, shard: Shard): BidsDataset {
  return { ...ds, runs: ds.runs.filter((_, i) => i % shard.count === shard.index) };
}
