/**
 * The canonical double-gamma haemodynamic response (SPM's defaults: peak gamma shape 6, undershoot
 * shape 16, undershoot ratio 1/6, unit time scale), sampled at the TR and scaled to unit sum.
 */

function gammaPdf(t: number, shape: number): number {
  if (t <= 0) return 0;
  // log Gamma(shape) for the integer shapes used here: log((shape - 1)!).
  let logGamma = 0;
  for (let k = 2; k < shape; k++) logGamma += Math.log(k);
  return Math.exp((shape - 1) * Math.log(t) - t - logGamma);
}

/** HRF kernel sampled every `tr` seconds over `lengthSeconds` (default 32 s), summing to 1. */
export function canonicalHrf(tr: number, lengthSeconds = 32): Float64Array {
  const n = Math.max(1, Math.ceil(lengthSeconds / tr));
  const h = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = i * tr;
    h[i] = gammaPdf(t, 6) - gammaPdf(t, 16) / 6;
    sum += h[i];
  }
  for (let i = 0; i < n; i++) h[i] /= sum;
  return h;
}

/** Causal convolution y[t] = sum_k h[k] x[t - k] (samples before the start count as 0). */
export function convolveCausal(x: Float64Array, h: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    let s = 0;
    for (let k = 0; k < h.length && k <= t; k++) s += h[k] * x[t - k];
    y[t] = s;
  }
  return y;
}
