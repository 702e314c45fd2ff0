/** The one converter between NIfTI order (x fastest) and row-major host tensors, against NumPy. */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { read, toRowMajor, fromRowMajor } from '../../kernel/nifti';

test('toRowMajor equals nibabel get_fdata().ravel(order="C"); fromRowMajor inverts it', async () => {
  const file = path.resolve(__dirname, '../../../shared/data/real/nibabel/functional.nii');
  const image = await read(file);
  const rowMajor = toRowMajor(image.data(), image.shape);
  const r = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import sys, nibabel as nib, numpy as np\nsys.stdout.buffer.write(nib.load(sys.argv[1]).get_fdata().astype("<f4").ravel(order="C").tobytes())',
      file
    ],
    { maxBuffer: 16 << 20 }
  );
  expect(r.status).toBe(0);
  const theirs = new Float32Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length / 4);
  let worst = 0;
  for (let i = 0; i < theirs.length; i++)
    worst = Math.max(worst, Math.abs(rowMajor[i] - theirs[i]) / Math.max(1, Math.abs(theirs[i])));
  expect(rowMajor.length).toBe(theirs.length);
  expect(worst).toBeLessThanOrEqual(1e-6);
  expect(Array.from(fromRowMajor(rowMajor, image.shape))).toEqual(Array.from(image.data()));
  // Shape [2, 3]: x-fastest [a00, a10, a01, a11, a02, a12] -> row-major [a00, a01, a02, a10, a11, a12].
  expect(Array.from(toRowMajor(Int16Array.from([0, 10, 1, 11, 2, 12]), [2, 3]))).toEqual([
    0, 1, 2, 10, 11, 12
  ]);
});
