import { runCli } from '../../kernel/cli/main';
import { packageVersion } from '../../kernel/version';
import { doctorReport } from '../../kernel/verbs/doctor-report';
import { installLocation } from '../../kernel/verbs/jupyter/paths';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: process.env }, out, err };
}

describe('neurostorm CLI', () => {
  it('prints the package.json version', async () => {
    const c = capture();
    expect(await runCli(['--version'], c.io)).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
    expect(c.out.join('')).toBe(pkg.version);
    expect(packageVersion()).toBe(pkg.version);
  });

  it('lists commands in --help and rejects unknown ones with exit 2', async () => {
    const ok = capture();
    expect(await runCli(['--help'], ok.io)).toBe(0);
    expect(ok.out.join('\n')).toMatch(/doctor\s+Node, onnxruntime-node/);
    const bad = capture();
    expect(await runCli(['frobnicate'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toContain('unknown command "frobnicate"');
  });

  it('reports a bad flag with the usage line and exit 2', async () => {
    const c = capture();
    expect(await runCli(['doctor', '--frob'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/unknown flag --frob.*usage: neurostorm doctor/);
  });
});

describe('neurostorm doctor', () => {
  it('lists the providers onnxruntime-node reports, with cpu usable', async () => {
    const report = await doctorReport(process.env);
    const names = report.providers.map(p => p.name);
    expect(names).toEqual(expect.arrayContaining(['cpu', 'webgpu']));
    const cpu = report.providers.find(p => p.name === 'cpu');
    expect(cpu).toMatchObject({ usable: true, reason: null, bundled: true });
    // Every unusable provider says why.
    for (const p of report.providers) if (!p.usable) expect(p.reason).toBeTruthy();
    expect(report.cpu.count).toBe(os.cpus().length);
    expect(report.memory.totalGiB).toBeGreaterThan(0);
  });

  it('prints the text report and exits 0', async () => {
    const c = capture();
    expect(await runCli(['doctor'], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/^\s+cpu\s+usable, bundled; block: max error \S+, \S+ s$/m);
    expect(text).toMatch(/onnxruntime-node\s+1\.\d+\.\d+/);
    expect(text).toContain('jupyter data directories');
  });

  it('sees a kernelspec and labextension placed under JUPYTER_PATH', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-jp-'));
    fs.mkdirSync(path.join(dir, 'kernels', 'neurostorm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'kernels', 'neurostorm', 'kernel.json'), '{}');
    const before = installLocation(dir);
    expect(before).toMatchObject({ kernelspecInstalled: true, labextensionInstalled: false });
    const c = capture();
    c.io.env = { ...process.env, JUPYTER_PATH: dir };
    expect(await runCli(['doctor', '--json'], c.io)).toBe(0);
    const report = JSON.parse(c.out.join(''));
    expect(report.jupyter[0]).toMatchObject({ dataDir: dir, kernelspecInstalled: true, labextensionInstalled: false });
  });
});

describe('flags checked against the verb schema before any work', () => {
  it.each([
    [['synth', '--out', 'never-written', '--frames', '10'], /--frames 10 at --tr 0.8 s is 10 frames.*shorter than one 20-frame clip/],
    [['synth', '--out', 'never-written', '--subjects', '-1'], /--subjects must be a whole number >= 2, got -1/],
    [['synth', '--out', 'never-written', '--frames', 'abc'], /--frames takes a number, got "abc"/],
    [['check'], /check needs DATASET.*usage: neurostorm check DATASET \[--mask PATH\] \[--json\]/],
    [['check', 'a', 'b'], /check takes DATASET, got also "b"/],
    [['load', 'x', '--head-kind', 'mlp'], /--head-kind must be one of cls, reg, got "mlp"/]
  ])('%j is a usage error: exit 2, nothing written', async (argv, message) => {
    const c = capture();
    expect(await runCli(argv, c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(message);
    expect(fs.existsSync(path.join(process.cwd(), 'never-written'))).toBe(false);
  });

  it('prints a usage line that lists every flag, generated from the table', async () => {
    const c = capture();
    expect(await runCli(['synth', '--help'], c.io)).toBe(0);
    const usage = c.out.join('\n').split('\n')[0];
    for (const flag of ['out', 'subjects', 'sessions', 'frames', 'tr', 'seed', 'effect', 'task', 'atlas', 'mask', 'overwrite', 'json'])
      expect(usage).toContain(`--${flag}`);
    expect(usage).toMatch(/^usage: neurostorm synth --out DIR \[--subjects N\]/);
  });

  it('gives a typed data error exit 1 with file and hint, no stack', async () => {
    const c = capture();
    expect(await runCli(['check', path.join(os.tmpdir(), 'ns-no-such-dataset')], c.io)).toBe(1);
    const text = c.err.join('\n');
    expect(text).toMatch(/^neurostorm check: DatasetError \[E_DATASET\]: .*ns-no-such-dataset/);
    expect(text).not.toMatch(/\n\s+at /);
  });
});

describe('--atlas must be a label atlas', () => {
  it('refuses a signed float statistical map before any work (exit 2), accepts integer labels stored as floats', async () => {
    const { createImage, write } = await import('../../kernel/nifti');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-atlas-flag-'));
    try {
      const stat = new Float32Array(8 * 8 * 8).map((_, i) => Math.sin(i) * 3.2);
      await write(path.join(dir, 'tstat.nii.gz'), createImage({ data: stat, shape: [8, 8, 8] }));
      const out = path.join(dir, 'cohort');
      const c = capture();
      expect(await runCli(['synth', '--out', out, '--atlas', path.join(dir, 'tstat.nii.gz')], c.io)).toBe(2);
      expect(c.err.join('\n')).toMatch(/tstat\.nii\.gz: --atlas is not a label atlas: it holds negative values \(minimum -3\.\d*\)/);
      expect(fs.existsSync(out)).toBe(false);
      const { checkAtlasFlag } = await import('../../kernel/verbs/atlas-flag');
      const labels = new Float32Array(8 * 8 * 8).map((_, i) => i % 5);
      await write(path.join(dir, 'labels.nii.gz'), createImage({ data: labels, shape: [8, 8, 8] }));
      await expect(checkAtlasFlag('atlas', path.join(dir, 'labels.nii.gz'))).resolves.toBeUndefined();
      const fractional = new Float32Array(8 * 8 * 8).map((_, i) => (i % 7) / 2);
      await write(path.join(dir, 'frac.nii.gz'), createImage({ data: fractional, shape: [8, 8, 8] }));
      await expect(checkAtlasFlag('atlas', path.join(dir, 'frac.nii.gz'))).rejects.toThrow(/fractional values such as 0.5/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

