/**
 * `npm run bench -- pretrain-overfit [--clips 2] [--steps 200] [--lr 1e-3] [--scale 1|unit] [--every 20]
 *   [--fresh-mask] [--zero-pred] [--seed 1]`
 *
 * Can the CPU-configuration MAE fit a handful of clips? Trains on `--clips` clips of the pretraining
 * cohort with one fixed mask per clip (or a fresh mask per step with --fresh-mask) and prints, every
 * `--every` steps: the masked loss on those clips with their fixed masks, the trivial loss (decoder
 * output 0: the same model with decoder_pred zeroed) and the gradient norm of each parameter group
 * (encoder stages, decoder stages, mask token, patch embedding), measured as the update of a plain
 * SGD step with lr 1 from the current weights. A working MAE memorises a few clips far below the
 * trivial loss within a few hundred steps; one that cannot is broken or ill-conditioned. Also printed:
 * the same ratio on 4 clips of other subjects with their own fixed masks (what carries over). With
 * --zero-pred decoder_pred starts at 0 (pretrain `decoderInit: 'zero'`). kernel/train/README.md,
 * "Why the MAE learned nothing", has the figures.
 */
import * as os from 'os';
import { labelledClips } from '../../kernel/train/samples';
import { readBatch, unitGain } from '../../kernel/data/sampler';
import { resolveConfig } from '../../kernel/train/presets';
import { startingModel, withMae } from '../../kernel/train/starting-model';
import { trainer as makeTrainer } from '../../kernel/train/trainer';
import { maeConfigFor, maskSampler, MaskSpec } from '../../kernel/train/mae-masks';
import { assembleWeightSet } from '../../kernel/models/weights/weight-set';
import { NeuroStormModel } from '../../kernel/models/model';
import { sgd } from '../../kernel/graph/optimizers';
import { zeroDecoderOutput } from '../../kernel/train/pretrain';
import { Random } from '../../kernel/random';
import { cohort } from '../train/cohort';

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

/** Parameter group of a graph parameter name (for per-stage gradient norms). */
function group(name: string): string {
  const m = /^(layers\.\d+|layers_up\.\d+|pos_embeds\.\d+)/.exec(name);
  if (m) return m[1];
  if (name.includes('mask_token')) return 'mask_token';
  return name.split('.')[0];
}

