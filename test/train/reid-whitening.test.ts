/** Within-subject whitening of re-ID embeddings (kernel/train/reid-whitening.ts). */
import { applyReidWhitening, fitReidWhitening, SHRINK_FRACTION } from '../../kernel/train/reid-whitening';
import { retrieve, summarise } from '../../kernel/eval/retrieval';
import { Random } from '../../kernel/random';

/** Subjects differ along axes 1..3 (small); every clip also swings along axis 0 (large, shared nuisance). */
function clips(subjects: number, perSubject: number, seed: number) {
  const rng = new Random(seed);
  const out: { subject: string; session: string; vector: number[] }[] = [];
  for (let s = 0; s < subjects; s++) {
    const own = [0, rng.normal(), rng.normal(), rng.normal()];
    for (let c = 0; c < perSubject; c++) {
      const v = own.map((o, j) => 3 + o + (j === 0 ? 8 : 0.1) * rng.normal());
      out.push({ subject: `s${seed}-${s}`, session: c % 2 === 0 ? 'a' : 'b', vector: v });
    }
  }
  return out;
}

test('the factor is the Cholesky factor of the shrunk pooled within-subject covariance', () => {
  const train = clips(5, 6, 1);
  const w = fitReidWhitening(train.map(c => c.vector), train.map(c => c.subject));
  const d = 4;
  const cov = Array.from({ length: d * d }, () => 0);
  for (const c of train) {
    const mine = train.filter(o => o.subject === c.subject);
    const m = Array.from({ length: d }, (_, j) => mine.reduce((a, o) => a + o.vector[j], 0) / mine.length);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] += ((c.vector[a] - m[a]) * (c.vector[b] - m[b])) / train.length;
  }
  const trace = cov[0] + cov[5] + cov[10] + cov[15];
  expect(w.shrink).toBeCloseTo((SHRINK_FRACTION * trace) / d, 10);
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) {
      let llt = 0;
      for (let k = 0; k < d; k++) llt += w.factor[a * d + k] * w.factor[b * d + k];
      expect(llt).toBeCloseTo(cov[a * d + b] + (a === b ? w.shrink : 0), 8);
    }
  expect(w.factor[0 * d + 1]).toBe(0);
  expect([w.subjects, w.clips]).toEqual([5, 30]);
});

test('whitening on training subjects lifts cross-session Rank-1 of new subjects when a nuisance dominates', () => {
  const train = clips(5, 6, 2);
  const test = clips(10, 6, 3);
  const w = fitReidWhitening(train.map(c => c.vector), train.map(c => c.subject));
  const rank1 = (items: typeof test) => summarise(retrieve(items).queries).rank1;
  const raw = rank1(test);
  const white = rank1(test.map(c => ({ ...c, vector: applyReidWhitening(w, c.vector) })));
  // Shrinkage (10% of the mean eigenvalue, dominated by the nuisance) keeps the nuisance at about the
  // subjects' own spread after whitening, so the lift is large but not to 1.
  console.log(`raw ${raw.toFixed(3)}, whitened ${white.toFixed(3)}`);
  expect(raw).toBeLessThan(0.5);
  expect(white).toBeGreaterThan(raw + 0.3);
});
