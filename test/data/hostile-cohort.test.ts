/**
 * Issue 14, items 4, 6 and 9 (data side): one bad run in a cohort, `check` on truncated data,
 * two processes preprocessing one dataset, duplicate participants rows, symlinked subject folders.
 * Every faulty input is made here from a small valid run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { spawn, spawnSync } from 'child_process';
import { check, openBids, preprocess, readCacheHeader, MNI_2MM_LAS, Random } from '../../kernel/data';
import { createImage, write } from '../../kernel/nifti';
import { DatasetError, DiskFullError, PartialFailureError } from '../../kernel/errors';
import { withDiskQuota } from '../io/disk-full';
import { TS_REGISTER } from '../io/child-process';

const SHAPE = [24, 28, 24, 6];

/** A small positive run on the MNI 2 mm affine (a corner of the FSL grid), TR 0.8 s. */
async function writeRun(file: string, seed: number): Promise<void> {
  const rng = new Random(seed);
  const data = new Float32Array(SHAPE.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = 800 + 100 * rng.uniform();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await write(file, createImage({ data, shape: SHAPE, affine: MNI_2MM_LAS.affine, tr: 0.8 }), { gzipLevel: 1 });
}

const runPath = (root: string, sub: string, ext = '.nii') => path.join(root, `sub-${sub}`, 'func', `sub-${sub}_task-rest_bold${ext}`);

/** Six subjects; sub-03 is cut in the middle of its voxel data. */
async function cohortWithTruncatedRun(): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-cohort-'));
  for (let s = 1; s <= 6; s++) await writeRun(runPath(root, `0${s}`), s);
  const bad = runPath(root, '03');
  fs.truncateSync(bad, Math.floor(fs.statSync(bad).size / 2));
  return root;
}

describe('one bad run does not stop a cohort (issue 14, item 4)', () => {
  it('preprocesses every good run, then reports the bad one with its reason', async () => {
    const root = await cohortWithTruncatedRun();
    const err = await preprocess(root).catch(e => e);
    expect(err).toBeInstanceOf(PartialFailureError);
    expect(err.code).toBe('E_PARTIAL');
    expect(err.failures).toHaveLength(1);
    expect(err.failures[0].file).toBe(runPath(root, '03'));
    expect(err.failures[0].code).toBe('E_NIFTI');
    expect(err.failures[0].reason).toMatch(/truncated/);
    expect(err.message).toMatch(/1 of 6 runs could not be preprocessed \(the other 5 are cached\): sub-03\/func\/sub-03_task-rest_bold\.nii: .*truncated/);
    // The runs after the bad one were processed; a rerun reuses all five.
    const cacheDir = path.join(root, 'derivatives', 'neurostorm');
    for (const s of ['01', '02', '04', '05', '06']) expect((await readCacheHeader(path.join(cacheDir, `sub-${s}_task-rest.nsframes`))).frames).toBe(6);
    const report = await preprocess(root, { allowFailures: true });
    expect(report.runs.map(r => r.run.subject)).toEqual(['sub-01', 'sub-02', 'sub-04', 'sub-05', 'sub-06']);
    expect(report.runs.every(r => r.reused)).toBe(true);
    expect(report.failures.map(f => f.run.subject)).toEqual(['sub-03']);
    expect(fs.readdirSync(cacheDir).filter(n => n.startsWith('.'))).toEqual([]);
  });

  it('check fails truncated data (plain size, cut gzip stream, gzip shorter than its header) and checks the rest', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-check-'));
    for (const s of ['01', '02', '03', '04']) await writeRun(runPath(root, s, '.nii.gz'), Number(s));
    // 02: plain .nii cut short (only the first frames present; the first frame still reads).
    await writeRun(runPath(root, '02'), 2);
    fs.rmSync(runPath(root, '02', '.nii.gz'));
    const plain = runPath(root, '02');
    fs.truncateSync(plain, fs.statSync(plain).size - 1000);
    // 03: gzip stream cut (compressed bytes missing).
    const cut = runPath(root, '03', '.nii.gz');
    fs.writeFileSync(cut, fs.readFileSync(cut).subarray(0, Math.floor(fs.statSync(cut).size * 0.6)));
    // 04: a complete gzip stream of a file whose header claims more frames than it holds.
    const short = runPath(root, '04', '.nii.gz');
    const raw = zlib.gunzipSync(fs.readFileSync(short));
    raw.writeInt16LE(8, 48); // dim[4]: 6 -> 8 frames
    fs.writeFileSync(short, zlib.gzipSync(raw));
    const report = await check(root);
    const dataRow = (s: string) => report.rows.find(r => r.run.startsWith(`sub-${s}/`) && r.check === 'data')!;
    expect(dataRow('01').status).toBe('pass');
    expect(dataRow('02')).toMatchObject({ status: 'fail' });
    expect(dataRow('02').reason).toMatch(/truncated: the header declares voxel data up to byte \d+ but the file holds \d+ bytes/);
    expect(dataRow('03')).toMatchObject({ status: 'fail' });
    expect(dataRow('03').reason).toMatch(/gzip stream is corrupt or truncated/);
    expect(dataRow('04')).toMatchObject({ status: 'fail' });
    expect(dataRow('04').reason).toMatch(/but the gzip stream holds \d+ bytes \(75\.0% of the data\)/);
    // The other checks still ran for every run that could be read.
    expect(report.rows.filter(r => r.run.startsWith('sub-01/')).map(r => r.check)).toEqual(['data', 'space', 'orientation', 'voxel size', 'TR', 'frames', 'coverage', 'intensity']);
  });
});

