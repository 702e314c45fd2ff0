/**
 * Attribution: the input gradient through the whole model agrees with finite differences (float64),
 * integrated gradients are complete (they sum to f(x) - f(0)), the map lands on the MNI grid, and
 * the model-randomisation sanity check: a model trained on a regional effect attributes to that
 * region, the same architecture with random weights does not.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { trainer } from '../../kernel/train/trainer';
import { attribute, buildAttributionGraph, toMniGrid } from '../../kernel/eval/attribution';
import { createSession } from '../../kernel/runtime/session';
import { read } from '../../kernel/nifti/read';
import { Random } from '../../kernel/random';

jest.setTimeout(600_000);

const config = () => models.demoConfig({ heads: [{ kind: 'cls', numClasses: 2 }] });

test('input gradient through backbone + head matches central differences (float64)', async () => {
  const model = models.create(config(), { seed: 1 });
  const cfg = model.config;
  const T = cfg.imgSize[3];
  const spec = buildAttributionGraph(cfg, { batch: 1, frames: T, head: 'cls', output: 0, prompts: false, dtype: 'float64' });
  const values = model.parameterValues();
  const feeds: Record<string, { data: Float64Array; shape: number[] }> = {};
  for (const name of spec.params) feeds[name] = { data: Float64Array.from(values.get(name) as Float32Array), shape: [...(spec.graph.paramInfo(name)?.tensor.shape ?? [])] };
  const rng = new Random(2);
  const shape = [1, 1, ...cfg.imgSize.slice(0, 3), T];
  const x = Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  feeds.x = { data: x, shape };
  const session = await createSession(spec.graph, { provider: 'cpu' });
  const forward = await createSession(spec.graph, { provider: 'cpu', outputs: [spec.output] });
  const grad = (await session.run(feeds))[spec.gradient].data as Float64Array;
  let imax = 0;
  for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]) > Math.abs(grad[imax])) imax = i;
  const picks = [imax, ...Array.from({ length: 5 }, () => rng.int(grad.length))];
  const eps = 1e-5;
  for (const i of picks) {
    const keep = x[i];
    x[i] = keep + eps;
    const up = Number((await forward.run(feeds))[spec.output].data[0]);
    x[i] = keep - eps;
    const down = Number((await forward.run(feeds))[spec.output].data[0]);
    x[i] = keep;
    expect(Math.abs((up - down) / (2 * eps) - grad[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(grad[imax])));
  }
});

/** Voxels (input grid, row-major) of a region: a 6³ block off centre, where the effect lives. */
function regionMask(edge: number): Uint8Array {
  const m = new Uint8Array(edge ** 3);
  for (let x = 12; x < 18; x++) for (let y = 6; y < 12; y++) for (let z = 6; z < 12; z++) m[(x * edge + y) * edge + z] = 1;
  return m;
}

/** Clips whose class shows only as a +-amplitude in the region; elsewhere noise of the same spread. */
function makeClips(n: number, edge: number, T: number, rng: Random, mask: Uint8Array) {
  const data = new Float32Array(n * edge ** 3 * T);
  const labels = new Float32Array(n);
  for (let b = 0; b < n; b++) {
    labels[b] = b % 2;
    const sign = labels[b] === 1 ? 1 : -1;
    for (let v = 0; v < edge ** 3; v++)
      for (let t = 0; t < T; t++)
        data[(b * edge ** 3 + v) * T + t] = mask[v] ? 0.8 * sign + rng.normal() : Math.sqrt(1.64) * rng.normal();
  }
  return { data, labels };
}

/**
 * Region-level concentration, as attributions are read per atlas region: |sum of the map| over the
 * effect block divided by the mean |sum| over the other 6³ blocks of the grid (1 = not special).
 * Per-voxel magnitudes would not do: thousands of noise voxels carry large attributions of random
 * sign that cancel within a region, while the effect region's are coherent.
 */
function concentration(map: Float32Array, edge: number): number {
  const blocks = edge / 6;
  const sums = new Float64Array(blocks ** 3);
  for (let x = 0; x < edge; x++)
    for (let y = 0; y < edge; y++)
      for (let z = 0; z < edge; z++) sums[(Math.floor(x / 6) * blocks + Math.floor(y / 6)) * blocks + Math.floor(z / 6)] += map[(x * edge + y) * edge + z];
  const effect = (2 * blocks + 1) * blocks + 1; // the block at voxels 12-18, 6-12, 6-12
  let others = 0;
  sums.forEach((v, b) => (others += b === effect ? 0 : Math.abs(v)));
  return Math.abs(sums[effect]) / (others / (sums.length - 1));
}

