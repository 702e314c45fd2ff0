/**
 * Amplitude-map MAE pretraining (ours; models/graph/amplitude-map.ts): λ = 0 builds today's training
 * graph byte for byte; λ > 0 adds λ × the mean squared error between a Linear of the pooled encoder
 * output and the unmasked input's centred log amplitude per patch, whose value equals the same formula
 * computed on the host; the flag is parsed, a negative weight refused, and a short run starts the
 * projection at the training clips' mean map, records the weight, reports the held-out term and
 * resumes exactly after an interrupt.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { toModelBytes } from '../../kernel/graph';
import { expectExactResume, maeGraphParams, runMaeGraph } from './pretrain-terms';
import { buildTrainStep } from '../../kernel/train/trainer';
import { pretrain } from '../../kernel/train/pretrain';
import { maskSampler } from '../../kernel/train/mae-masks';
import { withFreshHead, withMae } from '../../kernel/train/starting-model';
import { amplitudeHead, amplitudeTargetHost } from '../../kernel/train/amplitude-map';
import { Random } from '../../kernel/random';
import { cohort } from './cohort';
import { parseFlags } from '../../kernel/verbs/flags';
import { PRETRAIN_VERB } from '../../kernel/verbs/table/pretrain';

jest.setTimeout(1_200_000);

const DESIGN = { subjects: 8, sessions: 1, frames: 40, seed: 11 };

test('the pretrain verb takes --amplitude-map L (>= 0)', () => {
  expect(parseFlags(['--data', 'd', '--out', 'o', '--amplitude-map', '2.5'], PRETRAIN_VERB.flags, 'usage').flags).toMatchObject({ amplitudeMap: 2.5 });
  expect(() => parseFlags(['--data', 'd', '--out', 'o', '--amplitude-map', '-1'], PRETRAIN_VERB.flags, 'usage')).toThrow(/amplitude-map/);
});

test('the host target: log of each patch\'s mean square plus 1e-3 of the clip\'s, centred over patches', () => {
  // 2 × 2 × 1 voxels, patches 1 × 2 × 1 (two patches), T = 2; patch 0 all 1, patch 1 all 0
  const x = Float32Array.from([1, 1, 1, 1, 0, 0, 0, 0]);
  const a = amplitudeTargetHost(x, [1, 2, 2, 1, 2], [1, 2, 1]);
  const eps = 1e-3 * 0.5;
  const raw = [Math.log(1 + eps), Math.log(eps)];
  const m = (raw[0] + raw[1]) / 2;
  expect(a[0]).toBeCloseTo(raw[0] - m, 12);
  expect(a[1]).toBeCloseTo(raw[1] - m, 12);
  // a gain on the whole clip leaves it unchanged
  const b = amplitudeTargetHost(x.map(v => 3 * v), [1, 2, 2, 1, 2], [1, 2, 1]);
  expect(b[0]).toBeCloseTo(a[0], 6);
});

describe('the MAE training graph', () => {
  const cfg = { ...models.cpuConfig(), heads: [] };

  test('λ = 0 (or absent) gives the training graph of before, byte for byte, with or without the projection head', () => {
    const model = withMae(models.create(cfg, { seed: 1, mae: true }), 1);
    const base = toModelBytes(buildTrainStep(model, { task: 'mae', batch: 4, frames: 20 }).step.graph);
    const zero = toModelBytes(buildTrainStep(model, { task: 'mae', batch: 4, frames: 20, amplitudeMap: 0 }).step.graph);
    expect(Buffer.from(zero).equals(Buffer.from(base))).toBe(true);
    const headed = withFreshHead(model, amplitudeHead(model.config), 1, true);
    const zeroHeaded = toModelBytes(buildTrainStep(headed, { task: 'mae', batch: 4, frames: 20, amplitudeMap: 0 }).step.graph);
    expect(Buffer.from(zeroHeaded).equals(Buffer.from(base))).toBe(true);
  });

  test('λ > 0: the term equals the host formula on the pooled latent and the amplitude_x input; loss = masked + λ × term; masked loss as λ = 0', async () => {
    const model = withFreshHead(withMae(models.create(cfg, { seed: 1, mae: true }), 1), amplitudeHead(cfg), 1, true);
    expect(model.config.heads[0]).toEqual({ kind: 'cls', numClasses: 512 });
    const T = 20;
    const B = 2;
    const E = 48;
    const rng = new Random(9);
    // noise whose amplitude varies along x, with one empty slab (the ε floor matters there)
    const x = new Float32Array(B * E ** 3 * T);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < E; i++)
        for (let r = 0; r < E * E * T; r++) x[((b * E + i) * E * E * T) + r] = i < 6 ? 0 : (rng.next() - 0.5) * (1 + (b + 1) * i / E);
    const xt = { data: x, shape: [B, 1, E, E, E, T] };
    // the target's input (the clip before augmentation in training): here another volume, x with its
    // amplitude ramp reversed, so the test sees which input the target is computed from
    const src = new Float32Array(x.length);
    for (let b = 0; b < B; b++) for (let i = 0; i < E; i++) src.set(x.subarray((b * E + i) * E * E * T, (b * E + i + 1) * E * E * T), (b * E + (E - 1 - i)) * E * E * T);
    const st = { data: src, shape: xt.shape };
    const mask = (await maskSampler(model.config, { spatial: 'window', time: 'random', ratio: 0.5 }, T))(B, new Random(4));
    const values = model.parameterValues();
    const run = async (amplitudeMap: number) => {
      const options = { batch: B, frames: T, amplitudeMap, taps: ['mae_inter.latent'] };
      if (amplitudeMap > 0) expect(maeGraphParams(model, options)).toContain('cls:output_head.head.head.weight');
      return runMaeGraph(model, options, amplitudeMap > 0 ? { x: xt, mask, amplitude_x: st } : { x: xt, mask });
    };
    const plain = await run(0);
    const withTerm = await run(0.5);
    const masked = Number(withTerm.masked_loss.data[0]);
    const term = Number(withTerm.amplitude_map_loss.data[0]);
    expect(masked).toBeCloseTo(Number(plain.loss.data[0]), 6);
    expect(Number(withTerm.loss.data[0])).toBeCloseTo(masked + 0.5 * term, 5);
    // host: pool the tapped latent [B, C, d, h, w, t], the cls Linear, the host target, mean square
    const lat = withTerm['mae_inter.latent'];
    const [, C] = lat.shape;
    const per = lat.shape.slice(2).reduce((a, v) => a * v, 1);
    const w = values.get('cls:output_head.head.head.weight')!;
    const bias = values.get('cls:output_head.head.head.bias')!;
    const P = bias.length;
    let host = 0;
    const clip = E ** 3 * T;
    for (let b = 0; b < B; b++) {
      const pooled = Array.from({ length: C }, (_, c) => {
        let s = 0;
        for (let k = 0; k < per; k++) s += Number(lat.data[(b * C + c) * per + k]);
        return s / per;
      });
      const target = amplitudeTargetHost(src.subarray(b * clip, (b + 1) * clip), [1, E, E, E, T], model.config.patchSize);
      for (let p = 0; p < P; p++) {
        let pred = bias[p];
        for (let c = 0; c < C; c++) pred += w[p * C + c] * pooled[c];
        host += (pred - target[p]) ** 2;
      }
    }
    host /= B * P;
    console.log(`amplitude-map term: graph ${term}, host ${host}`);
    expect(Math.abs(term - host) / host).toBeLessThan(1e-4);
    // the empty slab sits far below the rest: the target is not flat
    expect(term).toBeGreaterThan(1);
  });
});

describe('pretraining with the term', () => {
  test('records the weight, reports the held-out term before/after, and resumes exactly after an interrupt', async () => {
    const data = await cohort('ft', DESIGN);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-amp-'));
    const opts = { data, epochs: 2, batch: 2, lr: 1e-3, seed: 2, amplitudeMap: 1, decoderInit: 'zero' as const };
    const full = await pretrain({ ...opts, out: path.join(root, 'full') });
    console.log(`held-out masked ${full.initialValidLoss.toFixed(4)} -> ${full.finalValidLoss.toFixed(4)}; amplitude map ${full.initialValidAmplitudeMap} -> ${full.finalValidAmplitudeMap}`);
    const run = JSON.parse(fs.readFileSync(path.join(root, 'full', 'run.json'), 'utf8'));
    expect(run).toMatchObject({ amplitude_map: 1, status: 'done' });
    expect(full.history).toHaveLength(2);
    expect(Number.isFinite(full.history[1].valid_amplitude_map)).toBe(true);
    expect(full.finalValidAmplitudeMap).toBe(full.history[1].valid_amplitude_map);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'full', 'manifest.json'), 'utf8'));
    expect(manifest.metrics).toMatchObject({ initial_valid_amplitude_map: full.initialValidAmplitudeMap, final_valid_amplitude_map: full.finalValidAmplitudeMap });
    expect(manifest.metrics.valid_amplitude_map_constant).toBeGreaterThan(0);
    // the projection starts at the training clips' mean map (weight 0): the held-out term starts at
    // the best constant map's loss or a little above (the training and held-out mean maps differ),
    // not at the loss of a random map (300x the constant map's on the benefit bench's cohort)
    const constant = manifest.metrics.valid_amplitude_map_constant as number;
    expect(full.initialValidAmplitudeMap!).toBeGreaterThanOrEqual(constant);
    expect(full.initialValidAmplitudeMap!).toBeLessThan(3 * constant);
    // the projection is saved with the model
    const best = await models.load(path.join(root, 'full', 'checkpoints', 'best'));
    expect(best.weights.mae).not.toBeNull();
    expect(best.weights.heads.has('cls')).toBe(true);
    // interrupt after the first step, then resume
    await expectExactResume(opts, root);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('a negative or non-finite weight is refused before anything is written', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-amp-bad-'));
    await expect(pretrain({ data: '/nonexistent', out: path.join(root, 'b'), amplitudeMap: -1 })).rejects.toThrow(/amplitude-map weight must be a finite number >= 0/);
    await expect(pretrain({ data: '/nonexistent', out: path.join(root, 'c'), amplitudeMap: NaN })).rejects.toMatchObject({ code: 'E_USAGE' });
    expect(fs.existsSync(path.join(root, 'b', 'run.json'))).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
