/**
 * Parity with the official configuration (96³×20, embed 36, depths 2/2/6/2): the frozen backbone,
 * heads and per-stage statistics; the loaded prompt-tuned model through m.backbone and m.cls; MAE
 * with the given mask. Kept in its own file: each pass takes seconds on a 2-core CPU.
 */
import * as models from '../../kernel/models';
import { fixtureDir, outputsJson, readOutput, relMaxError, statsError } from './fixture-data';

const TOL = 1e-4;
const x = models.fixtureInput(1, [96, 96, 96, 20]);
let model: models.NeuroStormModel;

beforeAll(async () => {
  model = await models.load(fixtureDir('official'));
});

// backbone_out, the heads and inter.* are the model without prompts: the frozen backbone.
it('official frozen backbone, cls and reg heads match; per-stage statistics match', async () => {
  expect(model.config).toEqual(models.officialConfig({ promptLen: 50, heads: model.config.heads }));
  const ref = outputsJson('official');
  const taps = Object.keys(ref).filter(k => k.startsWith('inter.') && !k.includes('mamba'));
  const out = await model.forward(x, { prompts: false, taps }, ['cls', 'reg']);
  expect(out.backbone.shape).toEqual([1, 288, 2, 2, 2, 20]);
  expect(relMaxError(out.backbone.data, readOutput('official', 'backbone_out').data)).toBeLessThanOrEqual(TOL);
  expect(relMaxError(out.cls.data, readOutput('official', 'cls_out').data)).toBeLessThanOrEqual(TOL);
  expect(relMaxError(out.reg.data, readOutput('official', 'reg_out').data)).toBeLessThanOrEqual(TOL);
  for (const k of taps) expect([k, statsError(out[k].data, ref[k]) <= TOL]).toEqual([k, true]);
});

// One pass through the public forward with its defaults (backbone + cls); the small configurations
// check m.backbone / m.cls / m.reg / m.embed / export one by one (parity-prompts.test.ts).
it('the loaded prompt-tuned model (P = 50) runs its prompts by default: backbone and cls match', async () => {
  const out = await model.forward(x, {}, ['cls']);
  const errors = { backbone: relMaxError(out.backbone.data, readOutput('official', 'prompt_backbone_out').data), cls: relMaxError(out.cls.data, readOutput('official', 'prompt_cls_out').data) };
  console.log(`official prompt parity max|ours-ref|/max|ref|: ${JSON.stringify(errors)}`);
  expect(errors.backbone).toBeLessThanOrEqual(TOL);
  expect(errors.cls).toBeLessThanOrEqual(TOL);
});

it('official MAE loss, per-window loss, latent and strided prediction match with the given mask', async () => {
  const r = await model.maeLoss(x, readOutput('official', 'mae_mask'), { taps: ['mae_inter.latent'] });
  const ref = readOutput('official', 'mae_loss').data[0];
  expect(Math.abs(r.loss - ref) / ref).toBeLessThanOrEqual(TOL);
  expect(relMaxError(r.unitLoss.data, readOutput('official', 'mae_window_loss').data)).toBeLessThanOrEqual(TOL);
  expect(relMaxError(r.taps['mae_inter.latent'].data, readOutput('official', 'mae_inter.latent').data)).toBeLessThanOrEqual(TOL);
  // mae_pred.bin holds pred[:, :, ::4, ::4, ::4, :].
  const strided = new Float32Array(24 * 24 * 24 * 20);
  let k = 0;
  for (let a = 0; a < 96; a += 4) for (let b = 0; b < 96; b += 4) for (let c = 0; c < 96; c += 4) for (let t = 0; t < 20; t++) strided[k++] = r.pred.data[((a * 96 + b) * 96 + c) * 20 + t];
  expect(relMaxError(strided, readOutput('official', 'mae_pred').data)).toBeLessThanOrEqual(TOL);
});
