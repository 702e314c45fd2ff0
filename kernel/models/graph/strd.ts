/**
 * STRD, Spatiotemporal Redundancy Dropout (spec §2.8), as a graph on the Mamba output of each window
 * (MAE pretraining only, training steps only). A pseudo-attention Â = softmax(h·hᵀ/√c) scores how
 * redundant each token is with its spatial (same frame) and temporal (same patch) neighbours, and a
 * token is dropped with that probability.
 *
 * AMBIGUOUS (spec §2.8): the paper drops attention elements, the official code drops whole tokens
 * (Mamba has no attention matrix to drop from). We follow the code: `h ← h · keep[token]`.
 *
 * Randomness: the Bernoulli draw compares the score with a uniform input `strd.<block>` [M, N] that
 * the caller feeds per step from the seeded generator (design.md: randomness is passed in), so runs
 * stay reproducible and resumable. The score is computed on stopGradient(h): the gradient flows
 * through the multiplicative keep mask only, as in the official code (torch.bernoulli has none).
 *
 * Where we differ: the official module builds its neighbourhood masks from the configured window and
 * crashes (shape mismatch) when the window is clamped to a smaller grid (e.g. the CPU configuration's
 * third stage, grid 2³ under 4³ windows). We build them from the window the tokens are actually in;
 * where the official code runs, the two are the same window.
 */
import type { Tensor } from '../../graph/tensor';
import { cast, clamp, div, greaterOrEqual, mul, stopGradient, add } from '../../graph/api/math';
import { max, softmax, sum } from '../../graph/api/reduce';
import { matmul } from '../../graph/api/linalg';
import { transpose, unsqueeze } from '../../graph/api/shape';
import type { DerivedSizes, Vec4 } from '../config';
import type { Mixer } from './blocks';

/** Neighbourhood edge lengths (official `strd_l_spat`, `strd_l_temp`; both default 5). */
export interface StrdSpec {
  spatial: number;
  temporal: number;
}

export const STRD_DEFAULTS: StrdSpec = { spatial: 5, temporal: 5 };

/** The uniform-noise input a block's STRD reads: name and shape [windows in the batch, tokens per window]. */
export interface StrdInput {
  name: string;
  shape: [number, number];
}

/**
 * Ωs and Ωt of every token of a window as 0/1 matrices [N, N] (row i = token i), tokens in the
 * window's (d, h, w, t) order with t fastest (spec §2.5), and their sizes |Ωs(i)|, |Ωt(i)|.
 */
export function strdNeighbourhoods(window: Vec4, spec: StrdSpec): { spatial: Float32Array; temporal: Float32Array; countS: Float32Array; countT: Float32Array } {
  const [wd, wh, ww, wt] = window;
  const N = wd * wh * ww * wt;
  const coords: number[][] = [];
  for (let d = 0; d < wd; d++) for (let h = 0; h < wh; h++) for (let w = 0; w < ww; w++) for (let t = 0; t < wt; t++) coords.push([d, h, w, t]);
  const hs = Math.floor(spec.spatial / 2);
  const ht = Math.floor(spec.temporal / 2);
  const spatial = new Float32Array(N * N);
  const temporal = new Float32Array(N * N);
  const countS = new Float32Array(N);
  const countT = new Float32Array(N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      if (i === j) continue;
      const [a, b] = [coords[i], coords[j]];
      const dd = Math.abs(a[0] - b[0]), dh = Math.abs(a[1] - b[1]), dw = Math.abs(a[2] - b[2]), dt = Math.abs(a[3] - b[3]);
      if (dt === 0 && dd <= hs && dh <= hs && dw <= hs) {
        spatial[i * N + j] = 1;
        countS[i]++;
      }
      if (dd === 0 && dh === 0 && dw === 0 && dt <= ht) {
        temporal[i * N + j] = 1;
        countT[i]++;
      }
    }
  return { spatial, temporal, countS, countT };
}

/** The per-token drop probability score(i) [M, N] of window sequences h [M, N, c] (no gradient). */
export function strdScore(h: Tensor, window: Vec4, spec: StrdSpec): Tensor {
  const g = h.graph;
  const [, N, c] = h.shape;
  const nb = strdNeighbourhoods(window, spec);
  if (nb.countS.length !== N) throw new Error(`STRD: window ${window.join('x')} has ${nb.countS.length} tokens, the sequence ${N}`);
  const hs = stopGradient(h);
  const A = softmax(mul(matmul(hs, transpose(hs, [0, 2, 1])), 1 / Math.sqrt(c)), -1); // [M, N, N]
  const maskS = g.constant(nb.spatial, [N, N], h.dtype);
  const maskT = g.constant(nb.temporal, [N, N], h.dtype);
  // Â > 0 (softmax), so the max of Â·mask is the max over the set, and 0 for an empty set (spec).
  const AS = mul(A, maskS);
  const AT = mul(A, maskT);
  const fS = max(AS, [2], true); // [M, N, 1]
  const fT = max(AT, [2], true);
  const sumS = sum(AS, [2], true);
  const sumT = sum(AT, [2], true);
  const hasS = g.constant(Float32Array.from(nb.countS, n => (n > 0 ? 1 : 0)), [N, 1], h.dtype);
  const hasT = g.constant(Float32Array.from(nb.countT, n => (n > 0 ? 1 : 0)), [N, 1], h.dtype);
  // Every j counts in the numerator (spec: "the numerator is not masked").
  const termS = mul(hasS, div(mul(fT, A), add(sumS, 1e-8)));
  const termT = mul(hasT, div(mul(fS, A), add(sumT, 1e-8)));
  const W = clamp(mul(add(termS, termT), 0.5), 0, 1);
  const card = g.constant(Float32Array.from(nb.countS, (n, i) => Math.max(n + nb.countT[i], 1)), [N], h.dtype);
  return clamp(div(sum(W, [2]), card), 0, 1);
}

/** h · keep with keep = 1 − Bernoulli(score) = [u ≥ score] for the fed uniform u [M, N]. */
export function strdDrop(h: Tensor, uniform: Tensor, window: Vec4, spec: StrdSpec): Tensor {
  const keep = cast(greaterOrEqual(uniform, strdScore(h, window, spec)), h.dtype);
  return mul(h, unsqueeze(keep, 2));
}

/** The graph input name of a block's STRD noise. */
export function strdInputName(prefix: string): string {
  return `strd.${prefix}`;
}

/** Every STRD noise input of the MAE encoder for a batch (one per encoder block, in graph order). */
export function strdInputs(sizes: DerivedSizes, batch: number): StrdInput[] {
  return sizes.stages.flatMap(st =>
    Array.from({ length: st.depth }, (_, k) => ({ name: strdInputName(`layers.${st.index}.blocks.${k}`), shape: [batch * st.windowsPerSample, st.tokensPerWindow] as [number, number] }))
  );
}

/**
 * The encoder's mixer with STRD on its output. The MAE encoder runs without prompts, so the mixer
 * output is already the prompt-stripped Mamba output the spec names; each block declares its noise input.
 */
export function withStrd(mixer: Mixer, spec: StrdSpec): Mixer {
  return (seq, prefix, stage, shifted) => {
    const out = mixer(seq, prefix, stage, shifted);
    const u = seq.graph.input(strdInputName(prefix), [out.shape[0], out.shape[1]], out.dtype);
    return strdDrop(out, u, stage.window, spec);
  };
}
