/**
 * The MAE mask families of spec §3 as masks the model's MAE graph takes: spatial window / random /
 * atlas × time random / tube. `window + random` is the official default and runs the window graph
 * (unit = one 4⁴ window of tokens, window_mask_token). Every other family is expressed as a
 * token-level mask [B, gx·gy·gz·T] for the token graph (mask_token, per-token loss):
 * - random + random: ⌊tokens·ratio⌋ single tokens (kernel/models/mae-mask.ts);
 * - random + tube: units of (1, 1, 1, 4) tokens (one patch over 4 consecutive frames);
 * - window + tube: units of (4, 4, 4, T) tokens (a spatial window over every frame);
 * - atlas (+ random or + tube, identical as in the official code): max(1, ⌊R·ratio⌋) of the R atlas
 *   regions present on the patch grid; every token of a chosen region's patches, at all T.
 * Where we differ from the official code: the tube variants crash there (spec §3, shape mismatch in
 * the loss) and work here with the per-token loss the random variant uses; atlas masks use
 * mask_token, not a separate atlas_mask_token (the loss and the masked set are the official ones).
 */
import { ConfigError } from '../errors';
import { read } from '../nifti/read';
import { labelMapOnGrid } from '../data/atlas';
import { MNI_2MM_LAS, MODEL_EDGE } from '../data/grid';
import { modelToTargetOffset } from '../data/spatial';
import { resolveSynthAssets } from '../data/synth/assets';
import { deriveSizes, NeuroStormConfig } from '../models/config';
import { randomMaeMask } from '../models/mae-mask';
import type { ModelTensor } from '../models/model';
import type { Random } from '../random';

export type SpatialMask = 'window' | 'random' | 'atlas';
export type TimeMask = 'random' | 'tube';

export interface MaskSpec {
  spatial: SpatialMask;
  time: TimeMask;
  ratio: number;
}

export type MaskSampler = (batch: number, rng: Random) => ModelTensor;

/** The configuration the MAE graph needs for a mask family (window graph or token graph). */
export function maeConfigFor(cfg: NeuroStormConfig, spec: MaskSpec): NeuroStormConfig {
  if (!(spec.ratio > 0 && spec.ratio < 1)) throw new ConfigError(`mask ratio must lie in (0, 1), got ${spec.ratio}`);
  const windowGraph = spec.spatial === 'window' && spec.time === 'random';
  return { ...cfg, mae: { maskRatio: spec.ratio, spatialMask: windowGraph ? 'window' : 'random', timeMask: 'random' } };
}

/** Shuffles exactly ⌊units·ratio⌋ ones into `units` slots (Fisher–Yates, as the official numpy shuffle). */
function chooseUnits(units: number, ratio: number, rng: Random): Uint8Array {
  const chosen = new Uint8Array(units);
  chosen.fill(1, units - Math.floor(units * ratio));
  for (let i = units - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = chosen[i];
    chosen[i] = chosen[j];
    chosen[j] = t;
  }
  return chosen;
}

/**
 * Atlas region per patch of the model's input grid: the majority atlas label of the 2 mm voxels the
 * patch covers (background excluded; -1 where none), as datasets/compute_atlas_map.py does.
 */
export async function atlasPatchMap(cfg: NeuroStormConfig, atlasFile?: string): Promise<Int32Array> {
  const file = atlasFile ?? resolveSynthAssets().atlas;
  const map = labelMapOnGrid(await read(file), MNI_2MM_LAS);
  const [nx, ny] = MNI_2MM_LAS.shape;
  const off = MNI_2MM_LAS.shape.map(modelToTargetOffset);
  const [gx, gy, gz] = deriveSizes(cfg).patchGrid;
  const edge = MODEL_EDGE / gx; // 2 mm voxels per patch along an axis
  const out = new Int32Array(gx * gy * gz).fill(-1);
  for (let px = 0; px < gx; px++)
    for (let py = 0; py < gy; py++)
      for (let pz = 0; pz < gz; pz++) {
        const counts = new Map<number, number>();
        for (let x = px * edge; x < (px + 1) * edge; x++)
          for (let y = py * edge; y < (py + 1) * edge; y++)
            for (let z = pz * edge; z < (pz + 1) * edge; z++) {
              const [ix, iy, iz] = [x + off[0], y + off[1], z + off[2]];
              if (ix < 0 || iy < 0 || iz < 0 || ix >= nx || iy >= ny || iz >= MNI_2MM_LAS.shape[2]) continue;
              const r = map.regionOf[ix + nx * (iy + ny * iz)];
              if (r >= 0) counts.set(r, (counts.get(r) ?? 0) + 1);
            }
        let best = -1;
        let n = 0;
        for (const [r, c] of counts) if (c > n || (c === n && r < best)) [best, n] = [r, c];
        out[(px * gy + py) * gz + pz] = best;
      }
  return out;
}

