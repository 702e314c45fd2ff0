/** Notebook files for the end-to-end test (nbformat 4.5). */
import type { MimeBundle } from '../../../kernel/verbs/jupyter/wire';

export interface CodeCell {
  source: string;
  /** Display outputs stored with the cell (JupyterLab renders them on open). */
  outputs?: MimeBundle[];
}

export function notebookJson(cells: CodeCell[], kernel: { name: string; displayName: string } | null): string {
  return JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: kernel ? { kernelspec: { name: kernel.name, display_name: kernel.displayName, language: 'typescript' }, language_info: { name: 'typescript' } } : {},
      cells: cells.map((cell, i) => ({
        cell_type: 'code',
        id: `cell-${i}`,
        metadata: {},
        execution_count: cell.outputs ? i + 1 : null,
        source: cell.source,
        outputs: (cell.outputs ?? []).map(bundle => ({ output_type: 'display_data', data: bundle.data, metadata: bundle.metadata ?? {} }))
      }))
    },
    null,
    1
  );
}
