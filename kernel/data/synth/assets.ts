/**
 * Where the synthetic cohort's atlas and brain mask come from: the caller's paths, else the
 * package's embedded MNI 2 mm assets (../embedded.ts: the Schaefer 2018 100-parcel atlas and the
 * avg152-derived brain mask).
 */
import * as fs from 'fs';
import { DatasetError } from '../../errors';
import { assets } from '../embedded';

export interface SynthAssets {
  /** A label atlas (integer regions) on, or resampled to, the MNI 2 mm grid. */
  atlas: string;
  /** A binary MNI brain mask. */
  mask: string;
}

/** Resolves the atlas and mask paths (embedded defaults for those not given), failing clearly on a missing file. */
export function resolveSynthAssets(given: Partial<SynthAssets> = {}): SynthAssets {
  const embedded = given.atlas !== undefined && given.mask !== undefined ? null : assets();
  const resolved: SynthAssets = {
    atlas: given.atlas ?? (embedded as SynthAssets).atlas,
    mask: given.mask ?? (embedded as SynthAssets).mask
  };
  for (const key of ['atlas', 'mask'] as const) {
    if (!fs.existsSync(resolved[key])) {
      throw new DatasetError(`${key} for the synthetic cohort not found`, {
        file: resolved[key],
        hint:
          `check the --${key} path ` +
          `(${key === 'atlas' ? 'a label NIfTI on the MNI 2 mm grid' : 'a 0/1 MNI brain mask NIfTI'}), ` +
          'or leave it out for the embedded default'
      });
    }
  }
  return resolved;
}
