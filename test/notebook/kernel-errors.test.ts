import * as fs from 'fs';
import * as path from 'path';
import { errorContent, bundleOf, inspectPositions } from '../../kernel/notebook/kernel/kernel-handler';
import { showTracebacks } from '../../kernel/notebook/kernel/error-report';
import { prepareCell } from '../../kernel/notebook/kernel/cell-rewrite';
import { createImage } from '../../kernel/nifti';
import { MIME_BUNDLE } from '../../kernel/notebook/display/display';
import { AbortedError, UsageError, ShapeError } from '../../kernel/errors';

/** The package's compiled-or-source root, as error-report.ts sees it. */
const PACKAGE = path.resolve(__dirname, '..', '..', 'kernel');

describe('how the kernel reports a failed cell (ename / evalue / traceback)', () => {
  it('reports compiler diagnostics as CompileError, all of them in the traceback', () => {
    const e = errorContent([
      { kind: 'diagnostic', text: "1:7 - Type 'string' is not assignable to type 'number'." },
      { kind: 'diagnostic', text: "2:1 - Cannot find name 'y'." }
    ]);
    expect(e).toEqual({
      ename: 'CompileError',
      evalue: "1:7 - Type 'string' is not assignable to type 'number'.",
      traceback: ["1:7 - Type 'string' is not assignable to type 'number'.", "2:1 - Cannot find name 'y'."]
    });
  });

  it('prints typed errors as message, file and hint with no stack, unless tracebacks are asked for', () => {
    expect(errorContent([{ kind: 'thrown', value: new UsageError('unknown verb "x"') }]).traceback).toEqual([
      'UsageError [E_USAGE]: unknown verb "x"'
    ]);
    expect(errorContent([{ kind: 'thrown', value: new AbortedError('spin interrupted') }]).traceback).toEqual(
      ['AbortedError [E_ABORTED]: spin interrupted']
    );
    const err = new ShapeError('bad shape [2, 3]', { file: '/data/x.nii', hint: 'reshape it' });
    const shape = errorContent([{ kind: 'thrown', value: err }]);
    expect(shape.ename).toBe('ShapeError');
    expect(shape.traceback).toEqual([
      'ShapeError [E_SHAPE]: bad shape [2, 3]',
      '  file: /data/x.nii',
      '  hint: reshape it'
    ]);
    showTracebacks(true);
    try {
      const full = errorContent([{ kind: 'thrown', value: err }]).traceback;
      expect(full.length).toBeGreaterThan(3);
      expect(full.slice(3).every(l => /^\s+at /.test(l) && !/\(node:/.test(l))).toBe(true);
    } finally {
      showTracebacks(false);
    }
  });

  it("keeps the user's functions (cells and files) and drops Node's, tslab's, top-level cell and our own frames", () => {
    const e = new TypeError('x is not a function');
    e.stack = [
      'TypeError: x is not a function',
      '    at evalmachine.<anonymous>:3:7',
      '    at explode (evalmachine.<anonymous>:5:11)',
      `    at run (${path.join(PACKAGE, 'notebook', 'magic-table.js')}:122:5)`,
      '    at f (/home/u/project/helpers.js:10:3)',
      '    at node:internal/process/task_queues:95:5',
      '    at Object.execute (/x/node_modules/tslab/dist/executor.js:160:34)'
    ].join('\n');
    expect(errorContent([{ kind: 'thrown', value: e }]).traceback).toEqual([
      'TypeError: x is not a function',
      '    at explode (cell)',
      '    at f (/home/u/project/helpers.js:10:3)'
    ]);
  });

  it('turns raw file-system errors into a sentence naming the path', () => {
    let raw: unknown;
    try {
      fs.statSync('/nonexistent/dir/sub-01_bold.nii.gz');
    } catch (err) {
      raw = err;
    }
    expect(errorContent([{ kind: 'thrown', value: raw }])).toEqual({
      ename: 'FileNotFoundError',
      evalue: 'no such file or directory: /nonexistent/dir/sub-01_bold.nii.gz',
      traceback: [
        'FileNotFoundError: no such file or directory: /nonexistent/dir/sub-01_bold.nii.gz',
        '  (stat failed with ENOENT)'
      ]
    });
  });

  it('names the %neurostorm placeholder a compiler error points into', () => {
    const code = 'const n = 2;\n%neurostorm synth out --subjects {nsubj + 1}';
    const rewritten = prepareCell(code).split('\n')[1];
    const column = rewritten.indexOf('nsubj') + 1;
    const e = errorContent(
      [{ kind: 'diagnostic', text: `2:${column} - Cannot find name 'nsubj'.`, line: 2, column, message: "Cannot find name 'nsubj'." }],
      code
    );
    expect(e.evalue).toBe("%neurostorm line 2: placeholder {nsubj + 1}: Cannot find name 'nsubj'.");
    // A diagnostic outside any placeholder keeps tslab's text.
    expect(
      errorContent([{ kind: 'diagnostic', text: "1:7 - x", line: 1, column: 7, message: 'x' }], code).evalue
    ).toBe('1:7 - x');
  });

  it('names interrupts that had to be forced (tslab, breakOnSigint) AbortedError too', () => {
    expect(errorContent([{ kind: 'thrown', value: new Error('Interrupted asynchronously') }]).ename).toBe(
      'AbortedError'
    );
    expect(
      errorContent([{ kind: 'thrown', value: new Error('Script execution was interrupted by `SIGINT`') }])
        .ename
    ).toBe('AbortedError');
  });

  it('reports thrown non-errors by their inspected value', () => {
    expect(errorContent([{ kind: 'thrown', value: { code: 3 } }])).toEqual({
      ename: 'Error',
      evalue: '{ code: 3 }',
      traceback: ['Uncaught { code: 3 }']
    });
  });

  it('shows results as text/plain, and displayables with their own bundle', () => {
    expect(bundleOf('s')).toEqual({ data: { 'text/plain': "'s'" }, metadata: {} });
    class Thing {
      [MIME_BUNDLE]() {
        return { data: { 'image/png': 'AAAA' }, metadata: {} };
      }
    }
    expect(bundleOf(new Thing())).toEqual({
      data: { 'text/plain': '<Thing>', 'image/png': 'AAAA' },
      metadata: {}
    });
  });

  it('prints a NiftiImage as a short nibabel-like summary', () => {
    const img = createImage({
      data: new Float32Array(4 * 5 * 6),
      shape: [4, 5, 6],
      affine: [
        [-2, 0, 0, 90],
        [0, 2, 0, -126],
        [0, 0, 2, -72],
        [0, 0, 0, 1]
      ]
    });
    expect(bundleOf(img).data['text/plain']).toBe(
      [
        '<NiftiImage (in memory)>',
        'data shape (4, 5, 6), float32',
        'voxel sizes (2, 2, 2) mm, orientation LAS',
        'affine:',
        '[[  -2.    0.    0.   90.]',
        ' [   0.    2.    0. -126.]',
        ' [   0.    0.    2.  -72.]',
        ' [   0.    0.    0.    1.]]'
      ].join('\n')
    );
  });

  it("inspects the callee when the cursor sits in a call's arguments", () => {
    const code = 'const m = await ns.models.load(';
    expect(inspectPositions(code, code.length)).toEqual([code.length, code.indexOf('load') + 3]);
    expect(inspectPositions('f(g(1), ', 8)).toEqual([8, 0]);
    expect(inspectPositions('x.y', 3)).toEqual([3]);
  });
});
