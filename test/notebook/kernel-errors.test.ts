import { errorContent, bundleOf } from '../../kernel/notebook/kernel/kernel-handler';
import { MIME_BUNDLE } from '../../kernel/notebook/display/display';
import { AbortedError, UsageError, ShapeError } from '../../kernel/errors';

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

  it('keeps usage errors and interrupts to one line, and gives other errors their user frames', () => {
    expect(errorContent([{ kind: 'thrown', value: new UsageError('unknown verb "x"') }]).traceback).toEqual([
      'UsageError [E_USAGE]: unknown verb "x"'
    ]);
    expect(errorContent([{ kind: 'thrown', value: new AbortedError('spin interrupted') }]).traceback).toEqual(
      ['AbortedError [E_ABORTED]: spin interrupted']
    );
    const shape = errorContent([{ kind: 'thrown', value: new ShapeError('bad shape [2, 3]') }]);
    expect(shape.ename).toBe('ShapeError');
    expect(shape.traceback[0]).toBe('ShapeError [E_SHAPE]: bad shape [2, 3]');
    expect(shape.traceback.slice(1).every(l => /^\s+at /.test(l) && !/node:internal/.test(l))).toBe(true);
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
});
