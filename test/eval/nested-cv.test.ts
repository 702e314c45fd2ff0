/** Nested CV of the baseline's lambda: strong signal -> light penalty and good predictions; noise -> no better than the mean. */
import { LAMBDA_GRID, nestedFit } from '../../kernel/eval/nested-cv';
import { auroc, pearson } from '../../kernel/eval/metrics';
import { Random } from '../../kernel/random';

function data(rng: Random, n: number, p: number, signal: number) {
  const w = Array.from({ length: p }, (_, j) => (j < 10 ? 1 : 0));
  const x = Array.from({ length: n }, () => Float64Array.from({ length: p }, () => rng.normal()));
  const y = x.map(r => signal * r.reduce((s, v, j) => s + v * w[j], 0) + rng.normal());
  return { x, y };
}

test('regression: the inner CV picks a light penalty for a strong signal and finds nothing in noise', () => {
  const rng = new Random(1);
  const groups = Array.from({ length: 40 }, (_, i) => `sub-${Math.floor(i / 2)}`);
  const strong = data(rng, 40, 30, 1);
  const test = data(rng, 30, 30, 1);
  const fit = nestedFit('regression', strong.x, strong.y, groups, 0, 3);
  expect(fit.innerLoss).toHaveLength(LAMBDA_GRID.length);
  expect(fit.lambda).toBeLessThanOrEqual(1);
  expect(pearson(test.y, fit.predict(test.x).map(o => o[0]))).toBeGreaterThan(0.6);
  // Pure noise: the best held-out loss stays near that of predicting the mean (variance of
  // y; picking the minimum of 7 noisy losses is a little optimistic).
  const noise = data(rng, 40, 30, 0);
  const nf = nestedFit('regression', noise.x, noise.y, groups, 0, 3);
  const mean = noise.y.reduce((a, b) => a + b, 0) / noise.y.length;
  const variance = noise.y.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.y.length;
  expect(Math.min(...nf.innerLoss)).toBeGreaterThan(0.75 * variance);
  expect(Math.min(...fit.innerLoss)).toBeLessThan(0.5 * (strong.y.reduce((a, b) => a + b * b, 0) / strong.y.length));
});

test('classification: binary logits and one-vs-rest multiclass decision values separate held-out rows', () => {
  const rng = new Random(2);
  const groups = Array.from({ length: 48 }, (_, i) => `sub-${i}`);
  const train = data(rng, 48, 30, 1);
  const held = data(rng, 30, 30, 1);
  const binary = nestedFit('binary', train.x, train.y.map(v => (v > 0 ? 1 : 0)), groups, 2, 1);
  expect(auroc(held.y.map(v => (v > 0 ? 1 : 0)), binary.predict(held.x).map(o => o[0]))).toBeGreaterThan(0.8);
  const cls = (v: number) => (v < -2 ? 0 : v > 2 ? 2 : 1);
  const multi = nestedFit('multiclass', train.x, train.y.map(cls), groups, 3, 1);
  const out = multi.predict(held.x);
  expect(out.every(o => o.length === 3)).toBe(true);
  const hits = out.filter((o, i) => o.indexOf(Math.max(...o)) === cls(held.y[i])).length;
  expect(hits / held.x.length).toBeGreaterThan(0.5);
  expect(() => nestedFit('binary', train.x.slice(0, 3), [0, 1, 0], ['a', 'a', 'a'], 2, 1)).toThrow(/2 or more subjects/);
});
