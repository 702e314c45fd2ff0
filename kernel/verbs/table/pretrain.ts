/** `pretrain`: ns.train.pretrain, MAE pretraining with spatial x time masks, writing a run folder. */
import { pretrain } from '../../train';
import { RunFolder } from '../../train/run-folder';
import { PretrainRunResult } from '../results';
import { checkAtlasFlag } from '../atlas-flag';
import { Verb } from '../verb';
import { UsageError } from '../../errors';
import { TRAIN_FLAGS, trainOptionsFromFlags } from './train-flags';
import { onDeviceFlag } from './device-flag';

/** --strd, or either neighbourhood edge (which implies it). */
function strdFromFlags(flags: Record<string, unknown>): boolean | { spatial?: number; temporal?: number } {
  const spatial = flags.strdSpatial as number | undefined;
  const temporal = flags.strdTemporal as number | undefined;
  if (spatial === undefined && temporal === undefined) return flags.strd === true;
  return { spatial, temporal };
}

/** --gain-field S [--gain-field-scale SIGMA], or undefined; a scale without a strength is a UsageError. */
function gainFieldFromFlags(flags: Record<string, unknown>): { strength: number; scale?: number } | undefined {
  const strength = flags.gainField as number | undefined;
  const scale = flags.gainFieldScale as number | undefined;
  if (strength === undefined) {
    if (scale !== undefined) throw new UsageError('--gain-field-scale needs --gain-field', { hint: 'give the strength, e.g. --gain-field 0.5' });
    return undefined;
  }
  return scale === undefined ? { strength } : { strength, scale };
}

export const PRETRAIN_VERB: Verb<PretrainRunResult> = {
  name: 'pretrain',
  summary: 'MAE pretraining (window/random/atlas x random/tube masks) on a BIDS dataset, writing a run folder',
  positionals: [],
  flags: {
    ...TRAIN_FLAGS,
    'spatial-mask': { type: 'string', choices: ['window', 'random', 'atlas'], description: 'spatial mask (default window)' },
    'time-mask': { type: 'string', choices: ['random', 'tube'], description: 'time mask (default random)' },
    'mask-ratio': { type: 'number', min: 0.05, max: 0.95, description: 'fraction of patches masked (default 0.5)' },
    atlas: { type: 'string', path: 'file', description: 'label atlas for --spatial-mask atlas (default: the embedded atlas)' },
    strd: { type: 'boolean', description: 'spatiotemporal redundancy dropout in every encoder block (spec §2.8; off by default, as the official code)' },
    'strd-spatial': { type: 'number', integer: true, min: 1, max: 64, description: 'STRD spatial neighbourhood edge in tokens (default 5; implies --strd)' },
    'strd-temporal': { type: 'number', integer: true, min: 1, max: 64, description: 'STRD temporal neighbourhood edge in frames (default 5; implies --strd)' },
    augment: { type: 'string', choices: ['all', 'affine', 'intensity', 'off'], description: 'training augmentation: all (default, as the official code), affine only, intensity only, or off' },
    contrastive: { type: 'number', min: 0, description: 'weight of the subject-contrastive term (ours: batches of subjects x 2 clips, NT-Xent tau 0.1 on the pooled encoder output; default 0 = off; needs an even --batch >= 4)' },
    'contrastive-norm': { type: 'string', choices: ['none', 'batch'], description: 'normalisation of the contrastive projection before L2: none (default) or batch (BatchNorm with batch statistics)' },
    'amplitude-map': { type: 'number', min: 0, description: 'weight of the amplitude-map term (ours: the pooled encoder output predicts the input\'s centred log amplitude per patch through a linear layer; default 0 = off)' },
    'gain-field': { type: 'number', min: 0, description: 'gain-field augmentation (ours): each training clip times exp(a smooth random field with this in-brain sd), the same every frame; default off' },
    'gain-field-scale': { type: 'number', min: 0.01, description: 'Gaussian sigma of the gain field in voxels (default grid edge / 8; needs --gain-field)' }
  },
  takesBody: true,
  call: async ({ flags }, ctx) => {
    if (flags.atlas !== undefined) await checkAtlasFlag('atlas', String(flags.atlas));
    const result = await onDeviceFlag(flags, () => pretrain({
      ...trainOptionsFromFlags(flags),
      spatialMask: flags.spatialMask as 'window' | 'random' | 'atlas' | undefined,
      timeMask: flags.timeMask as 'random' | 'tube' | undefined,
      maskRatio: flags.maskRatio as number | undefined,
      atlas: flags.atlas as string | undefined,
      strd: strdFromFlags(flags),
      augment: flags.augment === 'off' ? false : (flags.augment as 'all' | 'affine' | 'intensity' | undefined),
      contrastive: flags.contrastive as number | undefined,
      contrastiveNorm: flags.contrastiveNorm as 'none' | 'batch' | undefined,
      amplitudeMap: flags.amplitudeMap as number | undefined,
      gainField: gainFieldFromFlags(flags),
      signal: ctx.signal,
      onProgress: ctx.onProgress
    }));
    return { kind: 'pretrain', ...result, metrics: new RunFolder(result.run).readJsonl('metrics.jsonl') };
  }
};
