/**
 * MAE training augmentation (spec §3; official `LightningModel.augment` with MONAI), host-side on a
 * batch [B, c, X, Y, Z, T] (T fastest), always on for pretraining steps and never at validation:
 * - RandAffine, prob 1: rotation uniform in ±0.175 rad about each axis and scale 1 + uniform ±0.1 per
 *   axis, about the volume centre; trilinear ("bilinear" in MONAI's 3-D sense), border padding;
 * - RandGaussianNoise, prob 0.3: additive N(0, 0.1²);
 * - RandGaussianSmooth, prob 0.1: separable Gaussian, σ uniform in [0, 0.5] per axis.
 * The official code reseeds the transforms with one seed per sample before every frame, so every frame
 * of a clip gets the same transform and even the same noise field; we draw each sample's parameters
 * once from its own fork of the seeded generator and apply them to every frame (same result).
 * `only: 'affine'` / `'intensity'` restrict the set as `--augment_only_affine` / `--augment_only_intensity`.
 *
 * Where we differ: MONAI's own random stream is not reproduced (same distributions, other draws), and
 * MONAI's rotation order (x then y then z, composed as Rx·Ry·Rz) and centring follow its documented
 * convention but are not bit-compared. The CPU configuration centres each voxel over time before this
 * runs: the affine and the smoothing are linear and the same for every frame, so they commute with
 * that centring; the noise field, identical in every frame as in the official code, survives it only
 * because it is added after (added before, centring would remove it entirely).
 *
 * `gainField` (ours, opt-in; not in the official code): a smooth multiplicative gain g(x) on the
 * centred fluctuations, the same for every frame (MONAI RandBiasField's idea, on a Gaussian-smoothed
 * white field instead of Legendre polynomials). Drawn from its own fork per sample, so the official
 * transforms' draws are untouched; kernel/train/README.md ("A multiplicative gain-field
 * augmentation") says why.
 */
import type { HostTensor } from '../runtime/host-tensor';
import type { Random } from '../random';
import { UsageError } from '../errors';

export type AugmentSet = 'all' | 'affine' | 'intensity';

export interface AugmentParams {
  /** Output → input voxel map about the centre: 3×3 matrix (row-major), or null for no affine. */
  affine: number[] | null;
  /** Standard deviation of the additive noise field, or null for none. */
  noise: number | null;
  /** Per-axis Gaussian σ in voxels, or null for no smoothing. */
  smooth: [number, number, number] | null;
}

/** The official ranges (spec §3). */
export const AUGMENT = { rotate: 0.175, scale: 0.1, noiseProb: 0.3, noiseStd: 0.1, smoothProb: 0.1, smoothSigma: 0.5 } as const;

type Mat3 = number[];

function matmul3(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return out;
}

/** R = Rx(θx)·Ry(θy)·Rz(θz) · diag(scale) (MONAI create_rotate then create_scale). */
export function affineMatrix(angles: [number, number, number], scale: [number, number, number]): Mat3 {
  const [cx, sx] = [Math.cos(angles[0]), Math.sin(angles[0])];
  const [cy, sy] = [Math.cos(angles[1]), Math.sin(angles[1])];
  const [cz, sz] = [Math.cos(angles[2]), Math.sin(angles[2])];
  const rx = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const rz = [cz, -sz, 0, sz, cz, 0, 0, 0, 1];
  return matmul3(matmul3(matmul3(rx, ry), rz), [scale[0], 0, 0, 0, scale[1], 0, 0, 0, scale[2]]);
}

/** Draws one sample's transform (each transform's probability, then its parameters). */
export function drawAugment(rng: Random, set: AugmentSet = 'all'): AugmentParams {
  const u = (r: number) => rng.uniform(-r, r);
  const affine = set !== 'intensity' ? affineMatrix([u(AUGMENT.rotate), u(AUGMENT.rotate), u(AUGMENT.rotate)], [1 + u(AUGMENT.scale), 1 + u(AUGMENT.scale), 1 + u(AUGMENT.scale)]) : null;
  if (set === 'affine') return { affine, noise: null, smooth: null };
  const noise = rng.next() < AUGMENT.noiseProb ? AUGMENT.noiseStd : null;
  const smooth = rng.next() < AUGMENT.smoothProb ? ([rng.uniform(0, AUGMENT.smoothSigma), rng.uniform(0, AUGMENT.smoothSigma), rng.uniform(0, AUGMENT.smoothSigma)] as [number, number, number]) : null;
  return { affine, noise, smooth };
}

/**
 * Trilinear resampling of a volume [X, Y, Z, T] (T fastest) through `m` about the centre:
 * out[o] = in[m·(o − c) + c] with c = (n − 1)/2, source coordinates clamped to the volume (border padding).
 */
