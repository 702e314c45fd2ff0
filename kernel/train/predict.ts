/**
 * Clip outputs of a model as the run contract records them (predictions.json): binary → [raw logit],
 * multiclass → raw logits, regression → [prediction in original units], reid → pooled features
 * (the mean over every backbone token, the vector the official retrieval compares, spec §5).
 * Clips run in fixed-size batches (a short last batch is padded by repeating its last clip, so one
 * inference session serves every batch).
 */
import type { NeuroStormModel } from '../models/model';
import type { HeadKind } from '../models/weights/weight-set';
import { batches } from '../data/sampler';
import { Sample, sampleClip, TaskType } from './samples';
import { poolFeatures } from '../eval/embed';

export interface Scaler {
  mean: number;
  std: number;
}

/** One output vector per sample, in order. */
export async function predictClips(
  model: NeuroStormModel,
  samples: readonly Sample[],
  options: { type: TaskType; batch: number; pool: number; centre: boolean; scale: number; scaler?: Scaler | null; signal?: AbortSignal }
): Promise<number[][]> {
  const head: HeadKind | null = options.type === 'regression' ? 'reg' : options.type === 'binary' || options.type === 'multiclass' ? 'cls' : null;
  const out: number[][] = [];
  const stream = batches(samples.map(sampleClip), { batchSize: options.batch, padLast: true, pool: options.pool, centre: options.centre, scale: options.scale });
  for await (const batch of stream) {
    const y = await model.forward({ data: batch.data, shape: batch.shape }, { prompts: model.hasPrompts }, head ? [head] : []);
    if (head) {
      const logits = y[head];
      const n = logits.shape[1];
      for (let b = 0; b < batch.count; b++) {
        const row = Array.from(logits.data.subarray(b * n, (b + 1) * n));
        out.push(head === 'reg' && options.scaler ? row.map(v => v * (options.scaler as Scaler).std + (options.scaler as Scaler).mean) : row);
      }
    } else {
      const pooled = poolFeatures(y.backbone.data, y.backbone.shape);
      for (let b = 0; b < batch.count; b++) out.push(Array.from(pooled[b]));
    }
  }
  return out;
}