export async function main(args: string[]): Promise<void> {
  const nClips = Number(arg(args, 'clips', '2'));
  const steps = Number(arg(args, 'steps', '200'));
  const lr = Number(arg(args, 'lr', '1e-3'));
  const every = Number(arg(args, 'every', '20'));
  const scaleArg = arg(args, 'scale', '1');
  const fresh = args.includes('--fresh-mask');
  const seed = Number(arg(args, 'seed', '1'));
  const data = arg(args, 'data', '') || (await cohort('benefit-pre', { subjects: 40, sessions: 1, frames: 20, seed: 31 }));
  process.stdout.write(`load ${os.loadavg().map(v => v.toFixed(1)).join(' ')}; ${nClips} clips, ${steps} steps, lr ${lr}, scale ${scaleArg}${fresh ? ', fresh masks' : ''}\n`);
  const samples = (await labelledClips(data, 'mae')).samples.slice(0, nClips);
  const held = (await labelledClips(data, 'mae')).samples.slice(-4);
  const resolved = resolveConfig('cpu');
  const clips = samples.map(s => ({ cache: s.cache, start: s.start, length: s.frames, subject: s.subject }));
  const scale = scaleArg === 'unit' ? await unitGain(clips, resolved.pool) : Number(scaleArg);
  const batch = await readBatch(clips, resolved.pool, new Map(), resolved.centre, scale);
  const x = { data: batch.data, shape: batch.shape };
  const heldBatch = await readBatch(held.map(s => ({ cache: s.cache, start: s.start, length: s.frames, subject: s.subject })), resolved.pool, new Map(), resolved.centre, scale);
  const hx = { data: heldBatch.data, shape: heldBatch.shape };
  let ms = 0;
  for (const v of batch.data) ms += v * v;
  process.stdout.write(`input: centred ${resolved.centre}, gain ${scale.toFixed(3)}, mean square ${(ms / batch.data.length).toExponential(3)}\n`);
  const spec: MaskSpec = { spatial: 'window', time: 'random', ratio: 0.5 };
  const start = await startingModel({ config: resolved, explicitConfig: true, seed, mae: true });
  const base = withMae(start.model, seed);
  const cfg = maeConfigFor(base.config, spec);
  const model = new NeuroStormModel(assembleWeightSet(cfg, base.weights.backbone, base.weights.mae, new Map(), base.weights.source));
  // --zero-pred: decoder_pred starts at 0 (output 0 = the trivial reconstruction) instead of PyTorch's Linear init
  if (args.includes('--zero-pred')) zeroDecoderOutput(model);
  const sampler = await maskSampler(cfg, spec, batch.shape[5]);
  const fixed = sampler(nClips, new Random(seed).fork('fixed'));
  const heldMask = sampler(held.length, new Random(seed).fork('held'));
  const tr = await makeTrainer(model, { task: 'mae', mode: 'full', batch: nClips, frames: batch.shape[5] });
  const probe = await makeTrainer(model, { task: 'mae', mode: 'full', batch: nClips, frames: batch.shape[5], optimizer: sgd() });
  const names = tr.trainer.spec.trained.map(t => t.param.name);

  const evaluate = async (): Promise<{ loss: number; trivial: number; heldLoss: number; grads: Map<string, number> }> => {
    tr.commit();
    const loss = (await model.maeLoss(x, fixed)).loss;
    const heldModel = (await model.maeLoss(hx, heldMask)).loss;
    // the zeroed copy shares the weight maps: it is built after the model's own losses, and tr.commit() restores them
    const zeroed = new NeuroStormModel(assembleWeightSet(cfg, model.weights.backbone, model.weights.mae, new Map(), model.weights.source));
    zeroDecoderOutput(zeroed);
    const trivial = (await zeroed.maeLoss(x, fixed)).loss;
    const heldLoss = heldModel / (await zeroed.maeLoss(hx, heldMask)).loss;
    // Gradient = the change of a plain SGD step with lr 1 from the current weights.
    for (const n of names) probe.trainer.store.set(n, { ...tr.trainer.store.get(n), data: (tr.trainer.store.get(n).data as Float32Array).slice() });
    await probe.step(x, fixed, 1);
    const sq = new Map<string, number>();
    for (const n of names) {
      const a = tr.trainer.store.get(n).data as Float32Array;
      const b = probe.trainer.store.get(n).data as Float32Array;
      let s = 0;
      for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
      sq.set(group(n), (sq.get(group(n)) ?? 0) + s);
    }
    return { loss, trivial, heldLoss, grads: new Map([...sq].map(([k, v]) => [k, Math.sqrt(v)])) };
  };

  const report = async (step: number, trainLoss: number) => {
    const e = await evaluate();
    const g = [...e.grads].map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ');
    process.stdout.write(`step ${step}: train ${trainLoss.toExponential(3)}; fixed-mask loss ${e.loss.toExponential(3)} = ${(e.loss / e.trivial).toFixed(3)} x trivial ${e.trivial.toExponential(3)}; 4 held-out clips ${e.heldLoss.toFixed(3)} x trivial\n  grad norms: ${g}\n`);
  };
  await report(0, NaN);
  const rng = new Random(seed).fork('train');
  const t0 = Date.now();
  for (let s = 1; s <= steps; s++) {
    const mask = fresh ? sampler(nClips, rng.fork(`m-${s}`)) : fixed;
    const r = await tr.step(x, mask, lr);
    if (s % every === 0 || s === steps) {
      process.stdout.write(`  (${((Date.now() - t0) / s / 1000).toFixed(2)} s/step)\n`);
      await report(s, r.loss);
    }
  }
}
