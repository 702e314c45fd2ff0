import * as path from 'path';
import * as models from '../../kernel/models';
import { fixtureDir, outputsJson, readOutput, relMaxError } from './fixture-data';

const TINY = fixtureDir('tiny');
const TOL = 1e-4;

describe('parity with the official tiny fixture', () => {
  const x = models.fixtureInput(2, [48, 48, 48, 8]);
  let model: models.NeuroStormModel;
  beforeAll(async () => {
    model = await models.load(TINY);
  });

  it('generates the fixture input exactly', () => {
    const ref = outputsJson('tiny').input;
    expect(Array.from(x.data.slice(0, 8))).toEqual(ref.first8);
    let sum = 0;
    for (const v of x.data) sum += v;
    expect(sum).toBeCloseTo(ref.sum, 6);
  });

  // The fixture's backbone_out, heads and inter.* are the model without prompts (prompt_len=0); the
  // loaded folder holds prompts, which every forward runs unless told not to (parity-prompts.test.ts).
  it('frozen backbone, heads and every intermediate match', async () => {
    const inter = Object.keys(outputsJson('tiny')).filter(k => k.startsWith('inter.'));
    const out = await model.forward(x, { prompts: false, taps: inter }, ['cls', 'reg']);
    const errors: Record<string, number> = {};
    errors.backbone_out = relMaxError(out.backbone.data, readOutput('tiny', 'backbone_out').data);
    expect(out.backbone.shape).toEqual([2, 96, 1, 1, 1, 8]);
    errors.cls_out = relMaxError(out.cls.data, readOutput('tiny', 'cls_out').data);
    errors.reg_out = relMaxError(out.reg.data, readOutput('tiny', 'reg_out').data);
    for (const k of inter) {
      expect(out[k].shape).toEqual(readOutput('tiny', k).shape);
      errors[k] = relMaxError(out[k].data, readOutput('tiny', k).data);
    }
    const bad = Object.entries(errors).filter(([, e]) => !(e <= TOL));
    expect(bad).toEqual([]);
    expect(Object.keys(errors).length).toBe(3 + 11);
    console.log(JSON.stringify(errors));
  });

  it('MAE loss, per-window loss, prediction and decoder intermediates match with the given mask', async () => {
    const mask = readOutput('tiny', 'mae_mask');
    const taps = Object.keys(outputsJson('tiny')).filter(k => k.startsWith('mae_inter.'));
    const r = await model.maeLoss(x, mask, { taps });
    expect(Math.abs(r.loss - readOutput('tiny', 'mae_loss').data[0]) / readOutput('tiny', 'mae_loss').data[0]).toBeLessThanOrEqual(TOL);
    expect(relMaxError(r.unitLoss.data, readOutput('tiny', 'mae_window_loss').data)).toBeLessThanOrEqual(TOL);
    expect(relMaxError(r.pred.data, readOutput('tiny', 'mae_pred').data)).toBeLessThanOrEqual(TOL);
    for (const k of taps) expect([k, relMaxError(r.taps[k].data, readOutput('tiny', k).data) <= TOL]).toEqual([k, true]);
  });

  it('the Lightning checkpoint reproduces backbone_out and cls_out', async () => {
    const m = await models.load(path.join(TINY, 'model.ckpt'));
    const out = await m.forward(x, {}, ['cls']);
    expect(relMaxError(out.backbone.data, readOutput('tiny', 'backbone_out').data)).toBeLessThanOrEqual(TOL);
    expect(relMaxError(out.cls.data, readOutput('tiny', 'cls_out').data)).toBeLessThanOrEqual(TOL);
  });
});
