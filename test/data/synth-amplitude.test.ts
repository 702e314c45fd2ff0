/** The regional amplitude effect of the synthetic cohort: gains follow the covariates and vanish at effect 0. */
import { createNetworkModel, DEFAULT_EFFECTS, Participant, regionalGains, simulateRun, ZERO_EFFECTS } from '../../kernel/data/synth/network';
import { Random } from '../../kernel/random';

const person = (sex: 'M' | 'F'): Participant => ({ id: 'sub-01', sex, age: 50, diagnosis: 0, phenotype: 100 });

test('sex scales the BOLD amplitude of its pattern regions up for one sex and down for the other; effect 0 gives gain 1', () => {
  const model = createNetworkModel(60, DEFAULT_EFFECTS, new Random(3));
  const m = regionalGains(model, person('M'));
  const f = regionalGains(model, person('F'));
  const pattern = model.amplitudePatterns.sex;
  const affected = [...pattern.keys()].filter(r => pattern[r] !== 0);
  expect(affected.length).toBeGreaterThan(3);
  for (let r = 0; r < 60; r++) {
    // age 50, phenotype 100 and diagnosis control: only sex and diagnosis (c = -1) move the gains
    const logRatio = Math.log(m[r] / f[r]);
    expect(logRatio).toBeCloseTo(2 * 2 * DEFAULT_EFFECTS.sex * pattern[r], 10);
  }
  const zero = createNetworkModel(60, ZERO_EFFECTS, new Random(3));
  expect(Array.from(regionalGains(zero, person('M'))).every(g => g === 1)).toBe(true);
  // simulateRun applies the gains to the standardised regional BOLD
  const loadings = Float64Array.from(zero.group);
  const a = simulateRun(zero, loadings, { frames: 30, tr: 0.8, task: false }, new Random(9));
  const gains = Float64Array.from({ length: 60 }, (_, r) => 1 + r / 10);
  const b = simulateRun(zero, loadings, { frames: 30, tr: 0.8, task: false, gains }, new Random(9));
  for (const r of [0, 7, 59]) for (const t of [0, 13, 29]) expect(b.bold[r * 30 + t]).toBeCloseTo(a.bold[r * 30 + t] * gains[r], 12);
});
