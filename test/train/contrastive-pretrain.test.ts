/**
 * Subject-contrastive MAE pretraining (ours; kernel/train/README.md, "Subject-contrastive
 * pretraining"): λ = 0 builds today's training graph byte for byte; λ > 0 adds λ × NT-Xent of the same
 * forward's pooled encoder output to the masked loss; batches hold B/2 subjects × 2 different clips
 * from seeded forks; too few clips, an odd or small batch and a negative weight are refused; a short
 * run records the weight, reports the held-out contrastive loss and resumes exactly after an interrupt.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { toModelBytes } from '../../kernel/graph';
import { expectExactResume, maeGraphParams, runMaeGraph } from './pretrain-terms';
import { buildTrainStep } from '../../kernel/train/trainer';
import { pretrain } from '../../kernel/train/pretrain';
import { checkPairBatches, pairEpochOrder } from '../../kernel/train/pair-batches';
import { maskSampler } from '../../kernel/train/mae-masks';
import { withFreshHead, withMae } from '../../kernel/train/starting-model';
import type { Sample } from '../../kernel/train/samples';
import { Random } from '../../kernel/random';
import { cohort } from './cohort';
import { parseFlags } from '../../kernel/verbs/flags';
import { PRETRAIN_VERB } from '../../kernel/verbs/table/pretrain';

jest.setTimeout(1_200_000);

const DESIGN = { subjects: 8, sessions: 1, frames: 40, seed: 11 };

function fakeSamples(perSubject: number[]): Sample[] {
  return perSubject.flatMap((n, s) => Array.from({ length: n }, (_, k) => ({ subject: `sub-${s}`, session: null, bold: `b${s}`, cache: `c${s}`, start: 20 * k, frames: 20, target: null, label: -1 })));
}

test('the pretrain verb takes --contrastive L (>= 0) and --contrastive-norm none|batch', () => {
  const parsed = parseFlags(['--data', 'd', '--out', 'o', '--contrastive', '0.5', '--contrastive-norm', 'batch'], PRETRAIN_VERB.flags, 'usage');
  expect(parsed.flags).toMatchObject({ contrastive: 0.5, contrastiveNorm: 'batch' });
  expect(() => parseFlags(['--data', 'd', '--out', 'o', '--contrastive', '-1'], PRETRAIN_VERB.flags, 'usage')).toThrow(/contrastive/);
  expect(() => parseFlags(['--data', 'd', '--out', 'o', '--contrastive-norm', 'layer'], PRETRAIN_VERB.flags, 'usage')).toThrow(/contrastive-norm/);
});

describe('pair batches', () => {
  const samples = fakeSamples([3, 2, 1, 4, 2, 2, 5, 2]);

  test('every batch holds B/2 distinct subjects, row i and row i + B/2 two different clips of one subject; one visit per pairable subject', () => {
    for (const batch of [4, 6]) {
      const order = pairEpochOrder(samples, 3, 0, batch);
      const steps = checkPairBatches(samples, batch, 'fake');
      expect(order).toHaveLength(steps * batch);
      expect(steps).toBe(Math.floor(7 / (batch / 2)));
      const seen = new Set<string>();
      for (let b = 0; b < steps; b++) {
        const rows = order.slice(b * batch, (b + 1) * batch);
        const half = batch / 2;
        expect(new Set(rows.slice(0, half).map(s => s.subject)).size).toBe(half);
        for (let i = 0; i < half; i++) {
          expect(rows[i + half].subject).toBe(rows[i].subject);
          expect(rows[i + half].start).not.toBe(rows[i].start);
          expect(seen.has(rows[i].subject)).toBe(false);
          seen.add(rows[i].subject);
        }
      }
      expect(seen.has('sub-2')).toBe(false); // one clip: never paired
    }
  });

  test('the order is a function of (seed, epoch) alone, and epochs differ', () => {
    const a = pairEpochOrder(samples, 3, 2, 4).map(s => `${s.subject}/${s.start}`);
    expect(pairEpochOrder(samples, 3, 2, 4).map(s => `${s.subject}/${s.start}`)).toEqual(a);
    expect(pairEpochOrder(samples, 3, 3, 4).map(s => `${s.subject}/${s.start}`)).not.toEqual(a);
  });

  test('odd or small batches and data with too few pairable subjects are refused, naming the dataset and the count', () => {
    expect(() => checkPairBatches(samples, 2, 'fake')).toThrow(/even batch of 4 or more/);
    expect(() => checkPairBatches(samples, 5, 'fake')).toThrow(/even batch of 4 or more/);
    expect(() => checkPairBatches(fakeSamples([1, 1, 1, 2]), 4, '/data/cohort')).toThrow(/needs 2 training subjects with 2 or more clips each for a batch of 4; \/data\/cohort has 1 of 4 training subjects/);
  });
});

describe('the MAE training graph', () => {
  const cfg = { ...models.cpuConfig(), heads: [] };

  test('λ = 0 (or absent) gives the training graph of before, byte for byte', () => {
    const model = withMae(models.create(cfg, { seed: 1, mae: true }), 1);
    const base = toModelBytes(buildTrainStep(model, { task: 'mae', batch: 4, frames: 20 }).step.graph);
    const zero = toModelBytes(buildTrainStep(model, { task: 'mae', batch: 4, frames: 20, contrastive: 0 }).step.graph);
    expect(Buffer.from(zero).equals(Buffer.from(base))).toBe(true);
  });

  test('λ > 0: loss = masked loss + λ × NT-Xent, the masked loss is the λ = 0 graph\'s, and the projection is the emb head\'s fc1', async () => {
    const model = withFreshHead(withMae(models.create(cfg, { seed: 1, mae: true }), 1), { kind: 'emb', embeddingSize: 16 }, 1, true);
    const T = 20;
    const B = 4;
    const rng = new Random(9);
    const x = { data: Float32Array.from({ length: B * 48 ** 3 * T }, () => rng.next() - 0.5), shape: [B, 1, 48, 48, 48, T] };
    const mask = (await maskSampler(model.config, { spatial: 'window', time: 'random', ratio: 0.5 }, T))(B, new Random(4));
    const run = async (contrastive: number) => {
      const options = { batch: B, frames: T, contrastive };
      if (contrastive > 0) expect(maeGraphParams(model, options)).toContain('emb:output_head.fc1.weight');
      return runMaeGraph(model, options, { x, mask });
    };
    const plain = await run(0);
    const withTerm = await run(0.5);
    const masked = Number(withTerm.masked_loss.data[0]);
    const con = Number(withTerm.contrastive_loss.data[0]);
    expect(masked).toBeCloseTo(Number(plain.loss.data[0]), 6);
    expect(Number(withTerm.loss.data[0])).toBeCloseTo(masked + 0.5 * con, 5);
    // a fresh encoder's pooled features share one large component: every cosine near 1, so the
    // loss starts near its all-equal value log(2N - 1) = log 3
    expect(con).toBeGreaterThan(0.5);
    expect(con).toBeLessThan(1.5);
    // 'batch' (BatchNorm with batch statistics before L2): same masked loss, another finite term
    const r = await runMaeGraph(model, { batch: B, frames: T, contrastive: 0.5, contrastiveNorm: 'batch' }, { x, mask });
    expect(Number(r.masked_loss.data[0])).toBeCloseTo(masked, 6);
    const bn = Number(r.contrastive_loss.data[0]);
    expect(Number.isFinite(bn) && bn > 0).toBe(true);
    expect(Number(r.loss.data[0])).toBeCloseTo(masked + 0.5 * bn, 5);
  });
});

describe('pretraining with the term', () => {
  test('records the weight, reports the held-out contrastive loss, and resumes exactly after an interrupt', async () => {
    const data = await cohort('ft', DESIGN);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-con-'));
    const opts = { data, epochs: 2, batch: 4, lr: 1e-3, seed: 2, contrastive: 1, decoderInit: 'zero' as const };
    const full = await pretrain({ ...opts, out: path.join(root, 'full') });
    console.log(`held-out masked ${full.initialValidLoss.toFixed(4)} -> ${full.finalValidLoss.toFixed(4)}; contrastive ${full.initialValidContrastive} -> ${full.finalValidContrastive}`);
    const run = JSON.parse(fs.readFileSync(path.join(root, 'full', 'run.json'), 'utf8'));
    expect(run).toMatchObject({ contrastive: 1, batch: 4, status: 'done' });
    expect(full.history).toHaveLength(2);
    expect(Number.isFinite(full.history[1].valid_masked_loss)).toBe(true);
    const best = await models.load(path.join(root, 'full', 'checkpoints', 'best'));
    expect(best.weights.mae).not.toBeNull();
    // interrupt after the first step, then resume
    await expectExactResume(opts, root);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('too few clips per subject for the batch are refused before training, naming the dataset; negative weights before anything is written', async () => {
    const data = await cohort('ft', DESIGN);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-con-bad-'));
    await expect(pretrain({ data, out: path.join(root, 'a'), batch: 20, contrastive: 1 })).rejects.toThrow(new RegExp(`needs 10 training subjects .* ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has \\d+ of \\d+ training subjects`));
    await expect(pretrain({ data: '/nonexistent', out: path.join(root, 'b'), contrastive: -1 })).rejects.toThrow(/contrastive weight must be a finite number >= 0/);
    expect(fs.existsSync(path.join(root, 'b', 'run.json'))).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
