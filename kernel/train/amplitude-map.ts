/**
 * The amplitude-map term's host side (ours; models/graph/amplitude-map.ts builds it in the training
 * graph): its weight checked, the projection's head, the target computed on the host in the same
 * formula, and the held-out loss pretrain() records as `valid_amplitude_map`.
 */
import { UsageError } from '../errors';
import { batches } from '../data/sampler';
import type { HeadConfig, NeuroStormConfig } from '../models/config';
import { deriveSizes } from '../models/config';
import { AMPLITUDE_EPS_FRACTION } from '../models/graph/amplitude-map';
import type { NeuroStormModel } from '../models/model';
import { Sample, sampleClip } from './samples';

/** The amplitude-map weight, checked. */
export function amplitudeMapWeight(option: number | undefined): number {
  const w = option ?? 0;
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new UsageError(`amplitude-map weight must be a finite number >= 0, got ${w}`, { hint: '0 turns the term off; 1 weighs it like the masked loss' });
  return w;
}

/** The projection: a cls head with one output per patch of the configuration's patch grid. */
export function amplitudeHead(cfg: NeuroStormConfig): HeadConfig {
  return { kind: 'cls', numClasses: deriveSizes(cfg).patchGrid.reduce((a, b) => a * b, 1) };
}

/**
 * Host form of models/graph/amplitude-map.ts amplitudeTarget for one clip x [c, X, Y, Z, T] (flat,
 * row-major) and the configuration's patch size: per patch log(mean x² + ε), ε = AMPLITUDE_EPS_FRACTION
 * × the clip's mean x², centred over the patches. Patches in x-major order (the graph's gx, gy, gz).
 */
export function amplitudeTargetHost(x: Float32Array | Float64Array, shape: readonly number[], patchSize: readonly number[]): Float64Array {
  const [c, X, Y, Z, T] = shape;
  const [sx, sy, sz] = patchSize;
  const [gx, gy, gz] = [X / sx, Y / sy, Z / sz];
  const acc = new Float64Array(gx * gy * gz);
  let total = 0;
  for (let ch = 0; ch < c; ch++)
    for (let i = 0; i < X; i++)
      for (let j = 0; j < Y; j++)
        for (let k = 0; k < Z; k++) {
          const p = (Math.floor(i / sx) * gy + Math.floor(j / sy)) * gz + Math.floor(k / sz);
          const base = (((ch * X + i) * Y + j) * Z + k) * T;
          for (let t = 0; t < T; t++) {
            const v = x[base + t] * x[base + t];
            acc[p] += v;
            total += v;
          }
        }
  const perPatch = (c * sx * sy * sz * T);
  const eps = AMPLITUDE_EPS_FRACTION * (total / (c * X * Y * Z * T));
  const a = acc.map(s => Math.log(s / perPatch + eps));
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return a.map(v => v - m);
}

/** Reads `samples` in batches as the training steps do (centred, scaled, unaugmented) and calls `each` per clip. */
async function eachClip(samples: readonly Sample[], options: { batch: number; pool: number; centre: boolean; scale: number }, each: (x: Float32Array, shape: number[], batch: { data: Float32Array; shape: number[] }, row: number) => Promise<void> | void): Promise<void> {
  for await (const batch of batches(samples.map(sampleClip), { batchSize: options.batch, padLast: true, pool: options.pool, centre: options.centre, scale: options.scale })) {
    const clip = batch.shape.slice(1).reduce((a, b) => a * b, 1);
    for (let b = 0; b < batch.count; b++) await each(batch.data.subarray(b * clip, (b + 1) * clip), batch.shape.slice(1), batch, b);
  }
}

/**
 * The mean target map of `samples` (unaugmented): the start of the projection's bias. Why: the target
 * is dominated by the map every clip shares (brain against background: log ε is about -7), while AdamW
 * moves a bias by at most about lr per step (2e-3 × 170 steps = 0.34 in the recipe of the benefit
 * bench), so a bias started at 0 never reaches it and the shared map's error drives the whole backbone
 * instead (measured: held-out term 0.49 after 4 epochs against 0.041 for the constant map, the masked
 * loss stuck at trivial). Started at the mean map with the weight at 0, the term starts at the
 * constant map's loss and only the differences between clips drive the backbone.
 */
export async function amplitudeMeanMap(samples: readonly Sample[], patchSize: readonly number[], options: { batch: number; pool: number; centre: boolean; scale: number }): Promise<Float32Array> {
  let sum: Float64Array | null = null;
  await eachClip(samples, options, (x, shape) => {
    const t = amplitudeTargetHost(x, shape, patchSize);
    if (!sum) sum = new Float64Array(t.length);
    const acc: Float64Array = sum;
    t.forEach((v, p) => (acc[p] += v));
  });
  return Float32Array.from(sum!, v => v / samples.length);
}

/**
 * The held-out amplitude-map loss: every validation clip unmasked and unaugmented through the backbone
 * and the projection head (pooled encoder output → Linear, as the heads pool), against the host target
 * of the same input; mean over clips and patches. `constant` is the loss of the best constant map for
 * these clips (their mean target map): below it the pooled features carry clip-specific amplitudes.
 */
export async function amplitudeMapValidation(model: NeuroStormModel, samples: readonly Sample[], options: { batch: number; pool: number; centre: boolean; scale: number }): Promise<{ loss: number; constant: number }> {
  const preds: Float64Array[] = [];
  const targets: Float64Array[] = [];
  let y: Awaited<ReturnType<NeuroStormModel['forward']>> | null = null;
  await eachClip(samples, options, async (x, shape, batch, row) => {
    if (row === 0) y = await model.forward({ data: batch.data, shape: batch.shape }, { prompts: false }, ['cls']);
    const cls = y!.cls;
    const P = cls.shape[1];
    preds.push(Float64Array.from(cls.data.subarray(row * P, (row + 1) * P)));
    targets.push(amplitudeTargetHost(x, shape, model.config.patchSize));
  });
  const P = targets[0].length;
  const meanMap = new Float64Array(P);
  for (const t of targets) t.forEach((v, p) => (meanMap[p] += v / targets.length));
  let loss = 0;
  let constant = 0;
  targets.forEach((t, n) => t.forEach((v, p) => {
    loss += (preds[n][p] - v) ** 2;
    constant += (meanMap[p] - v) ** 2;
  }));
  return { loss: loss / (targets.length * P), constant: constant / (targets.length * P) };
}
