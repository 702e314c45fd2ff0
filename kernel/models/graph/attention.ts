/**
 * SwiFT baseline mixer: 4D window multi-head self-attention (models/swift.py `WindowAttention4D`,
 * the official SwiFT of the same repository): qkv Linear (bias), scaled dot-product per head,
 * the Swin shifted-window mask (−100 between tokens that came from different regions before the
 * roll) on shifted blocks, softmax, proj Linear. Like the official SwiFT module it has no relative
 * position bias table. It plugs into the same window framework as Mamba (./blocks.ts).
 */
import type { Tensor } from '../../graph/tensor';
import { add, cast, mul } from '../../graph/api/math';
import { softmax } from '../../graph/api/reduce';
import { reshape, sliceAxis, transpose } from '../../graph/api/shape';
import { linear, matmul } from '../../graph/api/linalg';
import type { StageGeometry, Vec4 } from '../config';
import type { Mixer } from './blocks';
import type { ParamScope } from './params';

/**
 * Swin's compute_mask for a padded grid: region ids over the 3 slices per axis
 * ([0, n−w), [n−w, n−s), [n−s, n)), partitioned into windows; −100 where ids differ. [nW, N, N].
 */
export function shiftedWindowMask(padded: Vec4, window: Vec4, shift: Vec4): Float32Array {
  const [D, H, W, T] = padded;
  const region = (i: number, n: number, w: number, s: number) => (i < n - w ? 0 : i < n - s ? 1 : 2);
  const id = (d: number, h: number, w: number, t: number) =>
    ((region(d, D, window[0], shift[0]) * 3 + region(h, H, window[1], shift[1])) * 3 + region(w, W, window[2], shift[2])) * 3 + region(t, T, window[3], shift[3]);
  const [wd, wh, ww, wt] = window;
  const N = wd * wh * ww * wt;
  const nW = (D / wd) * (H / wh) * (W / ww) * (T / wt);
  const out = new Float32Array(nW * N * N);
  let w = 0;
  const ids = new Int32Array(N);
  for (let jd = 0; jd < D / wd; jd++) for (let jh = 0; jh < H / wh; jh++) for (let jw = 0; jw < W / ww; jw++) for (let jt = 0; jt < T / wt; jt++) {
    let n = 0;
    for (let a = 0; a < wd; a++) for (let b = 0; b < wh; b++) for (let c = 0; c < ww; c++) for (let e = 0; e < wt; e++) ids[n++] = id(jd * wd + a, jh * wh + b, jw * ww + c, jt * wt + e);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[(w * N + i) * N + j] = ids[i] === ids[j] ? 0 : -100;
    w++;
  }
  return out;
}

export function attentionMixer(p: ParamScope): Mixer {
  return (seq: Tensor, prefix: string, stage: StageGeometry, shifted: boolean): Tensor => {
    const [M, N, C] = seq.shape;
    const h = stage.heads;
    const hd = C / h;
    const qkv = transpose(reshape(linear(seq, p.get(`${prefix}.attn.qkv.weight`), p.get(`${prefix}.attn.qkv.bias`)), [M, N, 3, h, hd]), [2, 0, 3, 1, 4]);
    const pick = (i: number) => reshape(sliceAxis(qkv, 0, i, i + 1), [M, h, N, hd]);
    const q = mul(pick(0), hd ** -0.5);
    let attn = matmul(q, transpose(pick(1), [0, 1, 3, 2])); // [M, h, N, N]
    if (shifted && stage.shift.some(s => s > 0)) {
      const nW = stage.windowsPerSample;
      const mask = p.graph.constant(shiftedWindowMask(stage.padded, stage.window, stage.shift), [1, nW, 1, N, N], 'float32');
      attn = reshape(add(reshape(attn, [M / nW, nW, h, N, N]), seq.dtype === 'float32' ? mask : cast(mask, seq.dtype)), [M, h, N, N]);
    }
    const out = matmul(softmax(attn, -1), pick(2)); // [M, h, N, hd]
    return linear(reshape(transpose(out, [0, 2, 1, 3]), [M, N, C]), p.get(`${prefix}.attn.proj.weight`), p.get(`${prefix}.attn.proj.bias`));
  };
}
