/**
 * The CPU-configuration MAE learns something the trivial reconstruction does not: with its output
 * layer started at 0 (`decoderInit: 'zero'`) and the unit input gain (`inputScale: 'unit'`), a short
 * pretraining takes the masked loss on held-out subjects' clips below the loss of predicting every
 * masked voxel at its clip mean (decoder output 0). With the official decoder init at gain 1 the same
 * kind of run ends exactly at that trivial loss (kernel/train/README.md "Why the MAE learned nothing";
 * `npm run bench -- pretrain-overfit`): the fresh decoder's output has ~55x the target's energy, and
 * shrinking it first starves the encoder of gradient.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { maskedLoss, pretrain, zeroDecoderOutput } from '../../kernel/train/pretrain';
import { maskSampler } from '../../kernel/train/mae-masks';
import { labelledClips } from '../../kernel/train/samples';
import { resolveConfig } from '../../kernel/train/presets';
import { startingModel } from '../../kernel/train/starting-model';
import { cohort } from './cohort';

/** The trained model's and the trivial reconstruction's masked loss on the run's held-out clips with its validation masks. */
async function heldOut(data: string, run: string): Promise<{ model: number; trivial: number }> {
  const rec = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
  const held = new Set<string>(JSON.parse(fs.readFileSync(path.join(run, 'split.json'), 'utf8')).folds[0].validation);
  const samples = (await labelledClips(data, 'mae')).samples.filter(s => held.has(s.subject));
  const model = (await startingModel({ from: run, config: resolveConfig('cpu'), explicitConfig: false, seed: 1, mae: true })).model;
  const sampler = await maskSampler(model.config, rec.mask, samples[0].frames);
  const options = { batch: rec.batch, pool: rec.input.pool, centre: rec.input.centre, scale: rec.input.scale, seed: rec.seed };
  const trained = await maskedLoss(model, samples, sampler, options);
  zeroDecoderOutput(model);
  return { model: trained, trivial: await maskedLoss(model, samples, sampler, options) };
}

jest.setTimeout(600_000);

test('zero-started decoder + unit gain: the held-out masked loss falls below the trivial reconstruction', async () => {
  const data = await cohort('ft', { subjects: 8, sessions: 1, frames: 40, seed: 11 });
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-zero-')), 'mae');
  const r = await pretrain({ data, out, epochs: 3, batch: 2, lr: 2e-3, seed: 2, inputScale: 'unit', decoderInit: 'zero', patience: null });
  const t = await heldOut(data, out);
  console.log(`held-out masked loss ${r.initialValidLoss.toFixed(4)} -> ${r.finalValidLoss.toFixed(4)} (best checkpoint ${t.model.toFixed(4)}); trivial ${t.trivial.toFixed(4)} (${(t.model / t.trivial).toFixed(3)}x)`);
  expect(JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).decoder_init).toBe('zero');
  // a zero output layer reconstructs trivially: the run starts exactly at the trivial loss
  expect(r.initialValidLoss).toBeCloseTo(t.trivial, 6);
  expect(t.model).toBeLessThan(0.95 * t.trivial);
});
