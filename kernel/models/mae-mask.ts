/**
 * MAE masks (spec §3 "Masking"): per sample exactly ⌊units·ratio⌋ units are masked, chosen uniformly
 * (a Fisher–Yates shuffle of [0…0, 1…1], as the official np.random.shuffle), from a seeded generator.
 * Units are windows of window_size ('window' spatial mask) or single tokens ('random').
 */
import type { Rng } from '../random';
import { assertMaeGeometry, deriveSizes, NeuroStormConfig } from './config';
import type { ModelTensor } from './model';

export function maeMaskUnits(cfg: NeuroStormConfig, frames = cfg.imgSize[3]): number {
  assertMaeGeometry(cfg, frames);
  const s = deriveSizes(cfg, frames);
  return cfg.mae.spatialMask === 'window' ? s.maeNumWindows : s.patchGrid.reduce((a, b) => a * b, frames);
}

/** A [batch, units] float mask with 1 = masked. */
export function randomMaeMask(cfg: NeuroStormConfig, batch: number, rng: Rng, frames = cfg.imgSize[3]): ModelTensor {
  const units = maeMaskUnits(cfg, frames);
  const masked = Math.floor(units * cfg.mae.maskRatio);
  const data = new Float32Array(batch * units);
  for (let b = 0; b < batch; b++) {
    const row = data.subarray(b * units, (b + 1) * units);
    row.fill(1, units - masked);
    for (let i = units - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = row[i];
      row[i] = row[j];
      row[j] = t;
    }
  }
  return { data, shape: [batch, units] };
}
