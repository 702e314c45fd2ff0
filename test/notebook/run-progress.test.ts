/**
 * `neurostorm run`'s progress counts the code cells that run: on a notebook with markdown and an
 * empty code cell between them, the step goes 1/3, 2/3, 3/3 while the message names each cell's
 * index among all cells (what a failure names). The quickstart printed "run 18/11 cell 18" before.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, installSandbox, JupyterSandbox, readCells, text } from './kernel-process';

describe('neurostorm run progress', () => {
  let sandbox: JupyterSandbox;
  let work: string;

  beforeAll(() => {
    sandbox = installSandbox();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-run-progress-'));
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    sandbox?.cleanup();
  });

  it('steps over the code cells that run (markdown and empty cells not counted), naming each cell index', () => {
    const nb = path.join(work, 'mixed.ipynb');
    const out = path.join(work, 'mixed.out.ipynb');
    const code = (source: string) => ({ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null });
    const markdown = (source: string) => ({ cell_type: 'markdown', metadata: {}, source });
    const cells = [markdown('# title'), code('const a = 1;'), markdown('text'), code('   '), code('const b = a + 1;'), markdown('more'), code('console.log(a + b)')];
    fs.writeFileSync(nb, JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'neurostorm', display_name: 'NeuroSTORM (TypeScript)', language: 'typescript' } },
      cells: cells.map((c, i) => ({ id: `cell-${i}`, ...c }))
    }));
    const res = cli(['run', nb, '-o', out], sandbox.env);
    expect(res.stderr).not.toMatch(/failed/);
    expect(res.status).toBe(0);
    const steps = [...res.stderr.matchAll(/run (\d+)\/(\d+) cell (\d+)/g)].map(m => [Number(m[1]), Number(m[2]), Number(m[3])]);
    expect(steps).toEqual([[1, 3, 1], [2, 3, 4], [3, 3, 6]]);
    expect(text(readCells(out)[6].outputs[0].text)).toBe('3\n');
  }, 120_000);
});
