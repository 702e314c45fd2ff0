/**
 * Fresh parameters with the official initialisation (spec §1 and mamba_ssm Mamba.__init__):
 * PyTorch Linear/Conv1d defaults U(±1/√fan_in); LayerNorm 1/0; pos_embed, time_embed and prompts
 * ~ N(0, 0.02²) truncated at ±2 (absolute, so effectively untruncated); mask tokens 0; Mamba
 * A_log = log(1..16), D = 1, dt_proj.weight U(±r^−½), dt_proj.bias = softplus⁻¹(dt) with dt
 * log-uniform in [1e−3, 0.1] floored at 1e−4. BatchNorm: weight 1, bias 0, running stats 0/1.
 */
import { createRng, Rng } from '../random';
import type { NeuroStormConfig } from './config';
import { backboneShapes, headShapes, maeShapes, ParamShapes } from './weights/state-dict';
import { assembleWeightSet, HeadKind, ParamMap, WeightSet } from './weights/weight-set';
import { deriveSizes } from './config';
import { numel } from '../graph/shapes';

function truncNormal(rng: Rng, std: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = rng.normal() * std;
    while (v < -2 || v > 2);
    out[i] = v;
  }
  return out;
}

function uniform(rng: Rng, bound: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

/** Initial value of one parameter by its official name. */
export function initParameter(name: string, shape: readonly number[], shapes: ParamShapes, rng: Rng): Float32Array {
  const n = numel(shape);
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  if (/(pos_embed|time_embed|prompt)$/.test(name)) return truncNormal(rng, 0.02, n);
  if (/mask_token$/.test(name)) return new Float32Array(n);
  if (leaf === 'A_log') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.log(1 + (i % shape[1]));
    return out;
  }
  if (name.endsWith('mamba.D')) return new Float32Array(n).fill(1);
  if (name.endsWith('dt_proj.weight')) return uniform(rng, shape[1] ** -0.5, n);
  if (name.endsWith('dt_proj.bias')) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const dt = Math.max(Math.exp(rng.next() * (Math.log(0.1) - Math.log(1e-3)) + Math.log(1e-3)), 1e-4);
      out[i] = dt + Math.log(-Math.expm1(-dt)); // inverse softplus
    }
    return out;
  }
  if (/bn1\.running_var$/.test(name)) return new Float32Array(n).fill(1);
  if (/bn1\.running_mean$/.test(name)) return new Float32Array(n);
  const isNorm = /(norm\d?|norm_up|bn1)\.(weight|bias)$/.test(name) || /\.norm\.(weight|bias)$/.test(name);
  if (isNorm) return new Float32Array(n).fill(leaf === 'weight' ? 1 : 0);
  if (leaf === 'weight') return uniform(rng, 1 / Math.sqrt(numel(shape.slice(1))), n);
  if (leaf === 'bias') {
    const w = shapes.get(name.slice(0, -'bias'.length) + 'weight');
    const fanIn = w ? numel(w.slice(1)) : 1;
    return uniform(rng, 1 / Math.sqrt(fanIn), n);
  }
  return uniform(rng, 1 / Math.sqrt(shape[shape.length - 1]), n);
}

function initAll(shapes: ParamShapes, rng: Rng): ParamMap {
  const out: ParamMap = new Map();
  for (const [k, shape] of shapes) out.set(k, { shape: [...shape], data: initParameter(k, shape, shapes, rng) });
  return out;
}

/** A freshly initialised weight set for `config` (backbone, prompts if promptLen > 0, MAE, heads). */
export function initWeights(config: NeuroStormConfig, seed: number, withMae = true): WeightSet {
  const rng = createRng(seed);
  const backbone = initAll(backboneShapes(config), rng);
  const mae = withMae ? initAll(maeShapes({ ...config, promptLen: 0 }), rng) : null;
  const heads = new Map<HeadKind, ParamMap>();
  const out = deriveSizes(config).outChannels;
  for (const h of config.heads) heads.set(h.kind, initAll(headShapes(h.kind, out, h.numClasses, h.embeddingSize), rng));
  return assembleWeightSet(config, backbone, mae, heads, `init(seed=${seed})`);
}

/** Fresh TPT prompts `[1, P, C]` for every block of the backbone (trunc-normal std 0.02). */
export function initPrompts(config: NeuroStormConfig, promptLen: number, seed: number): ParamMap {
  const rng = createRng(seed);
  const shapes = backboneShapes({ ...config, promptLen });
  const out: ParamMap = new Map();
  for (const [k, shape] of shapes) if (k.endsWith('.prompt')) out.set(k, { shape: [...shape], data: truncNormal(rng, 0.02, numel(shape)) });
  return out;
}
