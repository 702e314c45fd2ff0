/**
 * The synthetic cohort's effects exist before any deep model: FC features + logistic/ridge
 * regression (subject-grouped 5-fold CV) recover sex and diagnosis (AUROC >= 0.8), age (r >= 0.6)
 * and the phenotype at default effect sizes, and sessions are re-identified above chance; with
 * every effect set to zero all of it stays within chance bands (3 sd of the null distribution).
 * Region series are the generator's own (what atlas ROI means of the written runs carry, minus
 * thermal noise; synth-voxels.test.ts shows the voxel path preserves them).
 */
import * as path from 'path';
import {
  synthRegionSeries,
  ZERO_EFFECTS,
  correlationMatrix,
  connectivityFeatures,
  Random
} from '../../kernel/data';
import { auroc, pearson } from '../../kernel/eval/metrics';
import { fitLogistic, fitRidge, groupedCrossValidation } from '../../kernel/eval/linear';
import { EffectSizes } from '../../kernel/data/synth/network';

const REAL = path.resolve(__dirname, '../../../shared/data/real');
const ASSETS = {
  atlas: path.join(REAL, 'neurostorm/aal3_166/atlas.nii.gz'),
  mask: path.join(REAL, 'derived/MNI152_2mm_brainmask_from_avg152T1.nii.gz')
};
const SUBJECTS = 40;

interface Recovery {
  sex: number;
  diagnosis: number;
  age: number;
  phenotype: number;
  reid: number;
}

async function recover(effects?: EffectSizes): Promise<Recovery> {
  const cohort = await synthRegionSeries({
    subjects: SUBJECTS,
    sessions: 2,
    frames: 48,
    seed: 11,
    effects,
    ...ASSETS
  });
  const regions = cohort.labels.length;
  const fc = new Map(
    cohort.runs.map(r => [
      `${r.subject}/${r.session}`,
      connectivityFeatures(correlationMatrix(r.series), regions)
    ])
  );
  const ids = cohort.participants.map(p => p.id);
  const ses1 = ids.map(id => fc.get(`${id}/ses-1`) as Float64Array);
  const ses2 = ids.map(id => fc.get(`${id}/ses-2`) as Float64Array);
  // Subject-level features: the mean of the two sessions' FC.
  const features = ses1.map((a, i) => a.map((v, j) => (v + ses2[i][j]) / 2));
  const cv = (targets: number[], classify: boolean) =>
    groupedCrossValidation(
      features,
      targets,
      ids,
      (x, y) => (classify ? fitLogistic(x, y) : fitRidge(x, y)),
      5,
      new Random(3)
    );
  const sex = cohort.participants.map(p => (p.sex === 'M' ? 1 : 0));
  const dx = cohort.participants.map(p => p.diagnosis);
  const age = cohort.participants.map(p => p.age);
  const phenotype = cohort.participants.map(p => p.phenotype);
  // Re-identification: each ses-1 FC against every ses-2 FC; a hit when the best match is the same subject.
  let hits = 0;
  ses1.forEach((a, i) => {
    let best = 0;
    ses2.forEach((b, j) => {
      if (pearson(a, b) > pearson(a, ses2[best])) best = j;
    });
    if (best === i) hits++;
  });
  return {
    sex: auroc(sex, cv(sex, true)),
    diagnosis: auroc(dx, cv(dx, true)),
    age: pearson(age, cv(age, false)),
    phenotype: pearson(phenotype, cv(phenotype, false)),
    reid: hits / SUBJECTS
  };
}

test('default effect sizes: sex/diagnosis AUROC >= 0.8, age r >= 0.6, sessions re-identified', async () => {
  const r = await recover();
  expect(r.sex).toBeGreaterThanOrEqual(0.8);
  expect(r.diagnosis).toBeGreaterThanOrEqual(0.8);
  expect(r.age).toBeGreaterThanOrEqual(0.6);
  expect(r.phenotype).toBeGreaterThanOrEqual(0.6);
  // Chance is 1/40; ten times chance is far outside the null (binomial p < 1e-6).
  expect(r.reid).toBeGreaterThanOrEqual(10 / SUBJECTS);
});

test('all effects zero: every recovery stays at chance', async () => {
  const r = await recover(ZERO_EFFECTS);
  // Null sd of AUROC with 20/20 classes is ~0.092, of r with n = 40 is ~0.16: 3 sd bands.
  expect(Math.abs(r.sex - 0.5)).toBeLessThan(0.28);
  expect(Math.abs(r.diagnosis - 0.5)).toBeLessThan(0.28);
  expect(Math.abs(r.age)).toBeLessThan(0.48);
  expect(Math.abs(r.phenotype)).toBeLessThan(0.48);
  // Re-ID: chance 1/40; 5 or more hits has null probability < 0.5%.
  expect(r.reid).toBeLessThan(5 / SUBJECTS);
});
