/**
 * What `neurostorm run` writes into the executed notebook's metadata so a shared notebook says how
 * its numbers were made: `metadata.neurostorm.execution` (the parameters injected, when it ran, the
 * wall time of every code cell) and `metadata.neurostorm.runs` (every run record the cells' outputs
 * carry — run folder, task, mode, status, manifest with data hash, seeds, versions, provider, and
 * the evaluation — the latest record of each run folder). Each cell also gets
 * `metadata.neurostorm.seconds`.
 */
import type { Notebook, NotebookCell } from './notebook-format';
import type { ParameterValue } from './notebook-run';

/** The output-metadata key the magics put run records under (kernel/notebook/magic/run-record.ts). */
const RUN_RECORD_KEY = 'neurostorm_run';

export interface CellTiming {
  /** Index among all cells of the executed notebook (the injected parameters cell included). */
  index: number;
  id?: string;
  seconds: number;
}

export interface ExecutionRecord {
  format: 'neurostorm-notebook-run/1';
  parameters: Record<string, ParameterValue>;
  started: string;
  seconds: number;
  cells: CellTiming[];
  /** Index of the cell that failed, or null. */
  failedCell: number | null;
}

/** Times one cell: call before executing it, call the result after. */
export function cellTimer(nb: Notebook, index: number, timings: CellTiming[]): () => void {
  const t0 = process.hrtime.bigint();
  return () => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cell = nb.cells[index] as NotebookCell & { id?: string };
    cell.metadata = { ...cell.metadata, neurostorm: { ...((cell.metadata as Record<string, unknown>).neurostorm as object), seconds } };
    timings.push({ index, ...(cell.id ? { id: cell.id } : {}), seconds });
  };
}

/** Run records in the outputs, in order, the last of each run folder kept. */
export function runRecords(nb: Notebook): Record<string, unknown>[] {
  const byRun = new Map<string, Record<string, unknown>>();
  for (const cell of nb.cells) {
    for (const o of (cell.outputs ?? []) as { metadata?: Record<string, unknown> }[]) {
      const r = o.metadata?.[RUN_RECORD_KEY] as Record<string, unknown> | undefined;
      if (r && typeof r.run === 'string') {
        byRun.delete(r.run);
        byRun.set(r.run, r);
      }
    }
  }
  return [...byRun.values()];
}

/** Writes `metadata.neurostorm` (execution record and run records) into `nb`. */
export function recordProvenance(nb: Notebook, execution: Omit<ExecutionRecord, 'format'>): void {
  const previous = (nb.metadata.neurostorm ?? {}) as Record<string, unknown>;
  nb.metadata.neurostorm = { ...previous, execution: { format: 'neurostorm-notebook-run/1', ...execution }, runs: runRecords(nb) };
}
