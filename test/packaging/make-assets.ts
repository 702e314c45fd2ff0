/**
 * Builds the package's embedded MNI assets (kernel/data/assets/) from ../shared/data/real with our
 * own NIfTI code, so the shipped files are reproducible: test/packaging/assets.test.ts regenerates
 * them into a temporary folder and compares. To rewrite the shipped files after changing this:
 *
 *   NEUROSTORM_WRITE_ASSETS=1 npx jest test/packaging/assets.test.ts -w 1
 *
 * What each file is, and its licence, is in kernel/data/assets/README.md.
 */
import * as path from 'path';
import { writeFileAtomic } from '../../kernel/io/atomic';
import { createImage, read, write, XformCode } from '../../kernel/nifti';
import { labelMapOnGrid, readLabelNames } from '../../kernel/data/atlas';
import { MNI_2MM_LAS } from '../../kernel/data/grid';
import { EMBEDDED_FILES } from '../../kernel/data/embedded';

/** The development checkout's real-data folder (tests only: users do not have it). */
export const SHARED_REAL = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'real');

export const SOURCES = {
  template: 'nilearn/avg152T1_brain.nii.gz',
  schaeferAtlas: 'neurostorm/schaefer_100_7net/atlas.nii.gz',
  schaeferLabels: 'neurostorm/schaefer_100_7net/labels.csv'
};

/** NIFTI_INTENT_LABEL (nifti1.h): voxel values are indices into a label table. */
const INTENT_LABEL = 1002;

export interface AssetsSummary {
  maskVoxels: number;
  templateMax: number;
  atlasRegions: number;
}

/** Writes the four embedded files into `outDir` from the shared real-data folder `real`. */
export async function makeAssets(real: string, outDir: string): Promise<AssetsSummary> {
  const common = { affine: MNI_2MM_LAS.affine, qformCode: XformCode.MNI_152, sformCode: XformCode.MNI_152 };
  const shape = [...MNI_2MM_LAS.shape];

  // Template: avg152T1_brain is int16 0..8339 on exactly this grid; uint8 keeps it readable for
  // display at half the bytes, and scl_slope maps it back to the original intensity range.
  const t1 = await read(path.join(real, SOURCES.template));
  if (t1.shape.slice(0, 3).join('x') !== shape.join('x')) throw new Error(`${SOURCES.template}: unexpected grid ${t1.shape}`);
  const values = t1.data();
  let max = 0;
  for (const v of values) if (v > max) max = v;
  const template = Uint8Array.from(values, v => Math.round((Math.max(0, v) * 255) / max));
  // Mask: the brain-extracted template's support, as ../shared's derived mask was made (> 0).
  const mask = Uint8Array.from(values, v => (v > 0 ? 1 : 0));

  // Atlas: Schaefer's float32 labels on nilearn's 99x117x95 RAS grid, brought onto the FSL LAS grid
  // by nearest neighbour through the affines (both are 2 mm grids with integer offsets, so exact).
  const schaefer = labelMapOnGrid(await read(path.join(real, SOURCES.schaeferAtlas)), MNI_2MM_LAS);
  const atlas = Uint8Array.from(schaefer.regionOf, r => (r >= 0 ? schaefer.labels[r] : 0));
  const names = readLabelNames(path.join(real, SOURCES.schaeferLabels));
  const missing = schaefer.labels.filter(v => !names.has(v));
  if (missing.length) throw new Error(`Schaefer labels without names: ${missing.join(', ')}`);

  const gz = { gzipLevel: 9 };
  await write(
    path.join(outDir, EMBEDDED_FILES.template),
    createImage({ ...common, data: template, shape, sclSlope: max / 255, descrip: 'MNI avg152T1_brain, uint8' }),
    gz
  );
  await write(
    path.join(outDir, EMBEDDED_FILES.mask),
    createImage({ ...common, data: mask, shape, descrip: 'mask: avg152T1_brain > 0' }),
    gz
  );
  await write(
    path.join(outDir, EMBEDDED_FILES.atlas),
    createImage({
      ...common,
      data: atlas,
      shape,
      intentCode: INTENT_LABEL,
      descrip: 'Schaefer2018 100 parcels 7 networks',
      calMin: 0,
      calMax: schaefer.labels[schaefer.labels.length - 1]
    }),
    gz
  );
  const tsv = ['index\tname', ...schaefer.labels.map(v => `${v}\t${names.get(v)}`)];
  await writeFileAtomic(path.join(outDir, EMBEDDED_FILES.atlasLabels), tsv.join('\n') + '\n');
  return { maskVoxels: mask.reduce((a, b) => a + b, 0), templateMax: max, atlasRegions: schaefer.labels.length };
}