describe('a full disk stops preprocessing with the file named (issue 14, item 9)', () => {
  it('DiskFullError for the cache being written; caches already there stay valid', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-full-'));
    for (let s = 1; s <= 3; s++) await writeRun(runPath(root, `0${s}`), s);
    const cacheDir = path.join(root, 'derivatives', 'neurostorm');
    const first = await preprocess(root);
    const before = fs.readFileSync(path.join(cacheDir, 'sub-02_task-rest.nsframes'));
    // Rebuild everything with room for one cache and a half: the second write hits the full disk.
    const err = await withDiskQuota(Math.floor(before.length * 1.5), () => preprocess(root, { force: true })).catch(e => e);
    expect(err).toBeInstanceOf(DiskFullError);
    expect(err.file).toBe(path.join(cacheDir, 'sub-02_task-rest.nsframes'));
    expect(err.message).toMatch(/the disk is full: could not write sub-02_task-rest\.nsframes/);
    expect(fs.readFileSync(path.join(cacheDir, 'sub-02_task-rest.nsframes')).equals(before)).toBe(true);
    expect(fs.readdirSync(cacheDir).sort()).toEqual(first.runs.map(r => path.basename(r.cache)).sort());
    expect((await preprocess(root)).runs.every(r => r.reused)).toBe(true);
  });
});

