/**
 * `populationSeed`: cohorts drawn from one population share its biology (effect patterns), so what a
 * model learns on one transfers to the other; the default keeps every cohort its own world.
 */
import { synthRegionSeries } from '../../kernel/data/synth/cohort';

/** Per region: log of (mean temporal sd of patients) / (mean temporal sd of controls). */
async function diagnosisAmplitudeContrast(seed: number, populationSeed?: number): Promise<number[]> {
  const c = await synthRegionSeries({ subjects: 24, sessions: 1, frames: 40, seed, populationSeed });
  const dx = new Map(c.participants.map(p => [p.id, p.diagnosis]));
  const regions = c.runs[0].series.length;
  const sums = [new Float64Array(regions), new Float64Array(regions)];
  const counts = [0, 0];
  for (const run of c.runs) {
    const g = dx.get(run.subject)!;
    counts[g]++;
    run.series.forEach((s, r) => {
      const m = s.reduce((a, v) => a + v, 0) / s.length;
      sums[g][r] += Math.sqrt(s.reduce((a, v) => a + (v - m) ** 2, 0) / s.length);
    });
  }
  return Array.from({ length: regions }, (_, r) => Math.log(sums[1][r] / counts[1] / (sums[0][r] / counts[0])));
}

function correlation(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((v, i) => {
    ab += (v - ma) * (b[i] - mb);
    aa += (v - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

test('two cohorts of one population show the same diagnosis amplitude pattern; cohorts of their own populations do not', async () => {
  const a = await diagnosisAmplitudeContrast(31, 7);
  const b = await diagnosisAmplitudeContrast(32, 7);
  const own = await diagnosisAmplitudeContrast(32);
  // different people, one disease: the patients' louder and quieter regions agree
  expect(correlation(a, b)).toBeGreaterThan(0.7);
  // a cohort drawn as its own world has an unrelated pattern
  expect(Math.abs(correlation(a, own))).toBeLessThan(0.3);
});

test('populationSeed equal to seed is the default cohort, value for value', async () => {
  const plain = await synthRegionSeries({ subjects: 4, sessions: 1, frames: 20, seed: 5 });
  const same = await synthRegionSeries({ subjects: 4, sessions: 1, frames: 20, seed: 5, populationSeed: 5 });
  expect(same.participants).toEqual(plain.participants);
  same.runs.forEach((run, i) => run.series.forEach((s, r) => expect(Array.from(s)).toEqual(Array.from(plain.runs[i].series[r]))));
  await expect(synthRegionSeries({ subjects: 4, frames: 20, populationSeed: 1.5 })).rejects.toThrow(/populationSeed must be an integer/);
});
