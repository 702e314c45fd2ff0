import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { view } from '../../kernel/notebook/display/volume-view';
import { downsample } from '../../kernel/notebook/display/volume-source';
import { onBaseGrid } from '../../kernel/notebook/display/on-grid';
import { montageLabels, renderMontage, robustWindow } from '../../kernel/notebook/display/raster/volume-montage';
import { MIME_BUNDLE } from '../../kernel/notebook/display/display';
import { VOLUME_MIME, VolumePayload } from '../../kernel/notebook/display/payload-types';
import { createImage } from '../../kernel/nifti';
import { PayloadError } from '../../kernel/errors';
import { python } from './python-peer';
import { SAMPLE_NII } from './kernel-process';

/** nibabel's reading of a NIfTI file: shape, affine, and a few statistics of the data. */
function nibabel(file: string): { shape: number[]; affine: number[][]; sum: number; first: number[] } {
  return python(
    `import json, nibabel as nib, numpy as np; img = nib.load(${JSON.stringify(file)}); d = np.asarray(img.dataobj, dtype=np.float64)
print(json.dumps({"shape": list(img.shape), "affine": img.affine.tolist(), "sum": float(d.sum()), "first": d.ravel(order="F")[:5].tolist()}))`
  );
}

describe('ns.view', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-view-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  // A 4D ramp: value = x + 10 y + 100 z + 1000 t on a 6x5x4x3 grid with 2 mm voxels.
  const shape = [6, 5, 4, 3];
  const data = new Float32Array(6 * 5 * 4 * 3);
  for (let t = 0, i = 0; t < 3; t++)
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 5; y++) for (let x = 0; x < 6; x++) data[i++] = x + 10 * y + 100 * z + 1000 * t;
  const affine = [
    [2, 0, 0, -6],
    [0, 2, 0, -5],
    [0, 0, 2, -4],
    [0, 0, 0, 1]
  ];
  const ramp = createImage({ data, shape, affine, tr: 0.8 });

  it('embeds a small volume as a gzipped NIfTI that nibabel reads back exactly', async () => {
    const v = await view(ramp, { title: 'ramp', frame: 1, notebookDir: work });
    const b = v[MIME_BUNDLE]();
    const payload = b.data[VOLUME_MIME] as VolumePayload;
    expect(payload).toMatchObject({
      version: 1,
      title: 'ramp',
      shape,
      tr: 0.8,
      frame: 1,
      view: 'multiplanar'
    });
    expect(payload.affine).toEqual(affine);
    const src = payload.layers[0].source;
    expect(src.kind).toBe('embedded');
    if (src.kind !== 'embedded') return;
    const file = path.join(work, 'embedded.nii');
    fs.writeFileSync(file, gunzipSync(Buffer.from(src.data, 'base64')));
    const peer = nibabel(file);
    expect(peer.shape).toEqual(shape);
    expect(peer.affine).toEqual(affine);
    expect(peer.sum).toBe(data.reduce((a, b) => a + b, 0));
    expect(peer.first).toEqual([0, 1, 2, 3, 4]);
    expect(b.data['text/plain']).toMatch(
      /^Volume "ramp": 6x5x4x3, TR 0\.8 s, frame 1\n  ramp: embedded \d+ B$/
    );
  });

  it('references a large volume by path under the notebook folder, with a downsampled preview', async () => {
    const v = await view(SAMPLE_NII, { maxEmbeddedBytes: 65536, notebookDir: work });
    const payload = v[MIME_BUNDLE]().data[VOLUME_MIME] as VolumePayload;
    const layer = payload.layers[0];
    expect(layer.source.kind).toBe('path');
    if (layer.source.kind !== 'path' || !layer.preview)
      throw new Error('expected a path source with a preview');
    // The sample lives outside the notebook folder, so a copy is written there and served.
    const copy = path.join(work, layer.source.path);
    expect(layer.source.path).toMatch(/^neurostorm-views\/[0-9a-f]{16}\.nii\.gz$/);
    const original = nibabel(SAMPLE_NII);
    expect(nibabel(copy)).toEqual(original);
    expect(layer.preview.bytes).toBeLessThan(65536);
    const previewFile = path.join(work, 'preview.nii');
    fs.writeFileSync(previewFile, gunzipSync(Buffer.from(layer.preview.data, 'base64')));
    const preview = nibabel(previewFile);
    // 91x109x91 averaged in blocks of 3: 31x37x31, voxels 3x as large, centred on their blocks.
    expect(preview.shape).toEqual([31, 37, 31]);
    for (let r = 0; r < 3; r++) {
      expect(preview.affine[r][r]).toBeCloseTo(original.affine[r][r] * 3, 5);
      expect(preview.affine[r][3]).toBeCloseTo(original.affine[r][3] + original.affine[r][r], 5);
    }
  });

  it('block-averages previews: each preview voxel is the mean of its block', () => {
    const small = downsample(ramp, 2, 6 * 5 * 4 - 1);
    expect(small.shape).toEqual([3, 3, 2]);
    // Block (0..1, 0..1, 0..1) of frame 2: mean of x + 10y + 100z + 2000 = 0.5 + 5 + 50 + 2000.
    expect(small.data()[0]).toBeCloseTo(2055.5, 4);
  });

  it('refuses a frame the image does not have', async () => {
    await expect(view(ramp, { frame: 3 })).rejects.toThrow(PayloadError);
  });

  it('draws mid-slices through the window in world space (RAS: +x to the right), overlays blended on top', () => {
    // value = x on an 8x8x8 grid; a mask covering x >= 4 at opacity 1 is pure red there.
    const base = new Float32Array(512).map((_, i) => i % 8);
    const mask = new Float32Array(512).map((_, i) => (i % 8 >= 4 ? 1 : 0));
    const canvas = renderMontage({
      title: 't',
      shape: [8, 8, 8],
      frame: 0,
      layers: [
        { data: base, role: 'base', colormap: 'gray', opacity: 1, window: { min: 0, max: 7 } },
        { data: mask, role: 'mask', colormap: 'red', opacity: 1, window: { min: 0, max: 1 } }
      ]
    });
    // Panels: sagittal (y, z), coronal (x, z), axial (x, y), each 200 px, 4 px apart, below a 20 px title.
    const at = (x: number, y: number) => Array.from(canvas.pixels.slice((y * canvas.width + x) * 3, (y * canvas.width + x) * 3 + 3));
    const axialLeft = 4 + 200 + 4 + 200 + 4;
    expect(at(axialLeft + 5, 120)).toEqual([0, 0, 0]); // x = 0: the window minimum
    expect(at(axialLeft + 60, 120)).toEqual([73, 73, 73]); // x = 2: 2/7 of the gray ramp
    expect(at(axialLeft + 195, 120)).toEqual([255, 60, 60]); // x = 7, under the mask
    // The sagittal panel cuts at x = 4 (mid), which the mask covers.
    expect(at(100, 120)).toEqual([255, 60, 60]);
  });

  it('draws a LAS image with the subject\'s left on the left and labels cuts in mm, as nilearn', () => {
    // value = i on an 8x8x8 LAS grid (world x = 7 - 2i): the panel's left edge is world x = -8.5 mm,
    // i.e. the highest i. Cuts go through voxel (4, 4, 4): world (-1, 8, -6).
    const base = new Float32Array(512).map((_, i) => i % 8);
    const las = [
      [-2, 0, 0, 7],
      [0, 2, 0, 0],
      [0, 0, 2, -14],
      [0, 0, 0, 1]
    ];
    const layers = [{ data: base, role: 'base' as const, colormap: 'gray', opacity: 1, window: { min: 0, max: 7 } }];
    const canvas = renderMontage({ title: 't', shape: [8, 8, 8], affine: las, frame: 0, layers });
    const at = (x: number, y: number) => Array.from(canvas.pixels.slice((y * canvas.width + x) * 3, (y * canvas.width + x) * 3 + 3));
    const axialLeft = 4 + 200 + 4 + 200 + 4;
    expect(at(axialLeft + 5, 120)).toEqual([255, 255, 255]); // i = 7: the left-most voxel
    expect(at(axialLeft + 195, 120)).toEqual([0, 0, 0]); // i = 0: the right-most voxel
    // The same picture as the RAS copy of the data (flipped along i): orientation comes from the affine.
    const flipped = new Float32Array(512).map((_, i) => 7 - (i % 8));
    const ras = renderMontage({
      title: 't',
      shape: [8, 8, 8],
      affine: [[2, 0, 0, -7], [0, 2, 0, 0], [0, 0, 2, -14], [0, 0, 0, 1]],
      frame: 0,
      layers: [{ ...layers[0], data: flipped }]
    });
    // Coronal and axial panels (right of the sagittal one) cut the same world planes: identical.
    const rightOf = (c: typeof canvas) => {
      const rows: number[] = [];
      for (let y = 0; y < c.height; y++) rows.push(...c.pixels.slice((y * c.width + 208) * 3, (y + 1) * c.width * 3));
      return rows;
    };
    expect(rightOf(ras)).toEqual(rightOf(canvas));
    expect(montageLabels({ title: 't', shape: [8, 8, 8], affine: las, frame: 0, layers })).toEqual(['x=-1', 'y=8', 'z=-6']);
    expect(montageLabels({ title: 't', shape: [8, 8, 8, 3], affine: las, frame: 2, layers })[2]).toBe('z=-6 t=2');
    // L and R marks: white letter pixels in the top corners of the coronal and axial panels only.
    const lasWithDarkTop = renderMontage({ title: 't', shape: [8, 8, 8], affine: las, frame: 0, layers: [{ ...layers[0], data: new Float32Array(512) }] });
    const atDark = (x: number, y: number) => Array.from(lasWithDarkTop.pixels.slice((y * lasWithDarkTop.width + x) * 3, (y * lasWithDarkTop.width + x) * 3 + 3));
    const marks = (x0: number, x1: number) => {
      let count = 0;
      for (let y = 22; y < 30; y++) for (let x = x0; x < x1; x++) if (atDark(x, y).join() === '255,255,255') count++;
      return count;
    };
    expect(marks(4, 14)).toBe(0); // sagittal: no L/R
    expect(marks(208, 218)).toBeGreaterThan(0); // coronal: L
    expect(marks(400, 410)).toBeGreaterThan(0); // coronal: R
    expect(marks(axialLeft, axialLeft + 10)).toBeGreaterThan(0); // axial: L
  });

  it('resamples an overlay on another grid onto the base grid for the PNG (nibabel resample_from_to as peer)', async () => {
    // Base: 12x12x8 at 2 mm; overlay: a smooth map on a 5x6x4 grid at 4 mm, shifted by 1 mm.
    const baseAffine = [[2, 0, 0, -9], [0, 2, 0, -11], [0, 0, 2, -7], [0, 0, 0, 1]];
    const overAffine = [[4, 0, 0, -8], [0, 4, 0, -10], [0, 0, 4, -6], [0, 0, 0, 1]];
    const over = new Float32Array(5 * 6 * 4).map((_, i) => (i % 5) + 3 * (Math.floor(i / 5) % 6) + 7 * Math.floor(i / 30));
    const baseImg = createImage({ data: new Float32Array(12 * 12 * 8).fill(1), shape: [12, 12, 8], affine: baseAffine });
    const overImg = createImage({ data: over, shape: [5, 6, 4], affine: overAffine });
    const basePath = path.join(work, 'grid-base.nii');
    const overPath = path.join(work, 'grid-over.nii');
    const { write } = await import('../../kernel/nifti');
    await write(basePath, baseImg);
    await write(overPath, overImg);
    const linear = onBaseGrid(overImg, baseImg, 0, 'linear');
    const nearest = onBaseGrid(overImg, baseImg, 0, 'nearest');
    const peer = python<{ linear: (number | null)[]; nearest: (number | null)[] }>(
      `import json, nibabel as nib, numpy as np
from nibabel.processing import resample_from_to
b = nib.load(${JSON.stringify(basePath)}); o = nib.load(${JSON.stringify(overPath)})
lin = resample_from_to(o, b, order=1, mode="constant", cval=np.nan).get_fdata().ravel(order="F")
near = resample_from_to(o, b, order=0, mode="constant", cval=np.nan).get_fdata().ravel(order="F")
f = lambda a: [None if np.isnan(v) else float(v) for v in a]
print(json.dumps({"linear": f(lin), "nearest": f(near)}))`
    );
    let compared = 0;
    peer.linear.forEach((v, i) => {
      if (v === null) return; // scipy leaves the outer half-voxel rim empty; we extend the edge there
      expect(linear[i]).toBeCloseTo(v, 4);
      compared++;
    });
    expect(compared).toBeGreaterThan(400);
    let same = 0;
    peer.nearest.forEach((v, i) => {
      // Exact .5 ties round differently (numpy to even); the grids here put no centre on a tie.
      if (v === null) return;
      expect(nearest[i]).toBe(v);
      same++;
    });
    expect(same).toBe(compared);
    // Beyond the overlay's field of view (base voxels past its far corner) there is nothing to draw.
    expect(Number.isNaN(nearest[nearest.length - 1])).toBe(true);
    // ns.view now says the overlay was resampled instead of leaving it out of the PNG.
    const shown = await view(basePath, { overlays: [{ image: overPath, role: 'overlay' }] });
    expect(shown[MIME_BUNDLE]().data['text/plain']).toMatch(/resampled onto the base grid for the PNG: grid-over/);
  });

  it('chooses a robust window from percentiles', () => {
    const values = new Float32Array(1000).map((_, i) => i);
    values[999] = 1e9;
    // Nearest-rank percentiles of 1000 sorted values: index floor(0.02 * 999) = 19 and floor(0.98 * 999) = 979.
    expect(robustWindow(values)).toEqual({ min: 19, max: 979 });
  });
});
