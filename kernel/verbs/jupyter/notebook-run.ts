/**
 * `neurostorm run NOTEBOOK.ipynb [-p key=value ...] [-o OUT.ipynb]`: executes a notebook headless on
 * our kernel. Parameters go into a new cell after the cell tagged `parameters` (papermill's
 * convention; at the top when no cell has the tag). Outputs are saved atomically, also when a cell
 * fails; then the run stops and reports that cell's traceback.
 */
import * as path from 'path';
import { KernelProtocolError, UsageError } from '../../errors';
import { writeFileAtomic } from '../../io/atomic';
import { KernelClient } from './kernel-client';
import { launchKernel } from './kernel-launch';
import {
  joinSource,
  Notebook,
  NotebookCell,
  OutputCollector,
  readNotebook,
  serializeNotebook
} from './notebook-format';
import { ErrorContent, JupyterMessage } from './wire';
import { CellTiming, cellTimer, recordProvenance } from './provenance';

export type ParameterValue = string | number | boolean | null | unknown[] | Record<string, unknown>;

/**
 * Parses `key=value` items. A value is JSON when it parses as JSON (numbers, booleans, arrays,
 * quoted strings), else the raw text. Items without `=` continue the previous value: the flag parser
 * splits list flags at commas, and this joins `-p ids=[1,2]` back together.
 */
