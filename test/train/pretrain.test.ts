/**
 * MAE pretraining: the loss on held-out subjects' clips (fixed masks) falls with the official
 * augmentation on (the default) and with STRD on, validation is neither augmented nor STRD-dropped
 * (both runs start from the same held-out loss), the run folder is written, and every mask family (window / random / atlas × random / tube) gives masks of the
 * documented structure that the model's MAE graph accepts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { pretrain } from '../../kernel/train/pretrain';
import { atlasPatchMap, maeConfigFor, maskSampler, MaskSpec } from '../../kernel/train/mae-masks';
import { maeMaskUnits } from '../../kernel/models/mae-mask';
import { Random } from '../../kernel/random';
import { cohort } from './cohort';

jest.setTimeout(900_000);

const DESIGN = { subjects: 8, sessions: 1, frames: 40, seed: 11 };
let augmentedInitial = NaN;

test('pretraining (augmentation on, the default) lowers the masked loss on held-out clips and writes a pretrain run', async () => {
  const data = await cohort('ft', DESIGN);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-')), 'mae');
  const r = await pretrain({ data, out, epochs: 2, batch: 2, lr: 1e-3, seed: 2 });
  console.log(`held-out masked loss, augmentation on: ${r.initialValidLoss.toFixed(4)} -> ${r.finalValidLoss.toFixed(4)}`);
  augmentedInitial = r.initialValidLoss;
  expect(r.history).toHaveLength(2);
  expect(r.finalValidLoss).toBeLessThan(r.initialValidLoss);
  expect(r.history[1].valid_masked_loss).toBeLessThan(r.initialValidLoss);
  const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
  expect(run).toMatchObject({ kind: 'pretrain', task: 'mae', type: 'mae', mode: null, config: 'cpu', status: 'done', mask: { spatial: 'window', time: 'random', ratio: 0.5 }, augment: 'all', strd: null });
  const split = JSON.parse(fs.readFileSync(path.join(out, 'split.json'), 'utf8')).folds[0];
  expect(split.test).toEqual([]);
  expect(split.validation.length).toBeGreaterThan(0);
  expect(split.train.some((s: string) => split.validation.includes(s))).toBe(false);
  const best = await models.load(path.join(out, 'checkpoints', 'best'));
  expect(best.weights.mae).not.toBeNull();
});

test('pretraining with STRD (no augmentation) lowers the held-out masked loss; validation sees neither', async () => {
  const data = await cohort('ft', DESIGN);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-strd-')), 'mae');
  const r = await pretrain({ data, out, epochs: 2, batch: 2, lr: 1e-3, seed: 2, strd: true, augment: false });
  console.log(`held-out masked loss, STRD on: ${r.initialValidLoss.toFixed(4)} -> ${r.finalValidLoss.toFixed(4)}`);
  expect(r.finalValidLoss).toBeLessThan(r.initialValidLoss);
  // Same seed, model and held-out masks as the augmented run: equal starting losses show that
  // validation runs the plain inference graph on unaugmented clips.
  if (!Number.isNaN(augmentedInitial)) expect(r.initialValidLoss).toBe(augmentedInitial);
  const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
  expect(run).toMatchObject({ augment: false, strd: { spatial: 5, temporal: 5 } });
});

test('bad STRD sizes are refused before anything is written', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-bad-')), 'mae');
  await expect(pretrain({ data: '/nonexistent', out, strd: { spatial: 0 } })).rejects.toThrow(/strd spatial neighbourhood must be a whole number/);
  expect(fs.existsSync(path.join(out, 'run.json'))).toBe(false);
});

describe('mask families', () => {
  const cfg = models.cpuConfig();
  const T = 20;
  const families: MaskSpec[] = (['window', 'random', 'atlas'] as const).flatMap(spatial => (['random', 'tube'] as const).map(time => ({ spatial, time, ratio: 0.5 })));

  it.each(families.map(f => [`${f.spatial}+${f.time}`, f] as const))('%s masks have the documented units and fit the MAE graph', async (_, spec) => {
    const sample = await maskSampler(cfg, spec, T);
    const m = sample(2, new Random(4));
    const graphCfg = maeConfigFor(cfg, spec);
    expect(graphCfg.mae.spatialMask).toBe(spec.spatial === 'window' && spec.time === 'random' ? 'window' : 'random');
    expect(m.shape).toEqual([2, maeMaskUnits(graphCfg, T)]);
    const units = m.shape[1];
    const row = m.data.subarray(0, units);
    const masked = row.reduce((a, v) => a + v, 0);
    const [gx, gy, gz] = models.deriveSizes(cfg).patchGrid;
    const tok = (x: number, y: number, z: number, t: number) => ((x * gy + y) * gz + z) * T + t;
    if (spec.spatial !== 'atlas') expect(masked).toBe(Math.floor(units * 0.5)); // exactly half of the units (units tile the grid)
    if (spec.spatial === 'random' && spec.time === 'tube') {
      // a tube is one patch over 4 consecutive frames: masked tokens come in aligned runs of 4
      for (let i = 0; i < units; i += 4) expect(new Set(row.subarray(i, i + 4)).size).toBe(1);
    }
    if (spec.spatial === 'window' && spec.time === 'tube') {
      // a 4x4x4 window over every frame
      for (const [x, y, z] of [[0, 0, 0], [4, 4, 4], [0, 4, 0]]) {
        const v = row[tok(x, y, z, 0)];
        for (let t = 0; t < T; t++) for (const [a, b, c] of [[0, 0, 0], [3, 3, 3], [1, 2, 3]]) expect(row[tok(x + a, y + b, z + c, t)]).toBe(v);
      }
    }
    if (spec.spatial === 'atlas') {
      // every frame of a patch shares its mask; whole regions are masked
      for (let p = 0; p < gx * gy * gz; p++) expect(new Set(row.subarray(p * T, (p + 1) * T)).size).toBe(1);
      const regions = await atlasPatchMap(cfg);
      const present = [...new Set(regions)].filter(r => r >= 0);
      const chosen = new Set<number>();
      regions.forEach((r, p) => {
        if (row[p * T] === 1) chosen.add(r);
      });
      expect(chosen.has(-1)).toBe(false);
      expect(chosen.size).toBe(Math.max(1, Math.floor(present.length * 0.5)));
      regions.forEach((r, p) => expect(row[p * T]).toBe(chosen.has(r) ? 1 : 0));
    }
    // The samples differ between draws and repeat with the seed.
    expect(Array.from(sample(2, new Random(4)).data)).toEqual(Array.from(m.data));
  });

  it('a token-level (tube) mask runs through the MAE graph; only masked tokens count in the loss', async () => {
    const spec: MaskSpec = { spatial: 'random', time: 'tube', ratio: 0.5 };
    const graphCfg = maeConfigFor(cfg, spec);
    const m = models.create(graphCfg, { seed: 1 });
    const mask = (await maskSampler(cfg, spec, T))(1, new Random(2));
    const x = models.fixtureInput(1, cfg.imgSize);
    const r = await m.maeLoss(x, mask);
    let num = 0;
    for (let i = 0; i < mask.data.length; i++) num += r.unitLoss.data[i] * mask.data[i];
    expect(r.loss).toBeCloseTo(num / mask.data.reduce((a, v) => a + v, 0), 4);
  });
});

test('an interrupted pretraining with STRD and augmentation resumes to the same numbers as an uninterrupted one', async () => {
  const data = await cohort('pre-resume', { subjects: 4, sessions: 1, frames: 20, seed: 5 });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-resume-'));
  const options = { data, epochs: 2, batch: 1, lr: 1e-3, seed: 3, strd: true, augment: 'all' as const };
  const whole = await pretrain({ ...options, out: path.join(work, 'whole') });
  const out = path.join(work, 'cut');
  const stop = new AbortController();
  // stop mid-epoch of the second epoch (each epoch has 3 steps here)
  await expect(pretrain({ ...options, out, signal: stop.signal, onProgress: e => e.step === 4 && e.loss !== undefined && !e.metric && stop.abort() })).rejects.toThrow();
  expect(JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).status).toBe('interrupted');
  const resumed = await pretrain({ data, out, resume: true });
  expect(resumed.finalValidLoss).toBe(whole.finalValidLoss);
  expect(fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')).toBe(fs.readFileSync(path.join(work, 'whole', 'metrics.jsonl'), 'utf8'));
});
