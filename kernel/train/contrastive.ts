/**
 * The subject-contrastive term's host side (ours; kernel/train/README.md, "Subject-contrastive
 * pretraining"): its weight checked, and the held-out NT-Xent that pretrain() records as
 * `valid_contrastive`, computed from the pooled backbone output in the training-time form
 * (models/graph/mae.ts contrastiveLoss builds the same term inside the training graph).
 */
import { UsageError } from '../errors';
import type { NeuroStormModel } from '../models/model';
import { CONTRASTIVE_TEMPERATURE, ContrastiveNorm } from '../models/graph/mae';
import { pairableSubjects } from './pair-batches';
import { predictClips } from './predict';
import type { Sample } from './samples';

/** Width of the contrastive projection (the official EmbHead's 128). */
export const CONTRASTIVE_EMBEDDING = 128;

/** The contrastive weight, checked. */
export function contrastiveWeight(option: number | undefined): number {
  const w = option ?? 0;
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new UsageError(`contrastive weight must be a finite number >= 0, got ${w}`, { hint: '0 turns the term off; 1 weighs it like the masked loss' });
  return w;
}

/** Host NT-Xent of L2-normalised views [2N, d] (row i's positive: i + N mod 2N), as graph/api/losses.ts ntXent. */
export function ntXentHost(z: readonly Float32Array[], temperature: number): number {
  const M = z.length;
  const N = M / 2;
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((acc, v, k) => acc + v * b[k], 0);
  let total = 0;
  for (let i = 0; i < M; i++) {
    const logits = z.map((r, k) => (k === i ? -Infinity : dot(z[i], r) / temperature));
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((acc, v) => acc + Math.exp(v - m), 0));
    total += lse - logits[(i + N) % M];
  }
  return total / M;
}

/**
 * NT-Xent of the trained projection on held-out clip pairs (each pairable validation subject's first
 * two clips, unmasked and unaugmented), all pairs in one set of 2N views: pooled backbone output,
 * fc1, with `norm` 'batch' standardised over the views (bn1 affine), L2; null with fewer than 2 such
 * subjects. Computed on the host from the backbone output, so it follows the training-time form.
 */
export async function contrastiveValidation(model: NeuroStormModel, samples: readonly Sample[], options: { batch: number; pool: number; centre: boolean; scale: number; norm?: ContrastiveNorm }): Promise<number | null> {
  const pairs = [...pairableSubjects(samples).values()].map(c => c.slice(0, 2));
  if (pairs.length < 2) return null;
  const views = [...pairs.map(p => p[0]), ...pairs.map(p => p[1])];
  const values = model.parameterValues();
  const w = values.get('emb:output_head.fc1.weight')!;
  // The pooled backbone output of each view, as the reid predictions pool it; then fc1.
  const pooled = await predictClips(model, views, { type: 'reid', batch: options.batch, pool: options.pool, centre: options.centre, scale: options.scale });
  const C = pooled[0].length;
  const E = w.length / C;
  const f = pooled.map(p => {
    const out = new Float64Array(E);
    for (let e = 0; e < E; e++) for (let c = 0; c < C; c++) out[e] += w[e * C + c] * p[c];
    return out;
  });
  if (options.norm === 'batch') {
    const gamma = values.get('emb:output_head.bn1.weight')!;
    const beta = values.get('emb:output_head.bn1.bias')!;
    for (let e = 0; e < f[0].length; e++) {
      const m = f.reduce((a, r) => a + r[e], 0) / f.length;
      const v = f.reduce((a, r) => a + (r[e] - m) ** 2, 0) / f.length;
      for (const r of f) r[e] = ((r[e] - m) / Math.sqrt(v + 1e-5)) * gamma[e] + beta[e];
    }
  }
  const z = f.map(r => {
    const n = Math.max(Math.hypot(...r), 1e-12);
    return Float32Array.from(r, v => v / n);
  });
  return ntXentHost(z, CONTRASTIVE_TEMPERATURE);
}
