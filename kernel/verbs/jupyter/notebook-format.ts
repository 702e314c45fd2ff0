/**
 * nbformat 4 notebooks as `neurostorm run` reads and writes them, and how iopub messages become
 * cell outputs (the same rules nbclient applies: consecutive stream text is merged, an
 * update_display_data rewrites every output shown under its display_id, clear_output(wait) clears
 * when the next output arrives).
 */
import * as fs from 'fs';
import { ConfigError } from '../../errors';
import { ErrorContent, JupyterMessage, MimeData } from './wire';

export type MultilineString = string | string[];

export type CellOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: MultilineString }
  | { output_type: 'display_data'; data: MimeData; metadata: Record<string, unknown> }
  | {
      output_type: 'execute_result';
      execution_count: number | null;
      data: MimeData;
      metadata: Record<string, unknown>;
    }
  | ({ output_type: 'error' } & ErrorContent);

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  source: MultilineString;
  metadata: { tags?: string[] } & Record<string, unknown>;
  outputs?: CellOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

export function joinSource(source: MultilineString): string {
  return Array.isArray(source) ? source.join('') : source;
}

/** Splits text into nbformat's list-of-lines form (each line keeps its newline). */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function readNotebook(file: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read the notebook: ${(err as Error).message}`, { file });
  }
  const nb = parsed as Partial<Notebook>;
  if (typeof nb !== 'object' || nb === null || nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new ConfigError(`not an nbformat 4 notebook (nbformat: ${String(nb?.nbformat)})`, {
      file,
      hint: 'save it with Jupyter 4+ first'
    });
  }
  for (const [i, cell] of nb.cells.entries()) {
    if (
      !cell ||
      !['code', 'markdown', 'raw'].includes(cell.cell_type) ||
      (typeof cell.source !== 'string' && !Array.isArray(cell.source))
    ) {
      throw new ConfigError(`cell ${i} is malformed (cell_type/source)`, { file });
    }
    cell.metadata ??= {};
  }
  return nb as Notebook;
}

/** Collects the iopub messages of executed cells into their `outputs`. */
export class OutputCollector {
  private readonly byDisplayId = new Map<string, Extract<CellOutput, { data: MimeData }>[]>();
  private clearPending = false;

  constructor(private readonly outputs: CellOutput[]) {}

  /** Starts collecting into another cell's outputs (display ids stay known across cells). */
  retarget(outputs: CellOutput[]): OutputCollector {
    const next = new OutputCollector(outputs);
    for (const [id, list] of this.byDisplayId) next.byDisplayId.set(id, list);
    return next;
  }

  private push(output: CellOutput): void {
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
    this.outputs.push(output);
  }

  add(msg: JupyterMessage): void {
    const c = msg.content as Record<string, unknown>;
    switch (msg.header.msg_type) {
      case 'stream': {
        const name = c.name === 'stderr' ? 'stderr' : 'stdout';
        const text = String(c.text ?? '');
        const last = this.outputs[this.outputs.length - 1];
        if (!this.clearPending && last?.output_type === 'stream' && last.name === name)
          last.text = joinSource(last.text) + text;
        else this.push({ output_type: 'stream', name, text });
        break;
      }
      case 'display_data':
      case 'execute_result': {
        const data = (c.data ?? {}) as MimeData;
        const metadata = (c.metadata ?? {}) as Record<string, unknown>;
        const output: Extract<CellOutput, { data: MimeData }> =
          msg.header.msg_type === 'display_data'
            ? { output_type: 'display_data', data, metadata }
            : {
                output_type: 'execute_result',
                execution_count: typeof c.execution_count === 'number' ? c.execution_count : null,
                data,
                metadata
              };
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        if (id) this.byDisplayId.set(id, [...(this.byDisplayId.get(id) ?? []), output]);
        this.push(output);
        break;
      }
      case 'update_display_data': {
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        for (const output of (id && this.byDisplayId.get(id)) || []) {
          output.data = (c.data ?? {}) as MimeData;
          output.metadata = (c.metadata ?? {}) as Record<string, unknown>;
        }
        break;
      }
      case 'clear_output':
        if (c.wait === true) this.clearPending = true;
        else this.outputs.length = 0;
        break;
      case 'error':
        this.push({
          output_type: 'error',
          ename: String(c.ename),
          evalue: String(c.evalue),
          traceback: (c.traceback as string[]) ?? []
        });
        break;
      default:
        // execute_input and status carry no output.
        break;
    }
  }
}

/** The notebook as nbformat JSON text, text fields split into lines as Jupyter writes them. */
export function serializeNotebook(nb: Notebook): string {
  const cells = nb.cells.map(cell => {
    const out: NotebookCell = { ...cell, source: splitLines(joinSource(cell.source)) };
    if (cell.outputs) {
      out.outputs = cell.outputs.map(o =>
        o.output_type === 'stream' ? { ...o, text: splitLines(joinSource(o.text)) } : o
      );
    }
    return out;
  });
  return JSON.stringify({ ...nb, cells }, null, 1) + '\n';
}
