/**
 * The two opt-in generator effects for short clips: the task-evoked regional response
 * (evokedPercent, scaled by the task effect) and the subject's own amplitude pattern
 * (fingerprintAmplitude, scaled by the fingerprint effect). Both vanish at effect 0, and leaving
 * them at their default 0 leaves the cohort as it was.
 */
import {
  createNetworkModel,
  DEFAULT_EFFECTS,
  Participant,
  regionalGains,
  simulateRun,
  ZERO_EFFECTS
} from '../../kernel/data/synth/network';
import { synthRegionSeries } from '../../kernel/data/synth/cohort';
import { Random } from '../../kernel/random';

const REGIONS = 40;
const person: Participant = { id: 'sub-01', sex: 'M', age: 50, diagnosis: 0, phenotype: 100 };

test('evoked response: HRF-shaped blocks in the driven network only, scaled by the task effect, none at task 0', () => {
  const model = createNetworkModel(REGIONS, DEFAULT_EFFECTS, new Random(3));
  const loadings = Float64Array.from(model.group);
  const run = { frames: 60, tr: 0.8, task: true };
  const plain = simulateRun(model, loadings, run, new Random(9));
  expect(plain.evoked).toBeUndefined();
  const evoked = simulateRun(model, loadings, { ...run, evokedPercent: 2 }, new Random(9));
  // the spontaneous part is untouched (same draws)
  expect(Array.from(evoked.bold)).toEqual(Array.from(plain.bold));
  const e = evoked.evoked as Float64Array;
  const a = [...Array(REGIONS).keys()].find(r => model.networkOf[r] === 0) as number;
  const b = [...Array(REGIONS).keys()].find(r => model.networkOf[r] === 1) as number;
  const other = [...Array(REGIONS).keys()].find(r => model.networkOf[r] > 1) as number;
  const at = (r: number, t: number) => e[r * 60 + t];
  // block A is frames 12-23 (network 0), block B 36-47 (network 1); the HRF peaks ~5 s later
  expect(at(a, 5)).toBe(0);
  expect(at(a, 26)).toBeGreaterThan(1.5);
  expect(at(a, 26)).toBeLessThan(2.4); // the HRF's positive lobe overshoots its unit sum by ~12%
  expect(at(b, 26)).toBe(0);
  expect(at(b, 50)).toBeGreaterThan(1.5);
  for (let t = 0; t < 60; t++) expect(at(other, t)).toBe(0);
  // scaled by the task effect: double the effect, double the response; effect 0: none, and no drive
  const double = createNetworkModel(REGIONS, { ...DEFAULT_EFFECTS, task: 0.5 }, new Random(3));
  const d = simulateRun(double, loadings, { ...run, evokedPercent: 2 }, new Random(9)).evoked as Float64Array;
  expect(d[a * 60 + 26]).toBeCloseTo(2 * at(a, 26), 12);
  const zero = createNetworkModel(REGIONS, { ...DEFAULT_EFFECTS, task: 0 }, new Random(3));
  const z = simulateRun(zero, loadings, { ...run, evokedPercent: 2 }, new Random(9));
  expect(z.evoked).toBeUndefined();
  const rest = simulateRun(zero, loadings, { ...run, task: false }, new Random(9));
  expect(Array.from(z.bold)).toEqual(Array.from(rest.bold));
  // labels and events stay: the blocks are still in events.tsv
  expect(z.events.map(x => x.trialType)).toEqual(['A', 'B']);
});

test('amplitude fingerprint: the same gains in every session, varying between subjects, 1 at fingerprint 0', () => {
  const model = createNetworkModel(REGIONS, { ...ZERO_EFFECTS, fingerprint: 0.25 }, new Random(3));
  const g1 = regionalGains(model, person, { scale: 2, rng: new Random(5).fork('amplitude-sub-01') });
  const g2 = regionalGains(model, person, { scale: 2, rng: new Random(5).fork('amplitude-sub-01') });
  const other = regionalGains(model, { ...person, id: 'sub-02' }, { scale: 2, rng: new Random(5).fork('amplitude-sub-02') });
  expect(Array.from(g1)).toEqual(Array.from(g2));
  const logs = Array.from(g1, Math.log);
  const sd = Math.sqrt(logs.reduce((s, v) => s + v * v, 0) / logs.length);
  expect(sd).toBeGreaterThan(0.3); // scale 2 x fingerprint 0.25 = log-gain sd 0.5
  expect(sd).toBeLessThan(0.75);
  expect(Array.from(other)).not.toEqual(Array.from(g1));
  const none = createNetworkModel(REGIONS, ZERO_EFFECTS, new Random(3));
  expect(Array.from(regionalGains(none, person, { scale: 2, rng: new Random(5) })).every(g => g === 1)).toBe(true);
});

test('cohort options: defaults leave the region series unchanged; the options change only what they name', async () => {
  // no drift or spikes: a region's series is then exactly its gain-scaled BOLD
  const base = { subjects: 2, sessions: 2, frames: 40, seed: 4, task: true, noise: { driftPercent: 0, spikesPerRun: 0 } };
  const plain = await synthRegionSeries(base);
  const zeroOptions = await synthRegionSeries({ ...base, evokedPercent: 0, fingerprintAmplitude: 0 });
  expect(zeroOptions.runs.map(r => Array.from(r.series[3]))).toEqual(plain.runs.map(r => Array.from(r.series[3])));
  const own = await synthRegionSeries({ ...base, fingerprintAmplitude: 2 });
  // per-region gain ratio own/plain: equal in both sessions of a subject
  const ratio = (run: number, r: number) => {
    const sd = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    return sd(own.runs[run].series[r]) / sd(plain.runs[run].series[r]);
  };
  expect(ratio(0, 3)).toBeCloseTo(ratio(1, 3), 9);
  expect(Math.abs(Math.log(ratio(0, 3)))).toBeGreaterThan(1e-3);
  expect(ratio(2, 3)).toBeCloseTo(ratio(3, 3), 9);
  expect(ratio(2, 3)).not.toBeCloseTo(ratio(0, 3), 3);
  await expect(synthRegionSeries({ ...base, evokedPercent: -1 })).rejects.toThrow(/evokedPercent must be >= 0/);
});