describe('two processes on one dataset share the work (issue 14, item 9)', () => {
  it('concurrent preprocess calls build each run once; the other waits and reuses it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-lock-'));
    for (let s = 1; s <= 4; s++) await writeRun(runPath(root, `0${s}`), s);
    // Same process, two jobs: a lock held by a live pid (ours) is honoured exactly as another process's.
    const [a, b] = await Promise.all([preprocess(root), preprocess(root)]);
    const built = [...a.runs, ...b.runs].filter(r => !r.reused).map(r => r.run.subject).sort();
    expect(built).toEqual(['sub-01', 'sub-02', 'sub-03', 'sub-04']);
    expect(a.runs).toHaveLength(4);
    expect(b.runs).toHaveLength(4);
    for (let i = 0; i < 4; i++) expect(a.runs[i].header.source).toEqual(b.runs[i].header.source);
  });

  it('two node processes started together: each run is built by one of them, the other reuses it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-lock2-'));
    for (let s = 1; s <= 4; s++) await writeRun(runPath(root, `0${s}`), s);
    const script = `require(${JSON.stringify(path.resolve(__dirname, '../../kernel/data/preprocess.ts'))})
      .preprocess(${JSON.stringify(root)}).then(r => process.stdout.write(JSON.stringify(r.runs.map(x => [x.run.subject, x.reused]))));`;
    const one = () =>
      new Promise<[string, boolean][]>((resolve, reject) => {
        const child = spawn(process.execPath, ['-r', TS_REGISTER, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', d => (out += d));
        child.on('exit', code => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
      });
    const [a, b] = await Promise.all([one(), one()]);
    expect(a.map(([s]) => s)).toEqual(['sub-01', 'sub-02', 'sub-03', 'sub-04']);
    expect(b.map(([s]) => s)).toEqual(['sub-01', 'sub-02', 'sub-03', 'sub-04']);
    // Every run built exactly once across the two processes.
    for (let i = 0; i < 4; i++) expect([a[i][1], b[i][1]].filter(reused => !reused)).toHaveLength(1);
  });

  it('takes over the lock of a process that died (kill -9) and cleans its temp files', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-lock-'));
    await writeRun(runPath(root, '01'), 1);
    const cacheDir = path.join(root, 'derivatives', 'neurostorm');
    fs.mkdirSync(cacheDir, { recursive: true });
    // A child that takes the lock and starts a cache file, then is killed before it finishes.
    const dead = spawnSync(process.execPath, ['-e', `
      const fs = require('fs'), os = require('os'), crypto = require('crypto');
      const host = crypto.createHash('sha256').update(os.hostname()).digest('hex').slice(0, 6);
      fs.writeFileSync(${JSON.stringify(path.join(cacheDir, '.sub-01_task-rest.nsframes.lock'))}, JSON.stringify({ host: os.hostname(), pid: process.pid, since: Date.now() }));
      fs.writeFileSync(${JSON.stringify(cacheDir)} + '/.sub-01_task-rest.nsframes.tmp-' + host + '-' + process.pid + '-0badc0de', Buffer.alloc(4096));
      process.kill(process.pid, 'SIGKILL');`]);
    expect(dead.signal).toBe('SIGKILL');
    expect(fs.readdirSync(cacheDir)).toHaveLength(2);
    const report = await preprocess(root);
    expect(report.runs[0].reused).toBe(false);
    expect(fs.readdirSync(cacheDir)).toEqual(['sub-01_task-rest.nsframes']);
  });
});

describe('participants and subject folders (issue 14, items 6 and 9)', () => {
  it('two participants.tsv rows for one subject ("02" and "sub-02") are an error naming both', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bids-'));
    await writeRun(runPath(root, '01'), 1);
    await writeRun(runPath(root, '02'), 2);
    fs.writeFileSync(path.join(root, 'participants.tsv'), 'participant_id\tage\nsub-01\t30\n02\t41\nsub-02\t52\n');
    const err = await openBids(root).catch(e => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.file).toBe(path.join(root, 'participants.tsv'));
    expect(err.message).toMatch(/two rows for sub-02: row 2 \("02"\) and row 3 \("sub-02"\)/);
  });

  it('follows symlinked sub-* folders and reports broken links', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bids-'));
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bids-store-'));
    await writeRun(runPath(root, '01'), 1);
    await writeRun(runPath(elsewhere, '02'), 2);
    fs.symlinkSync(path.join(elsewhere, 'sub-02'), path.join(root, 'sub-02'));
    fs.symlinkSync(path.join(elsewhere, 'missing'), path.join(root, 'sub-09'));
    const ds = await openBids(root);
    expect(ds.runs.map(r => r.subject)).toEqual(['sub-01', 'sub-02']);
    expect(ds.skipped).toEqual([{ file: path.join(root, 'sub-09'), reason: `broken symlink (to ${path.join(elsewhere, 'missing')})` }]);
  });
});
