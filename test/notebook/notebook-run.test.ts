import {
  injectParameters,
  parametersSource,
  parseParameters,
  defaultOutputPath
} from '../../kernel/verbs/jupyter/notebook-run';
import {
  CellOutput,
  Notebook,
  OutputCollector,
  serializeNotebook,
  splitLines
} from '../../kernel/verbs/jupyter/notebook-format';
import { JupyterMessage } from '../../kernel/verbs/jupyter/wire';
import { newHeader } from '../../kernel/verbs/jupyter/wire-codec';
import { UsageError } from '../../kernel/errors';

function msg(type: string, content: Record<string, unknown>): JupyterMessage {
  return {
    identities: [],
    header: newHeader(type, 's'),
    parent_header: {},
    metadata: {},
    content,
    buffers: []
  };
}

describe('parameters (papermill convention)', () => {
  it('parses key=value as JSON when it is JSON, else as text, and rejoins values split at commas', () => {
    // The list flag parser splits "-p ids=[1,2]" at the comma; parseParameters joins it back.
    expect(
      parseParameters(['epochs=5', 'lr=0.001', 'name=run a', 'quoted="x"', 'ids=[1', '2]', 'on=true'])
    ).toEqual({
      epochs: 5,
      lr: 0.001,
      name: 'run a',
      quoted: 'x',
      ids: [1, 2],
      on: true
    });
    expect(() => parseParameters(['=3'])).toThrow(UsageError);
    expect(() => parseParameters(['2x=3'])).toThrow(/not key=value/);
  });

  it('injects one cell after the cell tagged "parameters", replacing an earlier injection', () => {
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', source: '# t', metadata: {} },
        { cell_type: 'code', source: 'const epochs = 1;', metadata: { tags: ['parameters'] } },
        { cell_type: 'code', source: 'old', metadata: { tags: ['injected-parameters'] } },
        { cell_type: 'code', source: 'epochs', metadata: {} }
      ]
    };
    injectParameters(nb, { epochs: 3, name: 'a"b' });
    expect(nb.cells.map(c => c.source)).toEqual([
      '# t',
      'const epochs = 1;',
      parametersSource({ epochs: 3, name: 'a"b' }),
      'epochs'
    ]);
    expect(nb.cells[2].source).toBe(
      '// Parameters injected by neurostorm run\nlet epochs = 3;\nlet name = "a\\"b";'
    );
    const untagged: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ cell_type: 'code', source: 'x', metadata: {} }]
    };
    injectParameters(untagged, { x: 1 });
    expect(untagged.cells[0].metadata.tags).toEqual(['injected-parameters']);
  });

  it('writes beside the input by default', () => {
    expect(defaultOutputPath('/a/b/nb.ipynb')).toBe('/a/b/nb.run.ipynb');
  });
});

describe('OutputCollector', () => {
  it('merges stream text, applies display updates across cells, and honours clear_output(wait)', () => {
    const first: CellOutput[] = [];
    const a = new OutputCollector(first);
    a.add(msg('stream', { name: 'stdout', text: 'a' }));
    a.add(msg('stream', { name: 'stdout', text: 'b\n' }));
    a.add(msg('stream', { name: 'stderr', text: 'e' }));
    a.add(
      msg('display_data', { data: { 'text/plain': 'v1' }, metadata: {}, transient: { display_id: 'p' } })
    );
    a.add(msg('execute_input', { code: 'x' }));
    expect(first.map(o => o.output_type)).toEqual(['stream', 'stream', 'display_data']);
    expect(first[0]).toEqual({ output_type: 'stream', name: 'stdout', text: 'ab\n' });
    const second: CellOutput[] = [];
    const b = a.retarget(second);
    b.add(
      msg('update_display_data', {
        data: { 'text/plain': 'v2' },
        metadata: {},
        transient: { display_id: 'p' }
      })
    );
    expect(first[2]).toMatchObject({ data: { 'text/plain': 'v2' } });
    b.add(msg('execute_result', { execution_count: 4, data: { 'text/plain': '1' }, metadata: {} }));
    b.add(msg('clear_output', { wait: true }));
    expect(second).toHaveLength(1);
    b.add(msg('error', { ename: 'E', evalue: 'v', traceback: ['t'] }));
    expect(second).toEqual([{ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['t'] }]);
  });

  it('serializes text as nbformat line lists', () => {
    expect(splitLines('a\nb\n\nc')).toEqual(['a\n', 'b\n', '\n', 'c']);
    const nb: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          cell_type: 'code',
          source: 'x\ny',
          metadata: {},
          outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n2\n' }],
          execution_count: 1
        }
      ]
    };
    const saved = JSON.parse(serializeNotebook(nb));
    expect(saved.cells[0].source).toEqual(['x\n', 'y']);
    expect(saved.cells[0].outputs[0].text).toEqual(['1\n', '2\n']);
  });
});
