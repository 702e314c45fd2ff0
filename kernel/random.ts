/**
 * THE seeded generator: every random draw (data synthesis, splits, samplers, parameter init, dropout
 * and MAE masks) goes through it (design.md: "Randomness always comes from a seeded generator passed
 * in explicitly; same seed, same numbers"). It sits below every layer, like errors.ts.
 *
 * sfc32 (Chris Doty-Humphrey's small fast counting generator): 128-bit state, 32-bit outputs, passes
 * PractRand to large sizes, and is fast in plain JS integer arithmetic. Seeds are hashed with
 * splitmix32 so nearby seeds give unrelated streams; `fork(label)` derives an independent child
 * stream, so adding draws in one place never shifts the numbers of another.
 */

const { log, sqrt, cos, sin, PI } = Math;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a of a string, for fork labels. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function inverseNormalCdf(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(sqrt(-2 * log(p)));
  if (p > 1 - 0.02425) return -tail(sqrt(-2 * log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

let quantileTable: Float64Array | null = null;
function normalQuantiles(): Float64Array {
  if (!quantileTable)
    quantileTable = Float64Array.from({ length: 65536 }, (_, i) => inverseNormalCdf((i + 0.5) / 65536));
  return quantileTable;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;
  /** The hashed seed: forks derive from it, not from the current state. */
  private readonly key: number;

  /** `seed` is any integer (it is hashed). */
  constructor(seed: number) {
    const mix = splitmix32(Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32));
    this.key = mix();
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform in [lo, hi); [0, 1) by default. */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * (this.uint32() / 4294967296);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = sqrt(-2 * log(u));
    this.spare = r * sin(2 * PI * v);
    return r * cos(2 * PI * v);
  }

  /**
   * Fills `out` with normal(0, sd) noise, the bulk path for voxel noise: each 32-bit draw gives two
   * values from a 65,536-quantile table of the normal distribution (tails cut at +-4.3 sd), about
   * ten times faster than Box-Muller and indistinguishable from it for noise.
   */
  fillNormal(out: Float32Array | Float64Array, sd = 1): void {
    const table = normalQuantiles();
    const n = out.length;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const u = this.uint32();
      out[i] = sd * table[u >>> 16];
      out[i + 1] = sd * table[u & 0xffff];
    }
    if (i < n) out[i] = sd * table[this.uint32() >>> 16];
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** An independent child stream named `label`; the same for a given seed whatever was drawn before. */
  fork(label: string | number): Random {
    return new Random((this.key ^ hashLabel(String(label))) >>> 0);
  }
}

/** The generator's interface as parameter init and masks use it. */
export type Rng = Random;

/** A generator for `seed` (same seed, same stream). */
export function createRng(seed: number): Rng {
  return new Random(seed);
}
