/**
 * The README's first commands on a fresh clone: `git clone` of this checkout's committed HEAD into
 * a temporary folder with no ../shared beside it, then `npm ci` and `npm run demo` with no
 * ONNXRUNTIME_NODE_INSTALL (nor npm_config_*) in the environment. npm may reuse its download cache;
 * the install itself is real. Slow: minutes (install, build, the quickstart notebook).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, run, userEnv } from './shell';

jest.setTimeout(30 * 60 * 1000);

interface NotebookCell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; ename?: string; evalue?: string }[];
}

test('fresh clone without ../shared: npm ci && npm run demo pass', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-clone-'));
  try {
    const clone = path.join(work, 'neurostorm-lab');
    run('git', ['clone', '--quiet', REPO_ROOT, clone], work);
    expect(fs.existsSync(path.join(clone, '..', 'shared'))).toBe(false);
    const env = userEnv();
    expect(Object.keys(env).filter(k => /ONNXRUNTIME_NODE_INSTALL|^npm_config_/i.test(k))).toEqual([]);

    run('npm', ['ci', '--no-audit', '--no-fund'], clone, { env });
    run('npm', ['run', 'demo'], clone, { env });

    const executed = JSON.parse(fs.readFileSync(path.join(clone, 'notebooks', 'quickstart.run.ipynb'), 'utf8')) as {
      cells: NotebookCell[];
    };
    const code = executed.cells.filter(c => c.cell_type === 'code');
    const errors = code.flatMap(c => (c.outputs ?? []).filter(o => o.output_type === 'error'));
    expect(errors).toEqual([]);
    // The cohort was written with the embedded atlas (100 Schaefer parcels), not a ../shared file.
    const truth = JSON.parse(fs.readFileSync(path.join(clone, 'notebooks', 'quickstart-cohort', 'synth.json'), 'utf8')) as {
      regions: number;
    };
    expect(truth.regions).toBe(100);
    const source = code.map(c => (Array.isArray(c.source) ? c.source.join('') : c.source)).join('\n');
    expect(source).not.toMatch(/shared\/data/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
