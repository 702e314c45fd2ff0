/**
 * The embedded MNI assets (kernel/data/assets/): the public `data.assets()` path, what the files
 * hold (checked against nibabel + NumPy where a peer can say it), that the synthetic cohort defaults
 * to them, and that regenerating them from ../shared gives the shipped content.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as data from '../../kernel/data';
import * as nifti from '../../kernel/nifti';
import { EMBEDDED_FILES } from '../../kernel/data/embedded';
import { view } from '../../kernel/notebook/display/volume-view';
import { regionName } from '../../src/volume/readout';
import { python } from '../notebook/python-peer';
import { makeAssets, SHARED_REAL, SOURCES } from './make-assets';

const hasShared = fs.existsSync(SHARED_REAL);
const withShared = hasShared ? describe : describe.skip;

describe('data.assets()', () => {
  it('gives existing files on the FSL MNI 2 mm grid, and the synth defaults are these files', async () => {
    const a = data.assets();
    for (const file of Object.values(a)) expect(fs.existsSync(file)).toBe(true);
    for (const key of ['mask', 'template', 'atlas'] as const) {
      const img = await nifti.read(a[key]);
      expect(img.shape).toEqual([91, 109, 91]);
      expect(img.affine).toEqual(data.MNI_2MM_LAS.affine);
      expect(img.header.sformCode).toBe(4);
    }
    expect(data.resolveSynthAssets()).toEqual({ atlas: a.atlas, mask: a.mask });
    // Nothing of the default points outside the package (users have no ../shared).
    expect(a.atlas.startsWith(path.resolve(__dirname, '../../kernel/data/assets'))).toBe(true);
  });

  it('names every region of the atlas with its Schaefer 2018 name', async () => {
    const a = data.assets();
    const names = data.readLabelNames(a.atlasLabels);
    const map = data.labelMapOnGrid(await nifti.read(a.atlas), data.MNI_2MM_LAS);
    expect(map.labels).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(map.labels.every(v => names.has(v))).toBe(true);
    expect(names.get(1)).toBe('7Networks_LH_Vis_1');
    expect(names.get(100)).toBe('7Networks_RH_Default_pCunPCC_2');
    // Left precentral gyrus, hand knob (MNI -38, -22, 56): a left somatomotor parcel.
    const [i, j, k] = [(90 + 38) / 2, (-22 + 126) / 2, (56 + 72) / 2];
    const value = map.labels[map.regionOf[i + 91 * (j + 109 * k)]];
    expect(names.get(value)).toMatch(/^7Networks_LH_SomMot_\d+$/);
  });

  withShared('against the sources in ../shared (nibabel + NumPy)', () => {
    it('mask equals the shared derived brain mask, template is avg152T1 to within one uint8 step', () => {
      const a = data.assets();
      const r = python<{ maskDiff: number; maskSum: number; maxErr: number; step: number }>(
        [
          'import json, sys, numpy as np, nibabel as nib',
          'real, mask, tpl = json.loads(sys.stdin.read())',
          "ref_mask = np.asarray(nib.load(real + '/derived/MNI152_2mm_brainmask_from_avg152T1.nii.gz').dataobj)",
          'ours_mask = np.asarray(nib.load(mask).dataobj)',
          `src = nib.load(real + '/${SOURCES.template}').get_fdata()`,
          'ours = nib.load(tpl).get_fdata()',
          'step = src.max() / 255',
          'print(json.dumps({"maskDiff": int((ref_mask != ours_mask).sum()), "maskSum": int(ours_mask.sum()),',
          '  "maxErr": float(np.abs(ours - src).max()), "step": float(step)}))'
        ].join('\n'),
        JSON.stringify([SHARED_REAL, a.mask, a.template])
      );
      expect(r.maskDiff).toBe(0);
      expect(r.maskSum).toBe(228453);
      expect(r.maxErr).toBeLessThanOrEqual(r.step / 2 + 1e-3);
    });

    it('atlas equals Schaefer resampled onto the LAS grid by nearest neighbour through the affines', () => {
      const a = data.assets();
      const r = python<{ differing: number; regions: number; intent: number; dtype: string }>(
        [
          'import json, sys, numpy as np, nibabel as nib',
          'src_file, ours_file = json.loads(sys.stdin.read())',
          'src, ours = nib.load(src_file), nib.load(ours_file)',
          'lab = np.rint(src.get_fdata()).astype(int)',
          'm = np.linalg.inv(src.affine) @ ours.affine',
          'ijk = np.stack([x.ravel(order="F") for x in np.indices(ours.shape)])',
          's = np.rint(m[:3, :3] @ ijk + m[:3, 3:]).astype(int)',
          'ok = np.all((s >= 0) & (s < np.array(lab.shape)[:, None]), axis=0)',
          'ref = np.zeros(ijk.shape[1], int); ref[ok] = lab[s[0, ok], s[1, ok], s[2, ok]]',
          'got = np.asarray(ours.dataobj).ravel(order="F").astype(int)',
          'print(json.dumps({"differing": int((ref != got).sum()), "regions": int(np.unique(got[got > 0]).size),',
          '  "intent": int(ours.header["intent_code"]), "dtype": str(ours.get_data_dtype())}))'
        ].join('\n'),
        JSON.stringify([path.join(SHARED_REAL, SOURCES.schaeferAtlas), a.atlas])
      );
      expect(r).toEqual({ differing: 0, regions: 100, intent: 1002, dtype: 'uint8' });
    });

    it('regenerating from ../shared gives the shipped content', async () => {
      const write = process.env.NEUROSTORM_WRITE_ASSETS === '1';
      const out = write ? data.embeddedAssetsDir() : fs.mkdtempSync(path.join(os.tmpdir(), 'ns-assets-'));
      const summary = await makeAssets(SHARED_REAL, out);
      expect(summary).toEqual({ maskVoxels: 228453, templateMax: 8339, atlasRegions: 100 });
      for (const name of Object.values(EMBEDDED_FILES)) {
        const content = (dir: string) => {
          const bytes = fs.readFileSync(path.join(dir, name));
          return name.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes;
        };
        expect(content(out).equals(content(data.embeddedAssetsDir()))).toBe(true);
      }
      if (!write) fs.rmSync(out, { recursive: true, force: true });
    });
  });
});

describe('readLabelNames', () => {
  it('reads a BIDS-style TSV by its "name" column, with no Background offset', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-labels-'));
    const file = path.join(dir, 'atlas.tsv');
    fs.writeFileSync(file, 'index\tabbreviation\tname\n0\tbg\tBackground\n1\tPreCG\tPrecentral gyrus, left\n7\tV1\tCalcarine\n');
    expect([...data.readLabelNames(file)]).toEqual([
      [1, 'Precentral gyrus, left'],
      [7, 'Calcarine']
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the embedded atlas in the viewer', () => {
  it('ns.view over the template shows Schaefer region names in the crosshair readout', async () => {
    const a = data.assets();
    const shown = await view(a.template, { overlays: [{ image: a.atlas, role: 'atlas' }], maxEmbeddedBytes: 8 << 20 });
    const atlasLayer = shown.payload.layers.find(l => l.role === 'atlas');
    const labels = atlasLayer?.labels ?? {};
    expect(Object.keys(labels)).toHaveLength(100);
    // The voxel under the crosshair at the left hand knob (MNI -38, -22, 56), as the readout names it.
    const map = data.labelMapOnGrid(await nifti.read(a.atlas), data.MNI_2MM_LAS);
    const value = map.labels[map.regionOf[64 + 91 * (52 + 109 * 64)]];
    expect(regionName(labels, value)).toMatch(/^7Networks_LH_SomMot_\d+$/);
    // A label volume without a name table beside it gets none.
    const bare = await view(a.template, { overlays: [{ image: a.mask, role: 'atlas' }] });
    expect(bare.payload.layers[1].labels).toBeUndefined();
  });
});
