/**
 * The model graph every provider is probed with: a tiny pre-norm transformer block (LayerNorm,
 * self-attention with MatMul + Softmax, LayerNorm, a GELU MLP, residual Adds) — the op families a
 * NeuroSTORM forward is made of, so a provider that passes it has kernels for what models need, not
 * just for one Add. Weights and input are fixed and small (≈ 1.4 k values, a few KB of ONNX), and
 * the expected output comes from a float64 JavaScript reference written here, independent of
 * onnxruntime, so the CPU provider is checked too.
 */
import * as G from '../graph';
import { toModelBytes } from '../graph/serialize';

/** Token count, channels and MLP width of the block; batch 2 so batched MatMul is exercised. */
const B = 2;
const L = 8;
const C = 16;
const H = 32;

/** Deterministic values in [-scale, scale): a fixed integer hash, no generator state to share. */
function values(n: number, salt: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt + 7, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 13;
    out[i] = (((h >>> 0) / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

interface BlockWeights {
  g1: Float32Array; b1: Float32Array; wv: Float32Array;
  g2: Float32Array; b2: Float32Array; w1: Float32Array; c1: Float32Array; w2: Float32Array; c2: Float32Array;
}

const WEIGHTS: BlockWeights = {
  g1: values(C, 1, 0.5).map(v => 1 + v),
  b1: values(C, 2, 0.1),
  wv: values(C * C, 3, 0.25),
  g2: values(C, 4, 0.5).map(v => 1 + v),
  b2: values(C, 5, 0.1),
  w1: values(C * H, 6, 0.25),
  c1: values(H, 7, 0.1),
  w2: values(H * C, 8, 0.18),
  c2: values(C, 9, 0.1)
};

/** The probe's input x [B, L, C]. */
export const PROBE_INPUT = { data: values(B * L * C, 10, 2), shape: [B, L, C] };

/** The block as ONNX bytes (weights baked as constants; one input "x", one output "y"). */
export function probeModelBytes(): Uint8Array {
  const g = new G.Graph('probe_block');
  const w = (v: Float32Array, shape: number[]) => g.constant(v, shape);
  const x = g.input('x', PROBE_INPUT.shape);
  const h = G.layerNorm(x, w(WEIGHTS.g1, [C]), w(WEIGHTS.b1, [C]));
  const scores = G.mul(G.matmul(h, G.transpose(h, [0, 2, 1])), 1 / Math.sqrt(C));
  const r = G.add(x, G.matmul(G.softmax(scores, -1), G.matmul(h, w(WEIGHTS.wv, [C, C]))));
  const m = G.layerNorm(r, w(WEIGHTS.g2, [C]), w(WEIGHTS.b2, [C]));
  const f = G.add(G.matmul(G.gelu(G.add(G.matmul(m, w(WEIGHTS.w1, [C, H])), w(WEIGHTS.c1, [H]))), w(WEIGHTS.w2, [H, C])), w(WEIGHTS.c2, [C]));
  g.output('y', G.add(r, f));
  return toModelBytes(g);
}

/** erf to ~1e-15 (series below 3, continued fraction above): the reference's GELU. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  if (a < 3) {
    // Maclaurin series: erf(a) = 2/√π Σ (-1)^n a^(2n+1) / (n! (2n+1)).
    let term = a;
    let sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
      if (Math.abs(term) < 1e-17) break;
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  // erfc(a) by Lentz's continued fraction: e^{-a²}/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))).
  let f = a;
  let cc = a;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const an = k / 2;
    d = a + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    cc = a + an / cc;
    const delta = cc * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return s * (1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f));
}

/** The block in float64 JavaScript: what every provider must return (to float32 rounding). */
export function probeReference(): Float64Array {
  const x = PROBE_INPUT.data;
  const W = WEIGHTS;
  const out = new Float64Array(B * L * C);
  const layerNorm = (row: ArrayLike<number>, g: Float32Array, b: Float32Array) => {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += row[c] / C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (row[c] - mean) ** 2 / C;
    return Array.from({ length: C }, (_, c) => ((row[c] - mean) / Math.sqrt(v + 1e-5)) * g[c] + b[c]);
  };
  for (let b = 0; b < B; b++) {
    const xs = Array.from({ length: L }, (_, t) => x.subarray((b * L + t) * C, (b * L + t + 1) * C));
    const h = xs.map(row => layerNorm(row, W.g1, W.b1));
    const v = h.map(row => Array.from({ length: C }, (_, j) => row.reduce((s, hv, i) => s + hv * W.wv[i * C + j], 0)));
    for (let t = 0; t < L; t++) {
      const logits = h.map(k => k.reduce((s, kv, c) => s + kv * h[t][c], 0) / Math.sqrt(C));
      const top = Math.max(...logits);
      const e = logits.map(z => Math.exp(z - top));
      const sum = e.reduce((a, z) => a + z, 0);
      const r = Array.from({ length: C }, (_, c) => xs[t][c] + e.reduce((s, p, k) => s + (p / sum) * v[k][c], 0));
      const m = layerNorm(r, W.g2, W.b2);
      const hidden = Array.from({ length: H }, (_, j) => {
        const z = m.reduce((s, mv, i) => s + mv * W.w1[i * H + j], 0) + W.c1[j];
        return 0.5 * z * (1 + erf(z / Math.SQRT2));
      });
      for (let c = 0; c < C; c++) out[(b * L + t) * C + c] = r[c] + hidden.reduce((s, hv, j) => s + hv * W.w2[j * C + c], 0) + W.c2[c];
    }
  }
  return out;
}

/** The probe's tolerance, as the WebGPU parity tests use: 1e-4 × max|reference|. */
export function probeError(y: ArrayLike<number>): { maxError: number; tolerance: number } {
  const ref = probeReference();
  let maxError = y.length === ref.length ? 0 : Infinity;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
    const e = Math.abs(Number(y[i]) - ref[i]);
    maxError = Number.isNaN(e) ? Infinity : Math.max(maxError, e);
  }
  return { maxError, tolerance: 1e-4 * maxRef };
}
