/**
 * Issue 13, item 5, through the real kernel (`neurostorm run`): a magic gives its result to the
 * notebook. `--as NAME` declares NAME for later cells; a magic ending a cell is the cell's value,
 * shown as one line rather than a dump of the object.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli, installSandbox, JupyterSandbox, readCells, text, writeNotebook } from '../kernel-process';
import { demoConfig } from '../../../kernel/models';

describe('magic values in a notebook', () => {
  let sandbox: JupyterSandbox;
  let work: string;

  beforeAll(() => {
    sandbox = installSandbox();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bind-'));
  });

  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    sandbox?.cleanup();
  });

  it('binds --as NAME for later cells and makes a last magic the cell value', () => {
    const nb = path.join(work, 'bind.ipynb');
    writeNotebook(nb, [
      {
        source:
          'import * as ns from "neurostorm-lab";\nawait ns.models.save(ns.models.create(ns.models.demoConfig(), { seed: 1 }), "demo");'
      },
      { source: '%neurostorm load demo --as model' },
      { source: 'model.config.embedDim * 10' },
      { source: '%neurostorm load demo' },
      { source: 'const again = %neurostorm load demo\nagain.config.embedDim === model.config.embedDim' },
      { source: '%neurostorm help --as h' }
    ]);
    const out = path.join(work, 'bind.out.ipynb');
    const res = cli(['run', nb, '-o', out, '-q'], sandbox.env, work);
    // The last cell is a usage error: the run stops there (exit 1), every earlier output saved.
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/help produces no value to bind with --as/);
    const cells = readCells(out);
    const results = (i: number) => cells[i].outputs.filter(o => o.output_type === 'execute_result');
    // The bound cell printed the model line and the device line, and has no value of its own (it is a
    // declaration). No graph has run yet, so the device line says which provider auto will pick.
    expect(text(cells[1].outputs.map(o => text(o.text)).join(''))).toMatch(
      /^loaded demo: .* parameters\ndevice +cpu \(auto\); no model graph ran yet\n$/
    );
    expect(results(1)).toEqual([]);
    expect(text(results(2)[0]?.data?.['text/plain'] as string)).toBe(String(demoConfig().embedDim * 10));
    const value = text(results(3)[0]?.data?.['text/plain'] as string);
    expect(value).toMatch(/^NeuroStormModel demo \([\d,]+ parameters\)$/);
    // `const NAME = %neurostorm ...` assigns the value as TypeScript would.
    expect(text(results(4)[0]?.data?.['text/plain'] as string)).toBe('true');
  });
});
