/**
 * The prompt contract on every small fixture configuration, through the public path users call: a
 * model loaded from a folder with prompts.safetensors, or from the Lightning .ckpt of a prompt-tuned
 * run, is the official NeuroSTORM(prompt_len = P), so `backbone`, `cls`, `reg`, `embed`, `forward`
 * and `ns.models.export` all run its prompts; `{ prompts: false }` gives the frozen backbone.
 * Configurations: shared `tiny` and ./fixtures/prompt-odd, prompt-even (the official size is in
 * parity-official.test.ts). Measured errors are printed as one JSON line.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import * as models from '../../kernel/models';
import { UsageError } from '../../kernel/errors';
import { FixtureName, fixtureDir, fixtureSetup, outputsJson, PROMPT_FIXTURES, readOutput, relMaxError } from './fixture-data';

const TOL = 1e-4;
const measured: Record<string, Record<string, number>> = {};
afterAll(() => console.log(`prompt parity max|ours-ref|/max|ref|: ${JSON.stringify(measured)}`));

const HEAD_METHOD = { cls: 'cls', reg: 'reg', emb: 'embed' } as const;
type Kind = keyof typeof HEAD_METHOD;

describe.each<FixtureName>(['tiny', ...PROMPT_FIXTURES])('prompt-tuned parity: %s', name => {
  const setup = fixtureSetup(name);
  const x = models.fixtureInput(setup.batch, setup.imgSize);
  const refs = outputsJson(name);
  const kinds = (Object.keys(HEAD_METHOD) as Kind[]).filter(k => refs[`prompt_${k}_out`]);
  const errors: Record<string, number> = (measured[name] = {});
  /** Records the error and checks shape and tolerance against the fixture output `key`. */
  const expectMatch = (what: string, ours: models.ModelTensor, key: string) => {
    const ref = readOutput(name, key);
    expect([what, ours.shape]).toEqual([what, ref.shape]);
    errors[what] = relMaxError(ours.data, ref.data);
    expect([what, errors[what] <= TOL]).toEqual([what, true]);
  };
  let model: models.NeuroStormModel;
  beforeAll(async () => {
    model = await models.load(fixtureDir(name));
  });

  it('the fixture is prompt-tuned and its prompts move the output far beyond the tolerance', () => {
    expect(model.hasPrompts).toBe(true);
    expect(model.config.promptLen).toBe(setup.promptLen);
    expect(relMaxError(readOutput(name, 'backbone_out').data, readOutput(name, 'prompt_backbone_out').data)).toBeGreaterThan(1e-2);
  });

  it('backbone, every head and embed run the prompts by default', async () => {
    expectMatch('backbone', await model.backbone(x), 'prompt_backbone_out');
    for (const k of kinds) expectMatch(HEAD_METHOD[k], await model[HEAD_METHOD[k]](x), `prompt_${k}_out`);
  });

  it('forward runs the prompts by default: stage outputs match', async () => {
    const stages = Object.keys(refs).filter(k => k.startsWith('prompt_inter.'));
    const out = await model.forward(x, { taps: stages.map(k => k.replace('prompt_', '')) }, kinds);
    expectMatch('forward.backbone', out.backbone, 'prompt_backbone_out');
    for (const k of kinds) expectMatch(`forward.${k}`, out[k], `prompt_${k}_out`);
    for (const k of stages) expectMatch(`forward.${k.replace('prompt_inter.', '')}`, out[k.replace('prompt_', '')], k);
  });

  it('{ prompts: false } runs the frozen backbone', async () => {
    expectMatch('frozen.backbone', await model.backbone(x, { prompts: false }), 'backbone_out');
    for (const k of kinds) expectMatch(`frozen.${HEAD_METHOD[k]}`, await model[HEAD_METHOD[k]](x, { prompts: false }), `${k}_out`);
  });

  it('export bakes the prompts in (and leaves them out with { prompts: false })', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-prompt-export-'));
    for (const prompts of [undefined, false]) {
      const file = path.join(dir, `${prompts === false ? 'frozen' : 'prompted'}.onnx`);
      await models.export(model, file, { batch: setup.batch, heads: kinds, ...(prompts === false ? { prompts } : {}) });
      const session = await ort.InferenceSession.create(file);
      const out = await session.run({ x: new ort.Tensor('float32', x.data, x.shape) });
      const tag = prompts === false ? 'export.frozen' : 'export';
      const pre = prompts === false ? '' : 'prompt_';
      const asTensor = (t: ort.Tensor): models.ModelTensor => ({ data: t.data as Float32Array, shape: [...t.dims] });
      expectMatch(`${tag}.backbone`, asTensor(out.backbone), `${pre}backbone_out`);
      for (const k of kinds) expectMatch(`${tag}.${k}`, asTensor(out[k]), `${pre}${k}_out`);
    }
  });

  it('the Lightning checkpoint loads as the model it holds', async () => {
    const ckpt = await models.load(path.join(fixtureDir(name), 'model.ckpt'));
    if (name === 'tiny') {
      // The shared tiny checkpoint is a fine-tuning run without prompt tuning.
      expect(ckpt.hasPrompts).toBe(false);
      expectMatch('ckpt.backbone (no prompts)', await ckpt.backbone(x), 'backbone_out');
      expectMatch('ckpt.cls (no prompts)', await ckpt.cls(x), 'cls_out');
      await expect(ckpt.backbone(x, { prompts: true })).rejects.toThrow(UsageError);
    } else {
      expect(ckpt.config.promptLen).toBe(setup.promptLen);
      expectMatch('ckpt.backbone', await ckpt.backbone(x), 'prompt_backbone_out');
      expectMatch('ckpt.cls', await ckpt.cls(x), 'prompt_cls_out');
    }
  });
});

describe('prompts added by withPrompts', () => {
  it('are run by every forward; { prompts: false } is the original model bit for bit', async () => {
    const x = models.fixtureInput(1, [48, 48, 48, 8]);
    const plain = await models.load(path.join(fixtureDir('tiny'), 'model.ckpt'));
    await expect(plain.cls(x, { prompts: true })).rejects.toThrow(/no TPT prompts/);
    const base = await plain.backbone(x);
    const tuned = plain.withPrompts(3, 7);
    const withP = await tuned.backbone(x);
    expect(relMaxError(withP.data, base.data)).toBeGreaterThan(1e-5);
    expect(Array.from((await tuned.backbone(x, { prompts: true })).data)).toEqual(Array.from(withP.data));
    expect(Array.from((await tuned.backbone(x, { prompts: false })).data)).toEqual(Array.from(base.data));
    const cls = await tuned.cls(x);
    expect(Array.from(cls.data)).not.toEqual(Array.from((await tuned.cls(x, { prompts: false })).data));
  });
});
