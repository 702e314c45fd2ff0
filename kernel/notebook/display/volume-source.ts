/**
 * Where a displayed volume's voxels come from (VolumeSource in payload-types.ts): embedded as a
 * gzipped NIfTI when small enough, else a path under the notebook's folder that the Jupyter server
 * serves, plus a downsampled embedded preview. Outputs stay small (issue 7: size cap setting).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { createImage, encodeData, NiftiImage, write as writeNifti } from '../../nifti';
import { VolumeSource } from './payload-types';

/** Folder (under the notebook's) for copies of volumes that have no file there; not hidden, so Jupyter serves it. */
export const VIEWS_DIR = 'neurostorm-views';

export function embedded(bytes: Uint8Array): VolumeSource & { kind: 'embedded' } {
  return {
    kind: 'embedded',
    format: 'nifti-gz-base64',
    data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    bytes: bytes.length
  };
}

/**
 * One frame of `image`, block-averaged by an integer factor per spatial axis so it holds at most
 * `maxVoxels` voxels. The affine moves each voxel to its block's centre, so the preview overlays
 * the original in world space.
 */
export function downsample(image: NiftiImage, frame: number, maxVoxels: number): NiftiImage {
  const [nx, ny, nz] = [image.shape[0] ?? 1, image.shape[1] ?? 1, image.shape[2] ?? 1];
  let s = 1;
  while (Math.ceil(nx / s) * Math.ceil(ny / s) * Math.ceil(nz / s) > maxVoxels) s++;
  const [mx, my, mz] = [Math.ceil(nx / s), Math.ceil(ny / s), Math.ceil(nz / s)];
  const src = image.data();
  const offset = frame * nx * ny * nz;
  const out = new Float32Array(mx * my * mz);
  for (let z = 0; z < mz; z++) {
    for (let y = 0; y < my; y++) {
      for (let x = 0; x < mx; x++) {
        let sum = 0;
        let count = 0;
        for (let dz = 0; dz < s && z * s + dz < nz; dz++) {
          for (let dy = 0; dy < s && y * s + dy < ny; dy++) {
            for (let dx = 0; dx < s && x * s + dx < nx; dx++) {
              const v = src[offset + x * s + dx + nx * (y * s + dy + ny * (z * s + dz))];
              if (Number.isFinite(v)) {
                sum += v;
                count++;
              }
            }
          }
        }
        out[x + mx * (y + my * z)] = count ? sum / count : 0;
      }
    }
  }
  const a = image.affine;
  const shift = (s - 1) / 2;
  const affine = a.map((row, r) =>
    r < 3 ? [row[0] * s, row[1] * s, row[2] * s, row[3] + (row[0] + row[1] + row[2]) * shift] : [...row]
  );
  return createImage({ data: out, shape: [mx, my, mz], affine });
}

/** The path Jupyter should fetch for `image`, relative to the notebook folder `cwd`, writing a copy if needed. */
export async function servedPath(image: NiftiImage, cwd: string): Promise<{ path: string; bytes: number }> {
  if (image.file && /\.nii(\.gz)?$/i.test(image.file)) {
    const rel = path.relative(cwd, path.resolve(image.file));
    if (!rel.startsWith('..') && !path.isAbsolute(rel))
      return { path: rel.split(path.sep).join('/'), bytes: fs.statSync(image.file).size };
  }
  // Named by content, so showing the same volume twice writes it once.
  const raw = encodeData(image, true);
  const hash = createHash('sha256')
    .update(raw)
    .update(JSON.stringify([image.shape, image.affine, image.datatype]))
    .digest('hex')
    .slice(0, 16);
  const rel = `${VIEWS_DIR}/${hash}.nii.gz`;
  const file = path.join(cwd, rel);
  if (!fs.existsSync(file)) await writeNifti(file, image);
  return { path: rel, bytes: fs.statSync(file).size };
}