/** A sampler of masks [batch, units] (1 = masked) for `spec` on `cfg` with `frames` frames. */
export async function maskSampler(cfg: NeuroStormConfig, spec: MaskSpec, frames: number, atlasFile?: string): Promise<MaskSampler> {
  const graphCfg = maeConfigFor(cfg, spec);
  if (spec.spatial === 'window' && spec.time === 'random') return (batch, rng) => randomMaeMask(graphCfg, batch, rng, frames);
  if (spec.spatial === 'random' && spec.time === 'random') return (batch, rng) => randomMaeMask(graphCfg, batch, rng, frames);
  const [gx, gy, gz] = deriveSizes(cfg, frames).patchGrid;
  const tokens = gx * gy * gz * frames;
  const token = (x: number, y: number, z: number, t: number) => ((x * gy + y) * gz + z) * frames + t;
  // Each unit lists its tokens; a mask marks the tokens of ⌊units·ratio⌋ chosen units.
  let units: number[][];
  if (spec.spatial === 'atlas') {
    const patches = await atlasPatchMap(cfg, atlasFile);
    const regions = [...new Set(patches)].filter(r => r >= 0).sort((a, b) => a - b);
    if (regions.length === 0) throw new ConfigError('the atlas has no region on the model grid', { file: atlasFile });
    units = regions.map(r => {
      const list: number[] = [];
      patches.forEach((p, i) => {
        if (p === r) for (let t = 0; t < frames; t++) list.push(i * frames + t);
      });
      return list;
    });
    const k = Math.max(1, Math.floor(regions.length * spec.ratio));
    return (batch, rng) => {
      const data = new Float32Array(batch * tokens);
      for (let b = 0; b < batch; b++) {
        const order = rng.shuffle(units.map((_, i) => i));
        for (const u of order.slice(0, k)) for (const tok of units[u]) data[b * tokens + tok] = 1;
      }
      return { data, shape: [batch, tokens] };
    };
  }
  const [wx, wy, wz, wt] = spec.spatial === 'window' ? [...cfg.windowSize.slice(0, 3), frames] : [1, 1, 1, Math.min(4, frames)];
  if (gx % wx || gy % wy || gz % wz || frames % wt) throw new ConfigError(`tube units ${[wx, wy, wz, wt].join('x')} do not tile the token grid ${[gx, gy, gz, frames].join('x')}`);
  units = [];
  for (let x = 0; x < gx; x += wx)
    for (let y = 0; y < gy; y += wy)
      for (let z = 0; z < gz; z += wz)
        for (let t = 0; t < frames; t += wt) {
          const list: number[] = [];
          for (let a = 0; a < wx; a++) for (let c = 0; c < wy; c++) for (let d = 0; d < wz; d++) for (let e = 0; e < wt; e++) list.push(token(x + a, y + c, z + d, t + e));
          units.push(list);
        }
  return (batch, rng) => {
    const data = new Float32Array(batch * tokens);
    for (let b = 0; b < batch; b++) {
      const chosen = chooseUnits(units.length, spec.ratio, rng);
      chosen.forEach((c, u) => {
        if (c) for (const tok of units[u]) data[b * tokens + tok] = 1;
      });
    }
    return { data, shape: [batch, tokens] };
  };
}
