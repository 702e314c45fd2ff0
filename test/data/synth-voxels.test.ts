/**
 * The written synthetic cohort: BIDS layout, ground truth in participants.tsv, FSL-style LAS MNI
 * 2 mm NIfTIs, task labels, determinism per seed, and ROI means of the written voxels that follow
 * the generator's region signals. Also the CLI entries `neurostorm synth` and `neurostorm check`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  synth,
  synthRegionSeries,
  roiTimeSeries,
  resolveSynthAssets,
  openBids,
  readTsv,
  labelMapOnGrid,
  MNI_2MM_LAS
} from '../../kernel/data';
import { read, axisCodes } from '../../kernel/nifti';
import { pearson } from '../../kernel/eval/metrics';
import { DatasetError } from '../../kernel/errors';
import { runCli } from '../../kernel/cli/main';

const OPTIONS = { subjects: 2, sessions: 2, frames: 24, seed: 5, task: true };
let dir: string;
let result: Awaited<ReturnType<typeof synth>>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-synth-'));
  result = await synth({ out: path.join(dir, 'cohort'), ...OPTIONS });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('BIDS layout, sidecars, events and participants.tsv with the ground truth', async () => {
  const root = result.root;
  expect(result.runs.map(r => path.relative(root, r.file as string))).toEqual([
    'sub-01/ses-1/func/sub-01_ses-1_task-blocks_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz',
    'sub-01/ses-2/func/sub-01_ses-2_task-blocks_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz',
    'sub-02/ses-1/func/sub-02_ses-1_task-blocks_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz',
    'sub-02/ses-2/func/sub-02_ses-2_task-blocks_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz'
  ]);
  const table = readTsv(path.join(root, 'participants.tsv'));
  expect(table.columns).toEqual(['participant_id', 'sex', 'age', 'diagnosis', 'phenotype']);
  expect(table.rows.map(r => r.participant_id)).toEqual(['sub-01', 'sub-02']);
  result.participants.forEach((p, i) => {
    expect(table.rows[i].sex).toBe(p.sex);
    expect(Number(table.rows[i].age)).toBeCloseTo(p.age, 6);
    expect(Number(table.rows[i].diagnosis)).toBe(p.diagnosis);
  });
  // Balanced groups.
  expect(new Set(result.participants.map(p => p.sex)).size).toBe(2);
  const sidecar = JSON.parse(
    fs.readFileSync(
      path.join(
        root,
        'sub-01/ses-1/func/sub-01_ses-1_task-blocks_space-MNI152NLin6Asym_desc-preproc_bold.json'
      ),
      'utf8'
    )
  );
  expect(sidecar.RepetitionTime).toBe(0.8);
  const events = readTsv(path.join(root, 'sub-01/ses-1/func/sub-01_ses-1_task-blocks_events.tsv'));
  expect(events.rows[0]).toEqual({ onset: '9.60', duration: '9.60', trial_type: 'A' });
  expect(result.runs[0].frameLabels.slice(10, 14)).toEqual(['rest', 'rest', 'A', 'A']);
  const description = JSON.parse(fs.readFileSync(path.join(root, 'dataset_description.json'), 'utf8'));
  expect(description.DatasetType).toBe('derivative');
  const ds = await openBids(root);
  expect(ds.runs).toHaveLength(4);
  expect(ds.skipped).toEqual([]);
  expect(ds.runs[0].participant?.sex).toBe(result.participants[0].sex);
});

test('runs are int16 on the FSL MNI 2 mm LAS grid, TR 0.8 s, zero outside the brain', async () => {
  const image = await read(result.runs[0].file as string);
  expect(image.shape).toEqual([91, 109, 91, 24]);
  expect(image.affine).toEqual(MNI_2MM_LAS.affine);
  expect(axisCodes(image.affine)).toBe('LAS');
  expect(image.tr).toBe(0.8);
  expect(image.datatype).toBe(4);
  expect([image.header.qformCode, image.header.sformCode]).toEqual([4, 4]);
  const mask = await read(resolveSynthAssets().mask);
  const data = image.raw;
  let outside = 0;
  let inside = 0;
  for (let v = 0; v < mask.raw.length; v++) {
    if (mask.raw[v] === 0 && data[v] !== 0) outside++;
    if (mask.raw[v] !== 0 && data[v] > 500) inside++;
  }
  expect(outside).toBe(0);
  expect(inside).toBe(228453);
});

test('ROI means of the written voxels follow the generator region signals', async () => {
  const image = await read(result.runs[0].file as string);
  // The atlas the cohort was generated with: the embedded default (Schaefer 2018, 100 parcels).
  const roi = roiTimeSeries(image, labelMapOnGrid(await read(resolveSynthAssets().atlas), MNI_2MM_LAS));
  const truth = await synthRegionSeries(OPTIONS);
  expect(roi.labels).toEqual(truth.labels);
  const r = roi.series.map((s, i) => pearson(s, truth.runs[0].series[i])).sort((a, b) => a - b);
  expect(r[Math.floor(r.length / 2)]).toBeGreaterThan(0.95);
  // Regions with at least 100 voxels all track their signal (spike gradients and noise aside).
  const big = roi.series
    .map((s, i) => ({ r: pearson(s, truth.runs[0].series[i]), n: roi.voxels[i] }))
    .filter(x => x.n >= 100);
  expect(Math.min(...big.map(x => x.r))).toBeGreaterThan(0.75);
});

test('same seed, same voxels; another seed differs', async () => {
  const again = await synth({ out: path.join(dir, 'again'), ...OPTIONS, subjects: 2, sessions: 1 });
  const a = await read(result.runs[0].file as string);
  const b = await read(again.runs[0].file as string);
  expect(Buffer.from(a.raw.buffer).equals(Buffer.from(b.raw.buffer))).toBe(true);
  const other = await synth({ out: path.join(dir, 'other'), ...OPTIONS, subjects: 2, sessions: 1, seed: 6 });
  const c = await read(other.runs[0].file as string);
  expect(Buffer.from(a.raw.buffer).equals(Buffer.from(c.raw.buffer))).toBe(false);
});

test('missing atlas or mask: typed error with a hint; non-empty output refused', async () => {
  await expect(synth({ out: path.join(dir, 'x'), atlas: path.join(dir, 'nope.nii.gz') })).rejects.toThrow(
    DatasetError
  );
  await expect(synth({ out: path.join(dir, 'x'), atlas: path.join(dir, 'nope.nii.gz') })).rejects.toThrow(
    /atlas for the synthetic cohort not found/
  );
  await expect(synth({ out: result.root, ...OPTIONS })).rejects.toThrow(/not empty.*--overwrite/);
});

test('CLI: neurostorm synth writes a cohort with progress; neurostorm check passes it', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: process.env };
  const target = path.join(dir, 'cli');
  expect(
    await runCli(
      ['synth', '--out', target, '--subjects', '2', '--sessions', '1', '--frames', '20', '--seed', '2'],
      io
    )
  ).toBe(0);
  expect(err).toEqual(['synth 1/2 sub-01 ses-1', 'synth 2/2 sub-02 ses-1']);
  expect(out.join('\n')).toMatch(/wrote 2 runs of 2 subjects/);
  out.length = 0;
  expect(await runCli(['check', target], io)).toBe(0);
  expect(out.join('\n')).toMatch(/16 checks: 14 pass, 2 warn, 0 fail/);
  expect(await runCli(['synth'], io)).toBe(2);
  expect(await runCli(['check'], io)).toBe(2);
});