export function parseParameters(items: readonly string[]): Record<string, ParameterValue> {
  const pairs: [string, string][] = [];
  for (const item of items) {
    const m = /^([A-Za-z_$][\w$]*)=(.*)$/s.exec(item);
    if (m) pairs.push([m[1], m[2]]);
    else if (pairs.length) pairs[pairs.length - 1][1] += ',' + item;
    else
      throw new UsageError(`parameter "${item}" is not key=value`, {
        hint: 'usage: -p name=value (name a TypeScript identifier)'
      });
  }
  const out: Record<string, ParameterValue> = {};
  for (const [key, raw] of pairs) {
    try {
      out[key] = JSON.parse(raw) as ParameterValue;
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

/** The injected cell's source: one `let` per parameter, which overrides the parameters cell's values. */
export function parametersSource(params: Record<string, ParameterValue>): string {
  const lines = Object.entries(params).map(([k, v]) => `let ${k} = ${JSON.stringify(v)};`);
  return ['// Parameters injected by neurostorm run', ...lines].join('\n');
}

/** Inserts the parameters cell after the cell tagged `parameters` (or first); replaces an earlier injection. */
export function injectParameters(nb: Notebook, params: Record<string, ParameterValue>): void {
  nb.cells = nb.cells.filter(c => !(c.metadata.tags ?? []).includes('injected-parameters'));
  if (Object.keys(params).length === 0) return;
  const at = nb.cells.findIndex(c => (c.metadata.tags ?? []).includes('parameters'));
  const cell: NotebookCell = {
    cell_type: 'code',
    source: parametersSource(params),
    metadata: { tags: ['injected-parameters'] },
    outputs: [],
    execution_count: null
  };
  nb.cells.splice(at + 1, 0, cell);
}

export interface RunOptions {
  parameters: Record<string, ParameterValue>;
  /** Per-cell limit in seconds; 0 for none. A cell over it is stopped and counts as failed. */
  timeoutSeconds: number;
  env?: NodeJS.ProcessEnv;
  /**
   * Called as each cell starts: its index among all cells (what failures name), its 1-based place
   * among the code cells that run, and how many of those there are (so progress reads 3/11, never 18/11).
   */
  onCell?: (index: number, ordinal: number, total: number) => void;
}

export interface RunFailure extends ErrorContent {
  cellIndex: number;
}

export interface RunResult {
  notebook: Notebook;
  failure: RunFailure | null;
}

/**
 * How long a cell that must stop (--timeout, Ctrl-C) gets after SIGINT and interrupt_request before
 * the kernel is killed. SIGINT breaks synchronous code (the kernel runs cells with breakOnSigint) and
 * the interrupt stops API work at its next safe point; a loop that yields to neither — `while (true)`
 * after an `await` — can only be stopped by ending the process.
 */
export const STOP_GRACE_MS = 3000;

/** Why the run stopped a cell from outside; becomes that cell's error. */
interface StopReason {
  ename: string;
  evalue: string;
  hint: string;
}

/** The error a stopped cell shows, saying whether the kernel had to be killed. */
function stoppedError(reason: StopReason, killed: boolean): ErrorContent {
  const evalue = killed
    ? `${reason.evalue}; it did not reach a safe point within ${STOP_GRACE_MS / 1000} s, so the kernel was ended`
    : reason.evalue;
  return { ename: reason.ename, evalue, traceback: [`${reason.ename}: ${evalue}`, `  hint: ${reason.hint}`] };
}

/** Executes every code cell in order on a fresh kernel started in the notebook's folder. */
export async function runNotebook(input: string, output: string, options: RunOptions): Promise<RunResult> {
  const nb = readNotebook(input);
  injectParameters(nb, options.parameters);
  for (const cell of nb.cells) {
    if (cell.cell_type === 'code') {
      cell.outputs = [];
      cell.execution_count = null;
    }
  }
  const started = new Date();
  const timings: CellTiming[] = [];
  const kernel = await launchKernel(path.dirname(path.resolve(input)), options.env);
  const client = new KernelClient(kernel.connection);
  let kernelGone = false;
  void kernel.exited.then(code => {
    kernelGone = true;
    client.fail(
      new KernelProtocolError(`the kernel exited (${code})`, {
        hint: kernel.log().trim().split('\n').slice(-5).join(' | ')
      })
    );
  });
  let stopReason: StopReason | null = null;
  let killed = false;
  let killTimer: NodeJS.Timeout | null = null;
  const killKernel = () => {
    if (kernelGone) return;
    killed = true;
    kernel.process.kill('SIGKILL');
  };
  /** Stops the running cell: SIGINT + interrupt_request, then the kernel's end after the grace. */
  const stopCell = (reason: StopReason) => {
    if (stopReason) return killKernel(); // asked twice (Ctrl-C again): no more waiting
    stopReason = reason;
    if (kernelGone) return;
    kernel.process.kill('SIGINT');
    void client.interrupt().catch(() => undefined);
    killTimer = setTimeout(killKernel, STOP_GRACE_MS);
  };
  // Ctrl-C stops the running cell (the run then ends there and saves); SIGTERM ends the kernel at
  // once. Neither leaves the kernel behind; the partial notebook is saved in both cases.
  const onSigint = () =>
    stopCell({
      ename: 'AbortedError',
      evalue: 'neurostorm run was interrupted (SIGINT)',
      hint: 'outputs up to this cell are saved; run again to redo the rest'
    });
  const onSigterm = () => {
    stopReason ??= {
      ename: 'AbortedError',
      evalue: 'neurostorm run was terminated (SIGTERM)',
      hint: 'outputs up to this cell are saved; run again to redo the rest'
    };
    killKernel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.on('exit', killKernel);
  let failure: RunFailure | null = null;
  try {
    try {
      await client.waitReady(60_000);
    } catch (err) {
      // Stopped (Ctrl-C, SIGTERM) while the kernel was starting: nothing ran, the first cell says why.
      if (!stopReason) throw err;
      const first = nb.cells.findIndex(c => c.cell_type === 'code');
      failure = { cellIndex: Math.max(first, 0), ...stoppedError(stopReason, killed) };
      return { notebook: nb, failure };
    }
    let collector: OutputCollector | null = null;
    // Empty code cells are skipped, so they are not counted either.
    const runs = (c: NotebookCell) => c.cell_type === 'code' && joinSource(c.source).trim() !== '';
    const codeCells = nb.cells.filter(runs).length;
    let ordinal = 0;
    for (const [index, cell] of nb.cells.entries()) {
      if (!runs(cell)) continue;
      const code = joinSource(cell.source);
      if (stopReason) break;
      options.onCell?.(index, ++ordinal, codeCells);
      const outputs = cell.outputs ?? (cell.outputs = []);
      collector = collector ? collector.retarget(outputs) : new OutputCollector(outputs);
      const sink = collector;
      const limit = options.timeoutSeconds;
      const timer =
        limit > 0
          ? setTimeout(
              () =>
                stopCell({
                  ename: 'TimeoutError',
                  evalue: `the cell exceeded --timeout ${limit} (${limit} s) and was stopped`,
                  hint: 'raise --timeout (seconds per cell), or --timeout 0 for no limit'
                }),
              limit * 1000
            )
          : null;
      let reply: JupyterMessage | null = null;
      let error: ErrorContent | null = null;
      const timed = cellTimer(nb, index, timings);
      try {
        reply = await client.execute(code, msg => sink.add(msg));
      } catch (err) {
        // The kernel died or broke the protocol during this cell: that is this cell's failure.
        if (!(err instanceof KernelProtocolError)) throw err;
        error = { ename: err.name, evalue: err.message, traceback: [`${err.name}: ${err.message}`] };
      } finally {
        timed();
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
      }
      const content = (reply?.content ?? {}) as { status?: string; execution_count?: number } & Partial<ErrorContent>;
      cell.execution_count = typeof content.execution_count === 'number' ? content.execution_count : null;
      if (stopReason) {
        // The kernel's own report ("interrupted") gives way to why the run stopped the cell.
        error = stoppedError(stopReason, killed);
        cell.outputs = outputs.filter(o => o.output_type !== 'error');
        cell.outputs.push({ output_type: 'error', ...error });
      } else if (error) {
        outputs.push({ output_type: 'error', ...error });
      } else if (content.status !== 'ok') {
        error = {
          ename: content.ename ?? 'Error',
          evalue: content.evalue ?? `cell ${content.status ?? 'failed'}`,
          traceback: content.traceback ?? []
        };
      }
      if (error) {
        failure = { cellIndex: index, ...error };
        break;
      }
    }
    if (!kernelGone) {
      const asked = client.shutdown().catch(() => undefined);
      await Promise.race([asked, new Promise<void>(r => setTimeout(r, STOP_GRACE_MS).unref())]);
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    client.close();
    const stopped = await Promise.race([
      kernel.exited.then(() => true),
      new Promise<boolean>(r => setTimeout(() => r(false), 3000).unref())
    ]);
    if (!stopped) killKernel();
    await kernel.exited;
    process.off('exit', killKernel);
    // Provenance: parameters, per-cell wall times and the run records the outputs carry.
    recordProvenance(nb, { parameters: options.parameters, started: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000, cells: timings, failedCell: failure?.cellIndex ?? null });
    await writeFileAtomic(output, serializeNotebook(nb));
  }
  return { notebook: nb, failure };
}

/** Where `run` writes when no -o is given: beside the input, `<name>.run.ipynb`. */
export function defaultOutputPath(input: string): string {
  const parsed = path.parse(input);
  return path.join(parsed.dir, `${parsed.name}.run${parsed.ext || '.ipynb'}`);
}
