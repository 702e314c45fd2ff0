/**
 * The real kernel against real clients: jupyter_kernel_test, `jupyter nbconvert --execute` and
 * `neurostorm run`, with the kernelspec installed by `neurostorm install --prefix` into a temp dir.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  PLOT_MIME,
  PROGRESS_MIME,
  VOLUME_MIME,
  VolumePayload,
  ProgressPayload
} from '../../kernel/notebook/display/payload-types';
import {
  cli,
  CellSpec,
  installSandbox,
  JupyterSandbox,
  PYTHON,
  readCells,
  SAMPLE_NII,
  SavedCell,
  text,
  writeNotebook
} from './kernel-process';

const CELLS: CellSpec[] = [
  { source: 'const title = "default title";\nconst steps = 3;', tags: ['parameters'] },
  { source: 'import * as ns from "neurostorm-lab";\nconsole.log(`title: ${title}`);' },
  { source: '%neurostorm info' },
  { source: '%neurostorm view sample.nii.gz' },
  { source: '%neurostorm view sample.nii.gz --max-embedded-bytes 65536 --title big' },
  { source: '%%neurostorm view sample.nii.gz\ncolormap: hot\ntitle: from yaml' },
  {
    source:
      'ns.plot({ kind: "training", xLabel: "step", yLabel: "loss", series: [{ name: "train", x: [0, 1, 2], y: [1, 0.5, 0.25] }] }, { title: "loss" })'
  },
  { source: 'let total = 0;\nfor await (const i of ns.notebook.track(steps, "steps")) { total += i }\ntotal' }
];

function dataOf(cell: SavedCell, mime: string): unknown[] {
  return cell.outputs.filter(o => o.data && mime in o.data).map(o => o.data![mime]);
}

/** What every run of CELLS must have saved, whichever client ran it. */
function expectOutputs(cells: SavedCell[], dir: string, expectedTitle: string, expectedSteps: number): void {
  const code = cells.filter(c => !(c.metadata.tags ?? []).includes('injected-parameters'));
  for (const c of cells) expect(c.outputs.filter(o => o.output_type === 'error')).toEqual([]);
  expect(text(code[1].outputs[0]?.text)).toBe(`title: ${expectedTitle}\n`);
  expect(text(code[2].outputs.map(o => text(o.text)).join(''))).toMatch(/neurostorm-lab\s+\d+\.\d+\.\d+/);

  const [small] = dataOf(code[3], VOLUME_MIME) as VolumePayload[];
  expect(small.shape).toEqual([91, 109, 91]);
  expect(small.layers[0].source.kind).toBe('embedded');
  expect(dataOf(code[3], 'image/png')[0]).toMatch(/^iVBORw0KGgo/); // base64 of the PNG signature

  const [big] = dataOf(code[4], VOLUME_MIME) as VolumePayload[];
  expect(big.title).toBe('big');
  const source = big.layers[0].source;
  expect(source.kind).toBe('path');
  if (source.kind === 'path') expect(fs.existsSync(path.join(dir, source.path))).toBe(true);
  expect(big.layers[0].preview?.kind).toBe('embedded');
  expect(JSON.stringify(code[4].outputs).length).toBeLessThan(65536 * 2);

  const [yaml] = dataOf(code[5], VOLUME_MIME) as VolumePayload[];
  expect(yaml.title).toBe('from yaml');
  expect(yaml.layers[0].colormap).toBe('hot');

  expect(code[6].outputs[0].output_type).toBe('execute_result');
  expect(dataOf(code[6], PLOT_MIME)).toHaveLength(1);
  expect(dataOf(code[6], 'image/png')).toHaveLength(1);

  // The progress display was updated in place to its final state, then the loop's result followed.
  const [progress] = dataOf(code[7], PROGRESS_MIME) as ProgressPayload[];
  expect(progress.state).toBe('done');
  expect(progress.step).toBe(expectedSteps);
  const result = code[7].outputs.find(o => o.output_type === 'execute_result');
  expect(text(result?.data?.['text/plain'] as string)).toBe(
    String((expectedSteps * (expectedSteps - 1)) / 2)
  );
}