export function affineResample(src: Float32Array, dims: [number, number, number, number], m: Mat3): Float32Array {
  const [X, Y, Z, T] = dims;
  const out = new Float32Array(src.length);
  const [cx, cy, cz] = [(X - 1) / 2, (Y - 1) / 2, (Z - 1) / 2];
  const clampTo = (v: number, n: number) => (v < 0 ? 0 : v > n - 1 ? n - 1 : v);
  for (let x = 0; x < X; x++)
    for (let y = 0; y < Y; y++)
      for (let z = 0; z < Z; z++) {
        const [ox, oy, oz] = [x - cx, y - cy, z - cz];
        const px = clampTo(m[0] * ox + m[1] * oy + m[2] * oz + cx, X);
        const py = clampTo(m[3] * ox + m[4] * oy + m[5] * oz + cy, Y);
        const pz = clampTo(m[6] * ox + m[7] * oy + m[8] * oz + cz, Z);
        const [x0, y0, z0] = [Math.min(Math.floor(px), X - 2), Math.min(Math.floor(py), Y - 2), Math.min(Math.floor(pz), Z - 2)].map(v => Math.max(v, 0));
        const [fx, fy, fz] = [px - x0, py - y0, pz - z0];
        const x1 = Math.min(x0 + 1, X - 1), y1 = Math.min(y0 + 1, Y - 1), z1 = Math.min(z0 + 1, Z - 1);
        const corner = (a: number, b: number, c: number) => ((a * Y + b) * Z + c) * T;
        const idx = [corner(x0, y0, z0), corner(x0, y0, z1), corner(x0, y1, z0), corner(x0, y1, z1), corner(x1, y0, z0), corner(x1, y0, z1), corner(x1, y1, z0), corner(x1, y1, z1)];
        const w = [
          (1 - fx) * (1 - fy) * (1 - fz), (1 - fx) * (1 - fy) * fz, (1 - fx) * fy * (1 - fz), (1 - fx) * fy * fz,
          fx * (1 - fy) * (1 - fz), fx * (1 - fy) * fz, fx * fy * (1 - fz), fx * fy * fz
        ];
        const o = corner(x, y, z);
        for (let t = 0; t < T; t++) {
          let v = 0;
          for (let k = 0; k < 8; k++) v += w[k] * src[idx[k] + t];
          out[o + t] = v;
        }
      }
  return out;
}

/**
 * MONAI's Gaussian kernel (approx "erf", truncated at 4σ): k[i] = ½(erf((i+½)/(σ√2)) − erf((i−½)/(σ√2))),
 * i ∈ [−tail, tail], tail = ⌊max(4σ, ½) + ½⌋.
 */
export function gaussianKernel(sigma: number): Float64Array {
  const tail = Math.floor(Math.max(4 * sigma, 0.5) + 0.5);
  const k = new Float64Array(2 * tail + 1);
  for (let i = -tail; i <= tail; i++) k[i + tail] = sigma <= 0 ? (i === 0 ? 1 : 0) : 0.5 * (erf((i + 0.5) / (sigma * Math.SQRT2)) - erf((i - 0.5) / (sigma * Math.SQRT2)));
  return k;
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7, far below float32 data resolution here). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** Separable Gaussian smoothing of [X, Y, Z, T] along x, y, z, zero outside (MONAI separable_filtering). */
export function gaussianSmooth(src: Float32Array, dims: [number, number, number, number], sigma: [number, number, number]): Float32Array {
  const [, Y, Z, T] = dims;
  const strides = [Y * Z * T, Z * T, T];
  let cur = src;
  for (let axis = 0; axis < 3; axis++) {
    const k = gaussianKernel(sigma[axis]);
    const tail = (k.length - 1) / 2;
    if (tail === 0 && k[0] === 1) continue;
    const n = dims[axis];
    const stride = strides[axis];
    const next = new Float32Array(cur.length);
    for (let i = 0; i < cur.length; i++) {
      const pos = Math.floor(i / stride) % n;
      let v = 0;
      for (let j = -tail; j <= tail; j++) {
        const q = pos + j;
        if (q >= 0 && q < n) v += k[j + tail] * cur[i + j * stride];
      }
      next[i] = v;
    }
    cur = next;
  }
  return cur;
}

/** Applies one sample's transforms to its volume [c, X, Y, Z, T] (every channel, every frame). */
export function applyAugment(sample: Float32Array, dims: [number, number, number, number], params: AugmentParams, rng: Random): Float32Array {
  const vox = dims[0] * dims[1] * dims[2] * dims[3];
  const channels = sample.length / vox;
  const out = new Float32Array(sample.length);
  for (let c = 0; c < channels; c++) {
    let v = sample.subarray(c * vox, (c + 1) * vox) as Float32Array;
    if (params.affine) v = affineResample(v, dims, params.affine);
    else v = v.slice();
    if (params.noise !== null) {
      // One field per sample, the same in every frame (the official per-frame reseeding does the same).
      const field = new Float32Array(vox / dims[3]);
      rng.fillNormal(field, params.noise);
      const T = dims[3];
      for (let i = 0; i < field.length; i++) for (let t = 0; t < T; t++) v[i * T + t] += field[i];
    }
    if (params.smooth) v = gaussianSmooth(v, dims, params.smooth);
    out.set(v, c * vox);
  }
  return out;
}

