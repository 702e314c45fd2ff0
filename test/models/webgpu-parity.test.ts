/**
 * Every model graph on onnxruntime's WebGPU provider against the official fixtures, through the
 * public path (a model loaded with `session: { provider: 'webgpu' }`): the backbone without and
 * with prompts, the cls, reg and emb heads, and the MAE loss, at max|ours − ref| ≤ 1e-4·max|ref|.
 * In CI this runs on Mesa's lavapipe (a CPU Vulkan driver): it proves the GPU code path, not speed.
 * Measured errors are printed as one JSON line.
 */
import * as models from '../../kernel/models';
import { describeWebgpu } from '../runtime/webgpu-gate';
import { FixtureName, fixtureDir, fixtureSetup, outputsJson, readOutput, relMaxError } from './fixture-data';

const TOL = 1e-4;
const HEAD_KEY = { cls: 'cls', reg: 'reg', emb: 'emb' } as const;
const measured: Record<string, number> = {};

/** Loads a fixture model on webgpu, with its input and the heads its fixture has outputs for. */
async function onWebgpu(name: FixtureName) {
  const setup = fixtureSetup(name);
  const model = await models.load(fixtureDir(name), { session: { provider: 'webgpu' } });
  const refs = outputsJson(name);
  const heads = (Object.keys(HEAD_KEY) as (keyof typeof HEAD_KEY)[]).filter(k => refs[`${k}_out`]?.file);
  return { model, x: models.fixtureInput(setup.batch, setup.imgSize), heads };
}

function expectMatch(name: FixtureName, what: string, ours: models.ModelTensor, key: string): void {
  const ref = readOutput(name, key);
  expect([what, ours.shape]).toEqual([what, ref.shape]);
  const err = relMaxError(ours.data, ref.data);
  measured[`${name}.${what}`] = err;
  expect([what, err <= TOL]).toEqual([what, true]);
}

jest.setTimeout(600_000); // lavapipe compiles every shader on the CPU; CI runs test files in parallel

describeWebgpu('model graphs on webgpu match the official fixtures', () => {
  afterAll(() => console.log(`webgpu parity max|ours-ref|/max|ref|: ${JSON.stringify(measured)}`));

  it('tiny: frozen backbone with cls and reg heads; backbone with prompts and cls', async () => {
    const { model, x, heads } = await onWebgpu('tiny');
    expect(heads).toEqual(['cls', 'reg']);
    const frozen = await model.forward(x, { prompts: false }, heads);
    expectMatch('tiny', 'frozen.backbone', frozen.backbone, 'backbone_out');
    for (const h of heads) expectMatch('tiny', `frozen.${h}`, frozen[h], `${h}_out`);
    const prompted = await model.forward(x, {}, ['cls']);
    expectMatch('tiny', 'prompted.backbone', prompted.backbone, 'prompt_backbone_out');
    expectMatch('tiny', 'prompted.cls', prompted.cls, 'prompt_cls_out');
  });

  it('tiny: MAE loss, per-window loss and prediction with the fixture mask', async () => {
    const { model, x } = await onWebgpu('tiny');
    const r = await model.maeLoss(x, readOutput('tiny', 'mae_mask'));
    const refLoss = readOutput('tiny', 'mae_loss').data[0];
    measured['tiny.mae.loss'] = Math.abs(r.loss - refLoss) / Math.abs(refLoss);
    expect(measured['tiny.mae.loss']).toBeLessThanOrEqual(TOL);
    expectMatch('tiny', 'mae.window_loss', r.unitLoss, 'mae_window_loss');
    expectMatch('tiny', 'mae.pred', r.pred, 'mae_pred');
  });

  it('prompt-odd (batch 3, padded time): prompted backbone with cls and reg', async () => {
    const { model, x, heads } = await onWebgpu('prompt-odd');
    expect(heads).toEqual(['cls', 'reg']);
    const out = await model.forward(x, {}, heads);
    expectMatch('prompt-odd', 'prompted.backbone', out.backbone, 'prompt_backbone_out');
    for (const h of heads) expectMatch('prompt-odd', `prompted.${h}`, out[h], `prompt_${h}_out`);
  });

  it('prompt-even: cls and emb heads, with and without prompts', async () => {
    const { model, x, heads } = await onWebgpu('prompt-even');
    expect(heads).toEqual(['cls', 'emb']);
    for (const prompts of [true, false]) {
      const out = await model.forward(x, { prompts }, heads);
      const tag = prompts ? 'prompted' : 'frozen';
      const pre = prompts ? 'prompt_' : '';
      expectMatch('prompt-even', `${tag}.backbone`, out.backbone, `${pre}backbone_out`);
      for (const h of heads) expectMatch('prompt-even', `${tag}.${h}`, out[h], `${pre}${h}_out`);
    }
  });
});
