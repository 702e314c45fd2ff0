/**
 * The shifted-window 4D block (spec §2.5) with its token mixer — Mamba (spec §2.6) for NeuroSTORM,
 * window self-attention for the SwiFT baseline (./attention.ts) — and the MLP with exact GELU.
 */
import type { Tensor } from '../../graph/tensor';
import { add, exp, mul, neg, softplus } from '../../graph/api/math';
import { concat, expand, gather, pad, reshape, sliceAxis } from '../../graph/api/shape';
import { linear } from '../../graph/api/linalg';
import { causalDepthwiseConv1d, gelu, layerNorm, silu } from '../../graph/api/nn';
import type { StageGeometry, Vec4 } from '../config';
import { selectiveScan, ScanOptions } from '../selective-scan';
import type { ParamScope } from './params';
import { windowIndexMaps } from './window';
import type { Taps } from './taps';
import { numel } from '../../graph/shapes';

/** A token mixer over window sequences [M, L, C] → [M, L, C]; `prefix` names the block. */
export type Mixer = (seq: Tensor, prefix: string, stage: StageGeometry, shifted: boolean) => Tensor;

/**
 * Window-group size for the scan: about this many state elements per group stay cache-resident
 * (2^20: 4 MB float32 per state tensor, inside the 32 MB L3 with the scan's few live tensors). Halving
 * it from 2^21 made the official forward 0.83x (twice the scan nodes: first call 3.9 s → 6.5 s);
 * halving again gained nothing more (0.99x) at 23 s first call (test/bench/forward-variants.ts).
 */
export const SCAN_GROUP_ELEMENTS = 1 << 20;

/** Scan options for M windows of L tokens, E channels, N states (cache blocking by window groups). */
export function scanOptionsFor(M: number, L: number, E: number, N: number, groupElements = SCAN_GROUP_ELEMENTS): ScanOptions {
  const perWindow = L * E * N;
  const windowsPerGroup = Math.max(1, Math.floor(groupElements / perWindow));
  return { groups: Math.max(1, Math.ceil(M / windowsPerGroup)) };
}

/** mamba_ssm Mamba(d_model=C, d_state=16, d_conv=4, expand=2) forward, non-fused path (spec §2.6). */
export function mambaMixer(p: ParamScope, groupElements = SCAN_GROUP_ELEMENTS): Mixer {
  return (seq, prefix) => {
    const q = (n: string) => p.get(`${prefix}.mamba.${n}`);
    const [M, L] = seq.shape;
    const inProj = q('in_proj.weight');
    const E = inProj.shape[0] / 2;
    // x and z as two products with the halves of in_proj (sliced once, folded into constants when the
    // weights are baked in) rather than one [M, L, 2E] product split in two: the split copied both
    // halves of the largest activation of the block.
    const x = linear(seq, sliceAxis(inProj, 0, 0, E));
    const z = linear(seq, sliceAxis(inProj, 0, E, 2 * E));
    const u = silu(causalDepthwiseConv1d(x, q('conv1d.weight'), q('conv1d.bias'), 1));
    const xProj = q('x_proj.weight');
    const r = xProj.shape[0] - 32;
    const xdbl = linear(u, xProj); // [M, L, r + 32]
    const dtLow = sliceAxis(xdbl, 2, 0, r);
    const B = sliceAxis(xdbl, 2, r, r + 16);
    const C = sliceAxis(xdbl, 2, r + 16, r + 32);
    // softplus: onnxruntime's stable form equals PyTorch's threshold-20 softplus in float32.
    const delta = softplus(linear(dtLow, q('dt_proj.weight'), q('dt_proj.bias')));
    const A = neg(exp(q('A_log')));
    const y = add(selectiveScan(u, delta, A, B, C, scanOptionsFor(M, L, E, 16, groupElements)), mul(u, q('D')));
    return linear(mul(y, silu(z)), q('out_proj.weight'));
  };
}

/** MONAI MLPBlock: linear1 → exact GELU → linear2. */
export function mlp(p: ParamScope, prefix: string, x: Tensor): Tensor {
  return linear(gelu(linear(x, p.get(`${prefix}.mlp.linear1.weight`), p.get(`${prefix}.mlp.linear1.bias`))), p.get(`${prefix}.mlp.linear2.weight`), p.get(`${prefix}.mlp.linear2.bias`));
}

export interface BlockOptions {
  /** Prepend the block's prompt tokens to every window (TPT). */
  prompts: boolean;
  taps?: Taps;
}

/** One block on channels-last tokens [B, d, h, w, t, C]; odd blocks shift (spec §2.5 steps 1–9). */
export function windowBlock(p: ParamScope, mixer: Mixer, x: Tensor, stage: StageGeometry, prefix: string, shifted: boolean, options: BlockOptions): Tensor {
  const [B, , , , , Cn] = x.shape;
  const shift = (shifted ? stage.shift : [0, 0, 0, 0]) as Vec4;
  const y = layerNorm(x, p.get(`${prefix}.norm1.weight`), p.get(`${prefix}.norm1.bias`));
  // Pad (zero row), roll by −shift and partition in one Gather (spec §2.5 steps 2–4).
  const maps = windowIndexMaps(stage.grid, stage.padded, stage.window, shift);
  const g = x.graph;
  const tokens = numel(stage.grid);
  const padsNeeded = stage.padded.some((n, i) => n !== stage.grid[i]);
  let flat = reshape(y, [B, tokens, Cn]);
  if (padsNeeded) flat = pad(flat, [[0, 0], [0, 1], [0, 0]]);
  let windows = reshape(gather(flat, g.constant(maps.forward, [maps.forward.length], 'int64'), 1), [B * stage.windowsPerSample, stage.tokensPerWindow, Cn]);
  options.taps?.record(`${prefix}.mamba.in`, windows);
  let P = 0;
  if (options.prompts) {
    const prompt = p.get(`${prefix}.prompt`); // [1, P, C]
    P = prompt.shape[1];
    windows = concat([expand(prompt, [windows.shape[0], P, windows.shape[2]]), windows], 1);
  }
  let mixed = mixer(windows, prefix, stage, shifted);
  if (P > 0) mixed = sliceAxis(mixed, 1, P, P + stage.tokensPerWindow);
  options.taps?.record(`${prefix}.mamba.out`, mixed);
  // Reverse partition, roll by +shift and crop in one Gather (spec §2.5 step 8).
  const slots = reshape(mixed, [B, stage.windowsPerSample * stage.tokensPerWindow, Cn]);
  const out = reshape(gather(slots, g.constant(maps.inverse, [maps.inverse.length], 'int64'), 1), x.shape);
  const h = add(x, out);
  return add(h, mlp(p, prefix, layerNorm(h, p.get(`${prefix}.norm2.weight`), p.get(`${prefix}.norm2.bias`))));
}
