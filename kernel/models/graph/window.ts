/**
 * 4D window mechanics on channels-last tokens [B, d, h, w, t, C] (spec §2.5): window partition /
 * reverse with windows ordered (b, jd, jh, jw, jt) and tokens inside a window ordered (id, ih, iw, it)
 * — time fastest — and the index maps that fold zero padding at the end of each axis and the
 * torch.roll shifts into the partition (one Gather each way).
 */
import type { Tensor } from '../../graph/tensor';
import { reshape, transpose } from '../../graph/api/shape';
import type { Vec4 } from '../config';

/** [B, D, H, W, T, C] → [B·nW, wd·wh·ww·wt, C] (window_partition). */
export function partition(x: Tensor, window: Vec4): Tensor {
  const [B, D, H, W, T, C] = x.shape;
  const [wd, wh, ww, wt] = window;
  const r = reshape(x, [B, D / wd, wd, H / wh, wh, W / ww, ww, T / wt, wt, C]);
  const p = transpose(r, [0, 1, 3, 5, 7, 2, 4, 6, 8, 9]);
  return reshape(p, [B * (D / wd) * (H / wh) * (W / ww) * (T / wt), wd * wh * ww * wt, C]);
}

/** [B·nW, N, C] → [B, D, H, W, T, C] (window_reverse). */
export function unpartition(windows: Tensor, window: Vec4, dims: readonly [number, number, number, number, number]): Tensor {
  const [B, D, H, W, T] = dims;
  const [wd, wh, ww, wt] = window;
  const C = windows.shape[2];
  const r = reshape(windows, [B, D / wd, H / wh, W / ww, T / wt, wd, wh, ww, wt, C]);
  const p = transpose(r, [0, 1, 5, 2, 6, 3, 7, 4, 8, 9]);
  return reshape(p, [B, D, H, W, T, C]);
}

/** Channels-last [B, d, h, w, t, C] → the official channels-first [B, C, d, h, w, t]. */
export function toChannelsFirst(x: Tensor): Tensor {
  return transpose(x, [0, 5, 1, 2, 3, 4]);
}

/** Channels-first [B, C, d, h, w, t] → channels-last. */
export function toChannelsLast(x: Tensor): Tensor {
  return transpose(x, [0, 2, 3, 4, 5, 1]);
}

/**
 * Index maps that do pad + roll(−shift) + partition in one Gather, and the exact inverse (partition⁻¹,
 * roll(+shift), crop) in another. `forward[slot]` is the flat (d,h,w,t) token feeding window slot
 * `slot` (windows (jd,jh,jw,jt), tokens (id,ih,iw,it), time fastest), or D·H·W·T — a zero row — for
 * padding. `inverse[token]` is the slot holding that token. Fewer, larger ops than the Slice/Concat
 * rolls and 10-D transposes, with the same numbers (it only moves rows).
 */
export function windowIndexMaps(grid: Vec4, padded: Vec4, window: Vec4, shift: Vec4): { forward: BigInt64Array; inverse: BigInt64Array } {
  const [D, H, W, T] = grid;
  const [PD, PH, PW, PT] = padded;
  const [wd, wh, ww, wt] = window;
  const nd = PD / wd, nh = PH / wh, nw = PW / ww, nt = PT / wt;
  const N = wd * wh * ww * wt;
  const tokens = D * H * W * T;
  const forward = new BigInt64Array(nd * nh * nw * nt * N);
  const inverse = new BigInt64Array(tokens);
  let slot = 0;
  for (let jd = 0; jd < nd; jd++) for (let jh = 0; jh < nh; jh++) for (let jw = 0; jw < nw; jw++) for (let jt = 0; jt < nt; jt++) {
    for (let id = 0; id < wd; id++) for (let ih = 0; ih < wh; ih++) for (let iw = 0; iw < ww; iw++) for (let it = 0; it < wt; it++) {
      // Rolled position p takes padded position (p + shift) mod n (torch.roll by −shift).
      const d = (jd * wd + id + shift[0]) % PD;
      const h = (jh * wh + ih + shift[1]) % PH;
      const w = (jw * ww + iw + shift[2]) % PW;
      const t = (jt * wt + it + shift[3]) % PT;
      const inside = d < D && h < H && w < W && t < T;
      const token = ((d * H + h) * W + w) * T + t;
      forward[slot] = BigInt(inside ? token : tokens);
      if (inside) inverse[token] = BigInt(slot);
      slot++;
    }
  }
  return { forward, inverse };
}
