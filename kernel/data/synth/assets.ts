/**
 * Where the synthetic cohort's atlas and brain mask come from. They are real MNI files with their
 * own licences, so they are not shipped in the npm package: callers pass paths, and the default
 * looks in ../shared/data/real next to the package root (the development checkout layout).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../../errors';
import { packageRoot } from '../../version';

export interface SynthAssets {
  /** A label atlas (integer regions) on, or resampled to, the MNI 2 mm grid. */
  atlas: string;
  /** A binary MNI brain mask. */
  mask: string;
}

const DEFAULT_ATLAS = 'neurostorm/aal3_166/atlas.nii.gz';
const DEFAULT_MASK = 'derived/MNI152_2mm_brainmask_from_avg152T1.nii.gz';

/** The shared real-data folder the defaults are taken from. */
export function sharedDataRoot(): string {
  return path.resolve(packageRoot(), '..', 'shared', 'data', 'real');
}

/** Resolves the atlas and mask paths, failing clearly when a default is missing. */
export function resolveSynthAssets(given: Partial<SynthAssets> = {}): SynthAssets {
  const root = given.atlas !== undefined && given.mask !== undefined ? '' : sharedDataRoot();
  const resolved: SynthAssets = {
    atlas: given.atlas ?? path.join(root, DEFAULT_ATLAS),
    mask: given.mask ?? path.join(root, DEFAULT_MASK)
  };
  for (const key of ['atlas', 'mask'] as const) {
    if (!fs.existsSync(resolved[key])) {
      const isDefault = given[key] === undefined;
      throw new DatasetError(`${key} for the synthetic cohort not found`, {
        file: resolved[key],
        hint: isDefault
          ? `the default comes from ${root}, which is not shipped with the package; pass --${key} PATH ` +
            `(${key === 'atlas' ? 'a label NIfTI, e.g. AAL3 on the MNI 2 mm grid' : 'a 0/1 MNI brain mask NIfTI'})`
          : `check the --${key} path`
      });
    }
  }
  return resolved;
}
