/**
 * openBids on raw and fMRIPrep-style layouts (sessions, spaces, resolutions, masks, sidecar
 * inheritance, participants join, every skipped file with its reason), and the validator's
 * pass/warn/fail rows for the classic problems.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  openBids,
  check,
  formatCheckReport,
  parseBidsName,
  resolveSynthAssets,
  CheckReport
} from '../../kernel/data';
import { createImage, write, read } from '../../kernel/nifti';
import { DatasetError } from '../../kernel/errors';

let root: string;
const tiny = (tr = 2) =>
  createImage({ data: new Int16Array(4 * 4 * 3 * 5).fill(100), shape: [4, 4, 3, 5], tr });

async function put(rel: string, content: string | ReturnType<typeof createImage>): Promise<void> {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (typeof content === 'string') fs.writeFileSync(file, content);
  else await write(file, content);
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bids-'));
  // Raw part: sessions, a run without sessions, a top-level sidecar that every rest run inherits.
  await put('task-rest_bold.json', JSON.stringify({ RepetitionTime: 2.5 }));
  await put('sub-01/ses-a/func/sub-01_ses-a_task-rest_bold.nii.gz', tiny());
  await put('sub-01/ses-b/func/sub-01_ses-b_task-rest_bold.nii.gz', tiny());
  await put('sub-01/ses-b/func/sub-01_ses-b_task-rest_bold.json', JSON.stringify({ RepetitionTime: 0.72 }));
  await put('sub-02/func/sub-02_task-rest_bold.nii', tiny(3));
  // fMRIPrep-style derivatives of sub-03: several spaces and resolutions of one acquisition.
  const d = 'sub-03/func/sub-03_task-motor_run-1';
  await put(`${d}_space-MNI152NLin2009cAsym_res-2_desc-preproc_bold.nii.gz`, tiny());
  await put(`${d}_space-MNI152NLin2009cAsym_res-1_desc-preproc_bold.nii.gz`, tiny());
  await put(
    `${d}_space-MNI152NLin2009cAsym_res-2_desc-brain_mask.nii.gz`,
    createImage({ data: new Uint8Array(48).fill(1), shape: [4, 4, 3] })
  );
  await put(`${d}_space-T1w_desc-preproc_bold.nii.gz`, tiny());
  await put(`${d}_space-MNI152NLin2009cAsym_res-2_boldref.nii.gz`, tiny());
  await put(`${d}_space-MNI152NLin2009cAsym_res-2_desc-smoothAROMAnonaggr_bold.nii.gz`, tiny());
  // Problems: a broken file, a subject mismatch, a 3D "bold".
  await put('sub-04/func/sub-04_task-rest_bold.nii.gz', 'not a nifti at all');
  await put('sub-05/func/sub-06_task-rest_bold.nii.gz', tiny());
  await put(
    'sub-07/func/sub-07_task-rest_bold.nii.gz',
    createImage({ data: new Int16Array(48), shape: [4, 4, 3] })
  );
  await put(
    'participants.tsv',
    'participant_id\tsex\tage\nsub-01\tF\t30\nsub-02\tM\tn/a\n03\tF\t41\nsub-99\tM\t50\n'
  );
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('BIDS names parse into entities and suffix', () => {
  expect(parseBidsName('sub-01_ses-a_task-rest_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz')).toEqual({
    entities: { sub: '01', ses: 'a', task: 'rest', space: 'MNI152NLin6Asym', desc: 'preproc' },
    suffix: 'bold',
    extension: '.nii.gz'
  });
});

test('runs, TR from inherited sidecars, masks and the participants join', async () => {
  const ds = await openBids(root);
  const rel = (f: string) => path.relative(root, f);
  expect(ds.runs.map(r => rel(r.file))).toEqual([
    'sub-01/ses-a/func/sub-01_ses-a_task-rest_bold.nii.gz',
    'sub-01/ses-b/func/sub-01_ses-b_task-rest_bold.nii.gz',
    'sub-02/func/sub-02_task-rest_bold.nii',
    'sub-03/func/sub-03_task-motor_run-1_space-MNI152NLin2009cAsym_res-2_desc-preproc_bold.nii.gz'
  ]);
  const [a, b, two, three] = ds.runs;
  expect([a.session, a.sidecarTr, a.headerTr]).toEqual(['ses-a', 2.5, 2]);
  // The run's own sidecar overrides the inherited one.
  expect(b.sidecarTr).toBe(0.72);
  expect(b.sidecars.map(rel)).toEqual([
    'task-rest_bold.json',
    'sub-01/ses-b/func/sub-01_ses-b_task-rest_bold.json'
  ]);
  expect([two.session, two.sidecarTr, two.headerTr]).toEqual([null, 2.5, 3]);
  expect(three.space).toBe('MNI152NLin2009cAsym');
  expect(three.sidecarTr).toBeNull();
  expect(rel(three.mask as string)).toMatch(/res-2_desc-brain_mask\.nii\.gz$/);
  expect(a.participant).toEqual({ participant_id: 'sub-01', sex: 'F', age: '30' });
  expect(two.participant?.age).toBeNull();
  expect(three.participant?.age).toBe('41');
  expect(ds.notes).toEqual(['participants.tsv rows without usable runs: sub-99']);
});

test('every skipped file is reported with its reason', async () => {
  const ds = await openBids(root);
  const reasons = Object.fromEntries(ds.skipped.map(s => [path.basename(s.file), s.reason]));
  expect(reasons).toEqual({
    'sub-03_task-motor_run-1_space-MNI152NLin2009cAsym_res-1_desc-preproc_bold.nii.gz': expect.stringMatching(
      /same acquisition as .*res-2_desc-preproc_bold/
    ),
    'sub-03_task-motor_run-1_space-T1w_desc-preproc_bold.nii.gz': expect.stringMatching(
      /space-T1w is not an MNI152 space/
    ),
    'sub-03_task-motor_run-1_space-MNI152NLin2009cAsym_res-2_boldref.nii.gz':
      'suffix _boldref is not a BOLD run (_bold)',
    'sub-03_task-motor_run-1_space-MNI152NLin2009cAsym_res-2_desc-smoothAROMAnonaggr_bold.nii.gz':
      expect.stringMatching(/desc-smoothAROMAnonaggr is not the preprocessed BOLD/),
    'sub-04_task-rest_bold.nii.gz': expect.stringMatching(/unreadable NIfTI header: .*sizeof_hdr/),
    'sub-06_task-rest_bold.nii.gz': 'filename subject sub-06 does not match its folder sub-05',
    'sub-07_task-rest_bold.nii.gz': 'not a 4D time series (shape 4x4x3)'
  });
});

test('not a dataset, or a broken participants.tsv: typed errors', async () => {
  await expect(openBids(path.join(root, 'nope'))).rejects.toThrow(DatasetError);
  const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bids-bad-'));
  try {
    await expect(openBids(bad)).rejects.toThrow(/no sub-\* folders/);
    fs.mkdirSync(path.join(bad, 'sub-01/func'), { recursive: true });
    fs.writeFileSync(path.join(bad, 'participants.tsv'), 'participant_id\tsex\nsub-01 F\n');
    await expect(openBids(bad)).rejects.toThrow(/line 2 has 1 cells; the header has 2/);
  } finally {
    fs.rmSync(bad, { recursive: true, force: true });
  }
});

function statuses(report: CheckReport, run: RegExp): Record<string, string> {
  return Object.fromEntries(
    report.rows.filter(r => run.test(r.run)).map(r => [r.check, `${r.status}: ${r.value}`])
  );
}

test('the validator: pass/warn/fail with reasons for space, grid, TR, frames, coverage, intensity', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-check-'));
  try {
    const mask = await read(resolveSynthAssets().mask);
    const fsl = mask.affine;
    const brain = (frames: number, value: number) => {
      const data = new Int16Array(mask.raw.length * frames);
      for (let t = 0; t < frames; t++)
        for (let v = 0; v < mask.raw.length; v++) data[t * mask.raw.length + v] = mask.raw[v] ? value + t : 0;
      return data;
    };
    const rasAffine = [
      [2, 0, 0, -90],
      [0, 2, 0, -126],
      [0, 0, 2, -72],
      [0, 0, 0, 1]
    ];
    const ok = createImage({
      data: brain(40, 900),
      shape: [91, 109, 91, 40],
      affine: fsl,
      tr: 0.8,
      sformCode: 4,
      qformCode: 4
    });
    const flipped = new Int16Array(ok.raw.length);
    // The same brain stored RAS: x reversed.
    for (let i = 0; i < ok.raw.length; i++) {
      const x = i % 91;
      flipped[i - x + (90 - x)] = ok.raw[i] as number;
    }
    const files: [string, ReturnType<typeof createImage>, string?][] = [
      ['sub-01/func/sub-01_task-rest_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz', ok],
      [
        'sub-02/func/sub-02_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz',
        createImage({ data: flipped, shape: [91, 109, 91, 40], affine: rasAffine, tr: 0.8 })
      ],
      [
        'sub-03/func/sub-03_task-rest_bold.nii.gz',
        createImage({ data: new Int16Array(10 * 10 * 10 * 12).fill(5), shape: [10, 10, 10, 12], tr: 2000 }),
        '{"RepetitionTime": 2000}'
      ],
      [
        'sub-04/func/sub-04_task-rest_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz',
        createImage({
          data: new Int16Array(91 * 109 * 91 * 30),
          shape: [91, 109, 91, 30],
          affine: fsl,
          tr: 1.6,
          sformCode: 4
        })
      ]
    ];
    for (const [rel, image, sidecar] of files) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      await write(path.join(dir, rel), image);
      if (sidecar) fs.writeFileSync(path.join(dir, rel.replace('.nii.gz', '.json')), sidecar);
    }
    const report = await check(dir);
    expect(statuses(report, /sub-01/)).toEqual({
      // 352-byte header + 91x109x91x40 int16 voxels: the data section is exactly as declared.
      data: `pass: ${352 + 91 * 109 * 91 * 40 * 2} bytes`,
      space: 'pass: MNI152NLin6Asym',
      orientation: 'pass: LAS, FSL 91x109x91 grid',
      'voxel size': 'pass: 2.00 x 2.00 x 2.00 mm',
      TR: 'warn: 0.8 s',
      frames: 'pass: 40 (40 at 0.8 s)',
      coverage: 'pass: 100.0% of the MNI brain',
      intensity: 'pass: mean 900.0, sd 0.000, 0.0% negative'
    });
    const s2 = statuses(report, /sub-02/);
    expect(s2.space).toMatch(/^warn: MNI152NLin2009cAsym/);
    expect(s2.orientation).toMatch(/^pass: reoriented 91x109x91 RAS/);
    expect(s2.coverage).toBe('pass: 100.0% of the MNI brain');
    const s3 = statuses(report, /sub-03/);
    expect(s3.space).toBe('fail: native / unknown');
    expect(s3.TR).toBe('warn: 2000 (sidecar)');
    expect(s3.frames).toBe('warn: 12 (30 at 0.8 s)');
    expect(s3.coverage).toMatch(/^fail: 0\.0% of the MNI brain/);
    const s4 = statuses(report, /sub-04/);
    expect(s4.intensity).toBe('fail: all zero');
    expect(s4.frames).toBe('pass: 30 (60 at 0.8 s)');
    // Space and coverage of the native run; coverage and intensity of the empty one.
    expect(report.summary.fail).toBe(4);
    const text = formatCheckReport(report);
    expect(text).toMatch(
      /sub-03_task-rest_bold\.nii\.gz +space +FAIL +native \/ unknown +not normalised to MNI152/
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
