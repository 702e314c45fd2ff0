/**
 * Regenerates the shipped demo model (kernel/models/demo/): a small NeuroSTORM in the CPU
 * configuration, MAE-pretrained by our own engine (ns.train.pretrain) on a synthetic cohort, backbone
 * weights stored as float16 to keep the package small. It is NOT the official NeuroSTORM weights.
 * Every input is fixed (cohort seed, pretraining seed, recipe), so a rerun on the same machine writes
 * the same bytes (test/notebooks/demo-checkpoint.test.ts checks that on a smaller setting).
 *
 *   node -r ./test/train/ts-register.js test/notebooks/make-demo-checkpoint.ts [OUT_FOLDER]
 *
 * OUT_FOLDER defaults to kernel/models/demo; only the generated files there are replaced
 * (config.json, weights.safetensors, manifest.json, training.json); README.md is written by hand.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth } from '../../kernel/data/synth/cohort';
import { pretrain } from '../../kernel/train/pretrain';
import { readCheckpoint } from '../../kernel/train/checkpoint';
import { writeFileAtomic } from '../../kernel/io/atomic';
import { writeSafetensors, StoredTensor } from '../../kernel/runtime/safetensors';
import { configToJson } from '../../kernel/models/config-json';
import { isPromptKey } from '../../kernel/models/weights/weight-set';
import { writeManifest } from '../../kernel/models/weights/folder-manifest';
import { packageVersion } from '../../kernel/version';

export interface DemoSettings {
  cohort: { subjects: number; sessions: number; frames: number; seed: number };
  pretrain: { config: 'cpu'; epochs: number; batch: number; lr: number; seed: number };
}

/** What the shipped demo was made with (change here, rerun, commit the folder). */
export const DEMO_SETTINGS: DemoSettings = {
  cohort: { subjects: 12, sessions: 2, frames: 40, seed: 1000 },
  pretrain: { config: 'cpu', epochs: 3, batch: 2, lr: 1e-3, seed: 7 }
};

export const GENERATED_FILES = ['config.json', 'weights.safetensors', 'manifest.json', 'training.json'];

/** IEEE half precision bits of `x`, rounded to nearest even (overflow to ±inf, subnormals kept). */
export function toHalfBits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rest > mid || (rest === mid && (half & 1)) ? half + 1 : half);
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half += 1; // may carry into the exponent: still correct
  return sign | half;
}

function half(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toHalfBits(data[i]);
  return out;
}

/** Pretrains in a temporary folder and writes the generated demo files into `out`; returns their paths. */
export async function makeDemoCheckpoint(out: string, settings: DemoSettings = DEMO_SETTINGS, log: (line: string) => void = () => undefined): Promise<string[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-demo-'));
  try {
    const cohort = path.join(work, 'cohort');
    log(`synthetic cohort: ${JSON.stringify(settings.cohort)}`);
    await synth({ ...settings.cohort, out: cohort });
    log(`pretraining: ${JSON.stringify(settings.pretrain)}`);
    const p = settings.pretrain;
    const result = await pretrain({ data: cohort, out: path.join(work, 'run'), config: p.config, epochs: p.epochs, batch: p.batch, lr: p.lr, seed: p.seed, patience: null });
    const { model } = await readCheckpoint(path.join(work, 'run', 'checkpoints', 'best'));
    const tensors = new Map<string, StoredTensor>();
    for (const [k, v] of model.weights.backbone) if (!isPromptKey(k)) tensors.set(k, { dtype: 'F16', shape: v.shape, data: half(v.data) });
    fs.mkdirSync(out, { recursive: true });
    await writeSafetensors(path.join(out, 'weights.safetensors'), tensors, { format: 'pt', producer: 'neurostorm-lab demo (not the official weights)' });
    const config = { ...model.config, heads: [], promptLen: 0 };
    await writeFileAtomic(path.join(out, 'config.json'), JSON.stringify(configToJson(config, 'neurostorm-demo-cpu'), null, 1) + '\n');
    await writeManifest(out, ['config.json', 'weights.safetensors'], { promptLen: 0, heads: [], mae: false });
    const training = {
      format: 'neurostorm-demo/1',
      official: false,
      note: 'Demo model for examples and tests: CPU configuration, MAE-pretrained by neurostorm-lab on a synthetic cohort. Not the official NeuroSTORM weights; its features mean nothing for real data.',
      package: packageVersion(),
      cohort: { generator: 'ns.data.synth', ...settings.cohort },
      pretrain: { ...settings.pretrain, recipe: 'default', mask: 'window+random 0.5', checkpoint: 'best' },
      validation_masked_loss: { initial: result.initialValidLoss, final: result.finalValidLoss },
      history: result.history,
      stored_as: 'float16 (backbone only; heads and MAE decoder are not shipped)'
    };
    await writeFileAtomic(path.join(out, 'training.json'), JSON.stringify(training, null, 1) + '\n');
    log(`validation masked loss ${result.initialValidLoss.toFixed(4)} -> ${result.finalValidLoss.toFixed(4)}`);
    return GENERATED_FILES.map(f => path.join(out, f));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'kernel', 'models', 'demo'));
  makeDemoCheckpoint(out, DEMO_SETTINGS, line => console.log(line))
    .then(files => {
      for (const f of files) console.log(`${f} ${fs.statSync(f).size} bytes`);
    })
    .catch(err => {
      console.error(err);
      process.exit(1);
    });
}
