/**
 * The published package works on its own: `npm pack` of this checkout (after `npm run build`, as
 * `npm test` does) installs into an empty project, as the README's "existing JupyterLab" section
 * says, and there `neurostorm doctor`, `synth`, `install --prefix` and `require("neurostorm-lab")` work.
 * Dependencies come from the npm registry (or its cache); no ../shared is visible from the project.
 * Slow (an npm install): minutes, not seconds.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diskKiB, REPO_ROOT, run, userEnv } from './shell';

jest.setTimeout(20 * 60 * 1000);

const BUILT = ['lib/kernel/cli/main.js', 'lib/kernel/index.js', 'labextension/package.json'];

describe('npm pack -> npm install into an empty project', () => {
  let work: string;
  let project: string;
  let tarball: string;
  const env = userEnv();
  const npx = (args: string[]) => run('npx', ['--no-install', 'neurostorm', ...args], project, { env });

  beforeAll(() => {
    for (const f of BUILT)
      if (!fs.existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} missing: run \`npm run build\` first (npm test does)`);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pack-'));
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], REPO_ROOT, { env }).stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = path.join(work, packed[0].filename);
    fs.writeFileSync(path.join(work, 'files.json'), JSON.stringify(packed[0].files.map(f => f.path)));
    project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // What the README tells users on a machine without NuGet.
    fs.writeFileSync(path.join(project, '.npmrc'), 'onnxruntime-node-install=skip\n');
    run('npm', ['install', '--no-audit', '--no-fund', tarball], project, { env });
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('ships the built code, labextension and embedded assets, and no tests or TypeScript sources', () => {
    const files = JSON.parse(fs.readFileSync(path.join(work, 'files.json'), 'utf8')) as string[];
    for (const f of [...BUILT, 'kernel/data/assets/README.md', 'kernel/data/assets/schaefer2018_100parcels_7networks_2mm.tsv'])
      expect(files).toContain(f);
    expect(files.filter(f => f.startsWith('lib/test/') || f.startsWith('test/'))).toEqual([]);
    expect(files.filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs without the browser-only libraries (bundled in the labextension)', () => {
    const modules = path.join(project, 'node_modules');
    expect(fs.existsSync(path.join(modules, 'neurostorm-lab', 'package.json'))).toBe(true);
    expect(fs.existsSync(path.join(modules, '@niivue', 'niivue'))).toBe(false);
    expect(fs.existsSync(path.join(modules, 'plotly.js-dist-min'))).toBe(false);
    // The size a user downloads, for the record (not asserted: it moves with dependency releases).
    console.log(`installed node_modules: ${(diskKiB(modules) / 1024).toFixed(1)} MiB; tarball ${(fs.statSync(tarball).size / 1024).toFixed(0)} KiB`);
  });

  it('require("neurostorm-lab") gives the API, with the embedded assets inside the installed package', () => {
    const script = 'const ns = require("neurostorm-lab"); console.log(JSON.stringify({ read: typeof ns.nifti.read, assets: ns.data.assets() }))';
    const out = JSON.parse(run('node', ['-e', script], project, { env }).stdout) as { read: string; assets: Record<string, string> };
    expect(out.read).toBe('function');
    const installed = fs.realpathSync(path.join(project, 'node_modules', 'neurostorm-lab'));
    for (const file of Object.values(out.assets)) {
      expect(fs.realpathSync(file).startsWith(installed + path.sep)).toBe(true);
    }
  });

  it('npx neurostorm doctor reports the installed version and a usable cpu provider', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const out = npx(['doctor']).stdout;
    expect(out).toMatch(new RegExp(`neurostorm-lab\\s+${pkg.version.replace(/\./g, '\\.')}`));
    expect(out).toMatch(/cpu\s+usable/);
  });

  it('npx neurostorm synth writes a cohort on the embedded Schaefer atlas', () => {
    npx(['synth', '--out', 'cohort', '--subjects', '2', '--sessions', '1', '--frames', '20']);
    const truth = JSON.parse(fs.readFileSync(path.join(project, 'cohort', 'synth.json'), 'utf8')) as { regions: number };
    expect(truth.regions).toBe(100);
    const bold = path.join(project, 'cohort/sub-01/ses-1/func/sub-01_ses-1_task-rest_space-MNI152NLin6Asym_desc-preproc_bold.nii.gz');
    expect(fs.statSync(bold).size).toBeGreaterThan(10000);
  });

  it('npx neurostorm install --prefix P writes the kernelspec and the labextension', () => {
    npx(['install', '--prefix', 'jupyter-prefix']);
    const data = path.join(project, 'jupyter-prefix', 'share', 'jupyter');
    const spec = JSON.parse(fs.readFileSync(path.join(data, 'kernels', 'neurostorm', 'kernel.json'), 'utf8')) as { argv: string[] };
    // The kernel entry is the installed package's, and exists.
    const entry = spec.argv[1];
    expect(fs.existsSync(entry)).toBe(true);
    expect(fs.realpathSync(entry).startsWith(fs.realpathSync(path.join(project, 'node_modules')))).toBe(true);
    const ext = JSON.parse(fs.readFileSync(path.join(data, 'labextensions', 'neurostorm-lab', 'package.json'), 'utf8')) as {
      name: string;
    };
    expect(ext.name).toBe('neurostorm-lab');
  });
});
