/**
 * The small real MNI assets that ship inside the package (kernel/data/assets/, see its README for
 * provenance and licences): the defaults of the synthetic cohort, the validator's coverage mask and
 * a template and parcellation for display. `ns.data.assets()` gives their paths.
 *
 * tsc does not copy data files into lib/, so the folder is found from the package root (the same
 * path in a checkout and in an installed package, where package.json "files" lists it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../errors';
import { packageRoot } from '../version';

export interface EmbeddedAssets {
  /** Binary brain mask (uint8 0/1) on FSL's MNI152 2 mm grid (91x109x91, LAS). */
  mask: string;
  /** MNI avg152 T1 brain template on the same grid (uint8, scaled back to its original range). */
  template: string;
  /** Schaefer 2018 parcellation, 100 parcels x 7 networks, on the same grid (uint8, intent label). */
  atlas: string;
  /** The atlas's region names: a TSV with `index` and `name` columns (value -> name, no offset). */
  atlasLabels: string;
}

/** File names inside kernel/data/assets/ (the generator in test/packaging writes the same names). */
export const EMBEDDED_FILES: EmbeddedAssets = {
  mask: 'mni152_2mm_brainmask.nii.gz',
  template: 'mni152_2mm_avg152T1_brain.nii.gz',
  atlas: 'schaefer2018_100parcels_7networks_2mm.nii.gz',
  atlasLabels: 'schaefer2018_100parcels_7networks_2mm.tsv'
};

/** The folder holding the embedded assets. */
export function embeddedAssetsDir(): string {
  return path.join(packageRoot(), 'kernel', 'data', 'assets');
}

/**
 * Paths of the embedded assets; fails with a DatasetError if the package was installed without them
 * (a broken or trimmed install).
 *
 *   const { template, atlas, atlasLabels } = ns.data.assets();
 */
export function assets(): EmbeddedAssets {
  const dir = embeddedAssetsDir();
  const out = {} as EmbeddedAssets;
  for (const key of Object.keys(EMBEDDED_FILES) as (keyof EmbeddedAssets)[]) {
    const file = path.join(dir, EMBEDDED_FILES[key]);
    if (!fs.existsSync(file))
      throw new DatasetError(`embedded ${key} missing from the package`, {
        file,
        hint: 'reinstall neurostorm-lab; its package.json "files" ships kernel/data/assets/'
      });
    out[key] = file;
  }
  return out;
}
