/**
 * ROI time series (atlas on another grid, through the affines) and functional connectivity, each
 * against nibabel + NumPy; the real nitime ROI series for FC.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { roiTimeSeries, correlationMatrix, connectivityFeatures, readLabelNames } from '../../kernel/data';
import { read } from '../../kernel/nifti';

const REAL = path.resolve(__dirname, '../../../shared/data/real');

function python(script: string, args: string[]): unknown {
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

test('ROI means of a 4 mm run with the 2 mm AAL3 atlas equal a nibabel + NumPy nearest-neighbour version', async () => {
  const run = path.join(REAL, 'nibabel/functional.nii');
  const atlas = path.join(REAL, 'neurostorm/aal3_166/atlas.nii.gz');
  const ours = roiTimeSeries(await read(run), await read(atlas));
  const theirs = python(
    [
      'import json, sys, numpy as np, nibabel as nib',
      'run, atl = nib.load(sys.argv[1]), nib.load(sys.argv[2])',
      'd = run.get_fdata(); lab = np.rint(atl.get_fdata()).astype(int)',
      'm = np.linalg.inv(atl.affine) @ run.affine',
      'ijk = np.stack([a.ravel(order="F") for a in np.indices(d.shape[:3])])',
      'src = np.rint(m[:3, :3] @ ijk + m[:3, 3:]).astype(int)',
      'ok = np.all((src >= 0) & (src < np.array(lab.shape)[:, None]), axis=0)',
      'labels = np.zeros(ijk.shape[1], int); labels[ok] = lab[src[0, ok], src[1, ok], src[2, ok]]',
      'flat = d.reshape(-1, d.shape[3], order="F")',
      'out = {int(l): flat[labels == l].mean(axis=0).tolist() for l in np.unique(labels) if l > 0}',
      'print(json.dumps(out))'
    ].join('\n'),
    [run, atlas]
  ) as Record<string, number[]>;
  expect(ours.labels).toEqual(Object.keys(theirs).map(Number));
  ours.labels.forEach((label, r) =>
    theirs[label].forEach((v, t) => expect(ours.series[r][t]).toBeCloseTo(v, 3))
  );
});

test('FC on real ROI series (nitime) equals numpy.corrcoef; features are its Fisher-z upper triangle', () => {
  const csv = fs.readFileSync(path.join(REAL, 'nitime/fmri_timeseries.csv'), 'utf8').trim().split('\n');
  const rows = csv.slice(1).map(l => l.split(',').map(Number));
  const series = rows[0].map((_, r) => Float64Array.from(rows, row => row[r]));
  const ours = correlationMatrix(series);
  const theirs = python(
    'import json, sys, numpy as np\nx = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)\nprint(json.dumps(np.corrcoef(x.T).ravel().tolist()))',
    [path.join(REAL, 'nitime/fmri_timeseries.csv')]
  ) as number[];
  expect(ours.length).toBe(31 * 31);
  theirs.forEach((v, i) => expect(ours[i]).toBeCloseTo(v, 12));
  const features = connectivityFeatures(ours, 31);
  expect(features.length).toBe((31 * 30) / 2);
  expect(features[0]).toBeCloseTo(Math.atanh(theirs[1]), 12);
  expect(features[features.length - 1]).toBeCloseTo(Math.atanh(theirs[29 * 31 + 30]), 12);
});

test('label names: off-by-one "Background" tables are shifted', () => {
  const schaefer = readLabelNames(path.join(REAL, 'neurostorm/schaefer_100_7net/labels.csv'));
  expect(schaefer.get(1)).toBe('7Networks_LH_Vis_1');
  expect(schaefer.size).toBe(100);
  const aal = readLabelNames(path.join(REAL, 'neurostorm/aal3_166/labels.csv'));
  expect(aal.get(1)).toBe('ROI_0');
});