/** The gain-field augmentation: log g has in-brain sd `strength`, smoothed by a Gaussian of σ `scale` voxels. */
export interface GainFieldSpec {
  strength: number;
  /** Gaussian σ of the log field in voxels; default the grid's first edge / 8 (6 at 48³: one patch). */
  scale?: number;
}

/** A checked gain-field spec (strength ≥ 0 finite; scale > 0 finite), or null for none. */
export function gainFieldSpec(spec: GainFieldSpec | null | undefined): GainFieldSpec | null {
  if (spec === undefined || spec === null) return null;
  const ok = (v: unknown, positive: boolean) => typeof v === 'number' && Number.isFinite(v) && (positive ? v > 0 : v >= 0);
  if (typeof spec !== 'object' || !ok(spec.strength, false) || (spec.scale !== undefined && !ok(spec.scale, true))) {
    throw new UsageError(`gain field must be { strength: number >= 0, scale?: number > 0 }, got ${JSON.stringify(spec)}`);
  }
  return spec.scale === undefined ? { strength: spec.strength } : { strength: spec.strength, scale: spec.scale };
}

/**
 * One log-gain field over the grid [X, Y, Z]: white noise from `rng`, Gaussian-smoothed with σ
 * `scale` voxels (zero outside), then normalised to mean 0 and sd `strength` over `brain` (a voxel
 * mask; all voxels when null or empty).
 */
export function logGainField(grid: [number, number, number], spec: GainFieldSpec, rng: Random, brain: Uint8Array | null): Float32Array {
  const [X, Y, Z] = grid;
  const white = new Float32Array(X * Y * Z);
  rng.fillNormal(white, 1);
  const sigma = spec.scale ?? X / 8;
  const field = gaussianSmooth(white, [X, Y, Z, 1], [sigma, sigma, sigma]);
  const inBrain = brain && brain.some(v => v) ? brain : null;
  let n = 0, sum = 0, sq = 0;
  for (let i = 0; i < field.length; i++) if (!inBrain || inBrain[i]) { n++; sum += field[i]; sq += field[i] * field[i]; }
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(sq / n - mean * mean, 0));
  const k = sd > 0 ? spec.strength / sd : 0;
  for (let i = 0; i < field.length; i++) field[i] = (field[i] - mean) * k;
  return field;
}

/**
 * Multiplies each sample of a batch [B, c, X, Y, Z, T] by exp(its log-gain field) at every frame and
 * channel; sample b draws from `rngFor(b)`. Brain: voxels not 0 at every frame of any channel (on
 * centred clips, the background and constant voxels are 0 and stay so either way).
 */
export function gainFieldBatch(x: HostTensor, spec: GainFieldSpec, rngFor: (b: number) => Random): HostTensor {
  const [B, C, X, Y, Z, T] = x.shape;
  const data = x.data as Float32Array;
  const vox = X * Y * Z;
  const out = new Float32Array(data.length);
  for (let b = 0; b < B; b++) {
    const base = b * C * vox * T;
    const brain = new Uint8Array(vox);
    for (let c = 0; c < C; c++) for (let i = 0; i < vox; i++) for (let t = 0; t < T; t++) if (data[base + (c * vox + i) * T + t] !== 0) { brain[i] = 1; break; }
    const log = logGainField([X, Y, Z], spec, rngFor(b), brain);
    for (let c = 0; c < C; c++)
      for (let i = 0; i < vox; i++) {
        const g = Math.exp(log[i]);
        const o = base + (c * vox + i) * T;
        for (let t = 0; t < T; t++) out[o + t] = data[o + t] * g;
      }
  }
  return { data: out, shape: [...x.shape] };
}

/** Augments a batch [B, c, X, Y, Z, T]; sample b uses `rngFor(b)` for its parameters and noise. */
export function augmentBatch(x: HostTensor, set: AugmentSet, rngFor: (b: number) => Random): HostTensor {
  const [B, , X, Y, Z, T] = x.shape;
  const data = x.data as Float32Array;
  const per = data.length / B;
  const out = new Float32Array(data.length);
  for (let b = 0; b < B; b++) {
    const rng = rngFor(b);
    const params = drawAugment(rng.fork('params'), set);
    out.set(applyAugment(data.subarray(b * per, (b + 1) * per), [X, Y, Z, T], params, rng.fork('noise')), b * per);
  }
  return { data: out, shape: [...x.shape] };
}