test('integrated gradients are complete, land on the MNI grid, and pass the model-randomisation check', async () => {
  const rng = new Random(3);
  const model = models.create(config(), { seed: 4 });
  const cfg = model.config;
  const edge = cfg.imgSize[0];
  const T = cfg.imgSize[3];
  const mask = regionMask(edge);
  const tr = await trainer(model, { task: 'cls', mode: 'full', batch: 8 });
  let loss = 0;
  for (let step = 0; step < 60; step++) {
    const { data, labels } = makeClips(8, edge, T, rng, mask);
    loss = (await tr.step({ data, shape: [8, 1, edge, edge, edge, T] }, { data: labels, shape: [8, 1] }, 2e-3)).loss;
  }
  tr.commit();
  const held = makeClips(8, edge, T, new Random(99), mask);
  const clips = { data: held.data, shape: [8, 1, edge, edge, edge, T] };
  const logits = (await model.cls(clips)).data;
  const correct = Array.from(logits).filter((v, i) => (v >= 0 ? 1 : 0) === held.labels[i]).length;
  expect(loss).toBeLessThan(0.3);
  expect(correct).toBeGreaterThanOrEqual(7);

  // Completeness on one clip: sum of IG = f(x) - f(0) up to the Riemann error (128 points, in
  // chunks of 24: the last chunk is partial).
  const one = { data: held.data.slice(0, edge ** 3 * T), shape: [1, 1, edge, edge, edge, T] };
  const ig = await attribute(model, one, { steps: 128, batch: 24 });
  const fx = (await model.cls(one)).data[0];
  const f0 = (await model.cls({ data: new Float32Array(one.data.length), shape: one.shape })).data[0];
  const total = ig.input.data.reduce((a, b) => a + b, 0);
  expect(Math.abs(total - (fx - f0))).toBeLessThan(0.03 * Math.abs(fx - f0));

  // A subject's clips share its class: the class-1 clips, averaged, as one subject's map.
  const clipSize = edge ** 3 * T;
  const subject = { data: new Float32Array(4 * clipSize), shape: [4, 1, edge, edge, edge, T] };
  [1, 3, 5, 7].forEach((b, k) => subject.data.set(held.data.subarray(b * clipSize, (b + 1) * clipSize), k * clipSize));
  // Written as NIfTI on the MNI grid.
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-attr-')), 'attribution.nii.gz');
  const trained = await attribute(model, subject, { steps: 16, out });
  const nifti = await read(out);
  expect(nifti.shape).toEqual([91, 109, 91]);
  expect(Array.from(nifti.data())).toEqual(Array.from(toMniGrid(trained.input.data, edge)));
  // MNI voxel (50, 60, 40) is model voxel (53, 54, 43) (the 96³ crop pads x/z by 3, crops y by 6),
  // which pools into input voxel (13, 13, 10) of 24³ and gets a 1/4³ share of its attribution.
  const mni = nifti.data()[50 + 91 * (60 + 109 * 40)];
  expect(mni).toBeCloseTo(trained.input.data[(13 * 24 + 13) * 24 + 10] / 64, 6);
  expect(Math.abs(mni)).toBeGreaterThan(0);
  const randomised = models.create(config(), { seed: 77 });
  const random = await attribute(randomised, subject, { steps: 16 });
  const cTrained = concentration(trained.input.data, edge);
  const cRandom = concentration(random.input.data, edge);
  const gxi = concentration((await attribute(model, subject, { method: 'gradient-x-input' })).input.data, edge);
  console.log(`attribution concentration in the effect region (1 = none): trained IG ${cTrained.toFixed(2)}, gradient x input ${gxi.toFixed(2)}, randomised IG ${cRandom.toFixed(2)}; loss ${loss.toFixed(3)}`);
  expect(cTrained).toBeGreaterThan(3);
  expect(gxi).toBeGreaterThan(2);
  expect(cRandom).toBeLessThan(cTrained / 2);
});