describe('the NeuroSTORM kernel', () => {
  let sandbox: JupyterSandbox;
  let work: string;

  beforeAll(() => {
    sandbox = installSandbox();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-notebooks-'));
    fs.copyFileSync(SAMPLE_NII, path.join(work, 'sample.nii.gz'));
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    sandbox?.cleanup();
  });

  it('passes jupyter_kernel_test and the interrupt/magic checks (Debian jupyter clients)', () => {
    const res = spawnSync(PYTHON, ['-m', 'unittest', '-v', 'kernel_protocol_test'], {
      cwd: __dirname,
      env: { ...sandbox.env, NEUROSTORM_SAMPLE_NII: SAMPLE_NII },
      encoding: 'utf8',
      timeout: 150_000
    });
    const report = res.stderr;
    expect(report).toMatch(/Ran 17 tests/);
    expect(report).toMatch(/\nOK \(skipped=5\)/);
    expect(res.status).toBe(0);
  }, 160_000);

  it('runs a notebook with magics under `jupyter nbconvert --execute`', () => {
    const nb = path.join(work, 'magics.ipynb');
    writeNotebook(nb, CELLS);
    const res = spawnSync(
      '/usr/bin/jupyter',
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--ExecutePreprocessor.timeout=120',
        '--output',
        'magics.nbconvert.ipynb',
        nb
      ],
      {
        env: sandbox.env,
        encoding: 'utf8',
        timeout: 150_000
      }
    );
    expect(res.stderr).not.toMatch(/Traceback/);
    expect(res.status).toBe(0);
    expectOutputs(readCells(path.join(work, 'magics.nbconvert.ipynb')), work, 'default title', 3);
  }, 160_000);

  it('runs the same notebook with `neurostorm run`, injecting parameters after the tagged cell', () => {
    const nb = path.join(work, 'magics-run.ipynb');
    writeNotebook(nb, CELLS);
    const out = path.join(work, 'magics-run.out.ipynb');
    const res = cli(
      ['run', nb, '-p', 'title="from run"', '-p', 'steps=5', '-o', out, '--quiet'],
      sandbox.env
    );
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const cells = readCells(out);
    expect(cells[1].metadata.tags).toEqual(['injected-parameters']);
    expect(text(cells[1].source)).toContain('let title = "from run";');
    expectOutputs(cells, work, 'from run', 5);
  }, 160_000);

  it('makes `neurostorm run` exit 1 with the failing cell traceback, saving outputs so far', () => {
    const nb = path.join(work, 'failing.ipynb');
    writeNotebook(nb, [
      { source: 'console.log("before")' },
      { source: 'function explode(): never { throw new RangeError("deliberate failure") }\nexplode()' },
      { source: 'console.log("never runs")' }
    ]);
    const out = path.join(work, 'failing.out.ipynb');
    const res = cli(['run', nb, '-o', out, '--quiet'], sandbox.env);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/cell 1 failed: RangeError: deliberate failure/);
    expect(res.stderr).toMatch(/at explode/);
    const cells = readCells(out);
    expect(text(cells[0].outputs[0].text)).toBe('before\n');
    expect(cells[1].outputs[0]).toMatchObject({
      output_type: 'error',
      ename: 'RangeError',
      evalue: 'deliberate failure'
    });
    expect(cells[2].outputs).toEqual([]);
    expect(cells[2].execution_count).toBeNull();
  }, 160_000);

  it("reports a kernel that dies in a cell as that cell's failure", () => {
    const nb = path.join(work, 'dies.ipynb');
    writeNotebook(nb, [{ source: 'console.log("x")' }, { source: 'process.exit(3)' }]);
    const out = path.join(work, 'dies.out.ipynb');
    const res = cli(['run', nb, '-o', out, '--quiet'], sandbox.env);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/cell 1 failed: KernelProtocolError: the kernel exited \(3\)/);
    expect(readCells(out)[1].outputs[0]).toMatchObject({
      output_type: 'error',
      ename: 'KernelProtocolError'
    });
  }, 60_000);

  it('interrupts a cell that runs past --timeout (SIGINT + interrupt_request from our client) and fails the run', () => {
    const nb = path.join(work, 'slow.ipynb');
    writeNotebook(nb, [
      { source: 'import * as ns from "neurostorm-lab";\nlet spins = 0;' },
      { source: 'for await (const i of ns.notebook.track(1e12, "spin")) { spins += 1 }' }
    ]);
    const res = cli(
      // The limit is per cell, the import cell included: long enough for a cold import on a busy machine.
      ['run', nb, '-o', path.join(work, 'slow.out.ipynb'), '--timeout', '15', '--quiet'],
      sandbox.env
    );
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/cell 1 failed: TimeoutError: the cell exceeded --timeout 15 \(15 s\) and was stopped/);
    const progress = readCells(path.join(work, 'slow.out.ipynb'))[1].outputs[0].data?.[
      PROGRESS_MIME
    ] as ProgressPayload;
    expect(progress.state).toBe('interrupted');
    expect(progress.step).toBeGreaterThan(0);
  }, 120_000);

  // The quickstart notebook itself is run, with its key outputs asserted, by test/notebooks/notebooks.test.ts.

  it('uninstalls what install wrote', () => {
    const kernelJson = path.join(sandbox.dataDir, 'kernels', 'neurostorm', 'kernel.json');
    const spec = JSON.parse(fs.readFileSync(kernelJson, 'utf8'));
    expect(spec.display_name).toBe('NeuroSTORM (TypeScript)');
    expect(spec.argv[0]).toBe(process.execPath);
    expect(spec.argv.slice(2)).toEqual(['--config-path', '{connection_file}']);
    expect(fs.existsSync(path.join(sandbox.dataDir, 'labextensions', 'neurostorm-lab', 'package.json'))).toBe(
      true
    );
    const res = cli(['uninstall', '--prefix', sandbox.prefix], sandbox.env);
    expect(res.status).toBe(0);
    expect(fs.existsSync(kernelJson)).toBe(false);
    expect(fs.existsSync(path.join(sandbox.dataDir, 'labextensions', 'neurostorm-lab'))).toBe(false);
  });
});
