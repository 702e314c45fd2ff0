/**
 * The kernel's request -> reply logic, apart from ZeroMQ (style.md §7: a pure handler, the transport
 * elsewhere). Wraps tslab's executor and fills the protocol gaps plain tslab leaves
 * (notes/jupyter.md): execute_input, execute_result (instead of printing the last value), `error`
 * messages and error replies with ename/evalue/traceback, interrupts with an abort signal.
 *
 * Requests reach `execute` one at a time (the server queues them), so the state of the running cell
 * lives in `this.cell` for exactly one request.
 */
import * as util from 'util';
import type { Executor, ConsoleInterface } from 'tslab/dist/executor';
import { isCompleteCode } from 'tslab/dist/converter';
import { printQuickInfo } from 'tslab/dist/inspect';
import { AbortedError, NeuroStormError, UsageError } from '../../errors';
import { runWithSignal } from './abort';
import { isDisplayable, MIME_BUNDLE, setDisplaySink } from '../display/display';
import { completeMagic } from '../magic/run-magic';
import { magicHelp } from '../magic/help';
import { MAGIC_VERBS } from '../magic-table';
import { blankMagics, magicBeforeCursor, prepareCell, rewriteMagics } from './cell-rewrite';
import {
  CompleteRequest,
  DisplayContent,
  ErrorContent,
  ExecuteReply,
  ExecuteRequest,
  ExecuteResultContent,
  InspectRequest,
  IsCompleteRequest,
  MimeBundle,
  StreamContent
} from './wire';

/** IOPub messages one execute request may publish. */
export type OutputMessage =
  | { msgType: 'stream'; content: StreamContent }
  | { msgType: 'execute_input'; content: { code: string; execution_count: number } }
  | { msgType: 'display_data'; content: DisplayContent }
  | { msgType: 'update_display_data'; content: DisplayContent }
  | { msgType: 'execute_result'; content: ExecuteResultContent }
  | { msgType: 'error'; content: ErrorContent };

/** Where one request's IOPub messages go (the server binds it to the request's header). */
export type OutputChannel = (message: OutputMessage) => void;

/** How long an interrupted cell has to reach a safe point before tslab's own interrupt releases it. */
export const INTERRUPT_GRACE_MS = 2000;

/** tslab prints each compiler diagnostic with this format (tslab/dist/executor.js printDiagnostics). */
const DIAGNOSTIC_FORMAT = '%s%d:%d - %s';
/** Errors tslab and Node raise when a cell is stopped from outside (executor.interrupt, breakOnSigint). */
const OUTSIDE_INTERRUPT = /^(Interrupted asynchronously|Script execution was interrupted by `SIGINT`)/;

type Failure = { kind: 'diagnostic'; text: string } | { kind: 'thrown'; value: unknown };

interface RunningCell {
  results: unknown[];
  failures: Failure[];
  controller: AbortController;
  graceTimer: NodeJS.Timeout | null;
}

/** A value as a MIME bundle: a displayable's own bundle (with text/plain ensured), else inspected text. */
export function bundleOf(value: unknown): MimeBundle {
  if (isDisplayable(value)) {
    const b = value[MIME_BUNDLE]();
    const name = (value as object).constructor?.name ?? 'display';
    return { data: { 'text/plain': `<${name}>`, ...b.data }, metadata: b.metadata };
  }
  return { data: { 'text/plain': util.inspect(value, { depth: 4, breakLength: 100 }) }, metadata: {} };
}

/** Stack lines of user code and our API, without tslab's and Node's internals. */
function userFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  return stack
    .split('\n')
    .filter(l => /^\s+at /.test(l))
    .filter(
      l => !/\(node:|at node:|tslab[\\/]dist|notebook[\\/](kernel-(handler|server|main)|abort)\.js/.test(l)
    );
}

/** The error triple for a cell's failures (diagnostics first, as tslab reports them). */
export function errorContent(failures: readonly Failure[]): ErrorContent {
  const diagnostics = failures.filter(
    (f): f is { kind: 'diagnostic'; text: string } => f.kind === 'diagnostic'
  );
  if (diagnostics.length) {
    return { ename: 'CompileError', evalue: diagnostics[0].text, traceback: diagnostics.map(d => d.text) };
  }
  const thrown = failures.find((f): f is { kind: 'thrown'; value: unknown } => f.kind === 'thrown');
  const value = thrown?.value;
  if (value instanceof Error) {
    if (OUTSIDE_INTERRUPT.test(value.message)) {
      const evalue =
        'interrupted before reaching a safe point; work it started may still run in the background';
      return { ename: 'AbortedError', evalue, traceback: [`AbortedError: ${evalue}`] };
    }
    const head =
      value instanceof NeuroStormError
        ? `${value.name} [${value.code}]: ${value.message}`
        : `${value.name}: ${value.message}`;
    // A usage error (the user's typo) or an interrupt is not a bug: the message says it all, no stack.
    const frames =
      value instanceof UsageError || value instanceof AbortedError ? [] : userFrames(value.stack);
    return { ename: value.name, evalue: value.message, traceback: [head, ...frames] };
  }
  const text = thrown ? util.inspect(value) : 'the cell failed without an error value';
  return { ename: 'Error', evalue: text, traceback: [`Uncaught ${text}`] };
}

export class KernelHandler {
  private executionCount = 0;
  private cell: RunningCell | null = null;
  /** The channel of the latest request: output written after a cell ends still lands in that cell. */
  private lastOutput: OutputChannel | null = null;
  private readonly executor: Executor;

  /**
   * `createExecutor` gets the console through which tslab reports results and failures; `prepare`
   * rewrites a cell's source before tslab sees it (magics, tslab workarounds).
   */
  constructor(
    createExecutor: (console: ConsoleInterface) => Executor,
    private readonly prepare: (code: string) => string = prepareCell
  ) {
    this.executor = createExecutor({
      log: (value: unknown) => this.cell?.results.push(value),
      error: (first: unknown, ...rest: unknown[]) => {
        const failure: Failure =
          first === DIAGNOSTIC_FORMAT
            ? { kind: 'diagnostic', text: util.format(first, ...rest) }
            : { kind: 'thrown', value: first };
        if (this.cell) this.cell.failures.push(failure);
        else this.writeStream('stderr', util.format(first, ...rest) + '\n');
      }
    });
  }

  /** Routes text written to process.stdout/stderr into the latest cell's output. */
  writeStream(name: 'stdout' | 'stderr', text: string): boolean {
    if (!this.lastOutput) return false;
    this.lastOutput({ msgType: 'stream', content: { name, text } });
    return true;
  }

  async execute(req: ExecuteRequest, output: OutputChannel): Promise<ExecuteReply> {
    const quiet = req.silent;
    const publish: OutputChannel = quiet ? () => undefined : output;
    if (req.store_history !== false && !quiet) this.executionCount++;
    const count = this.executionCount;
    if (!quiet) publish({ msgType: 'execute_input', content: { code: req.code, execution_count: count } });
    this.lastOutput = quiet ? null : output;
    setDisplaySink({
      display: (bundle, displayId) =>
        publish({
          msgType: 'display_data',
          content: { ...bundle, transient: displayId ? { display_id: displayId } : {} }
        }),
      update: (bundle, displayId) =>
        publish({
          msgType: 'update_display_data',
          content: { ...bundle, transient: { display_id: displayId } }
        })
    });
    const cell: RunningCell = {
      results: [],
      failures: [],
      controller: new AbortController(),
      graceTimer: null
    };
    this.cell = cell;
    let ok: boolean;
    try {
      ok = await runWithSignal(cell.controller.signal, () => this.executor.execute(this.prepare(req.code)));
    } finally {
      if (cell.graceTimer) clearTimeout(cell.graceTimer);
      this.cell = null;
    }
    if (ok && cell.failures.length === 0) {
      const last = cell.results[cell.results.length - 1];
      if (cell.results.length && last !== undefined) {
        publish({ msgType: 'execute_result', content: { execution_count: count, ...bundleOf(last) } });
      }
      return { status: 'ok', execution_count: count, user_expressions: {}, payload: [] };
    }
    const error = errorContent(cell.failures);
    publish({ msgType: 'error', content: error });
    return { status: 'error', execution_count: count, ...error };
  }

  /**
   * Interrupt (interrupt_request or SIGINT): abort the cell's signal so API calls stop at their next
   * safe point; if the cell has not finished after the grace period, let tslab release it.
   */
  interrupt(): void {
    const cell = this.cell;
    if (!cell || cell.controller.signal.aborted) return;
    cell.controller.abort();
    cell.graceTimer = setTimeout(() => {
      if (this.cell === cell) this.executor.interrupt();
    }, INTERRUPT_GRACE_MS);
  }

  isComplete(req: IsCompleteRequest): { status: 'complete' | 'incomplete'; indent?: string } {
    const res = isCompleteCode(rewriteMagics(req.code));
    return res.completed ? { status: 'complete' } : { status: 'incomplete', indent: res.indent ?? '' };
  }

  complete(req: CompleteRequest): {
    status: 'ok';
    matches: string[];
    cursor_start: number;
    cursor_end: number;
    metadata: Record<string, unknown>;
  } {
    const magic = magicBeforeCursor(req.code, req.cursor_pos);
    if (magic) {
      const { matches, replace } = completeMagic(magic.text);
      return {
        status: 'ok',
        matches,
        cursor_start: req.cursor_pos - replace,
        cursor_end: req.cursor_pos,
        metadata: {}
      };
    }
    const info = this.executor.complete(blankMagics(req.code), req.cursor_pos);
    return {
      status: 'ok',
      matches: info.candidates,
      cursor_start: info.start,
      cursor_end: info.end,
      metadata: {}
    };
  }

  inspect(req: InspectRequest): {
    status: 'ok';
    found: boolean;
    data: Record<string, string>;
    metadata: Record<string, unknown>;
  } {
    const magic = magicBeforeCursor(req.code, req.cursor_pos);
    if (magic) {
      const verb = magic.text.split(/\s+/)[0];
      const known = verb !== undefined && MAGIC_VERBS.some(v => v.verb === verb);
      return {
        status: 'ok',
        found: true,
        data: { 'text/plain': magicHelp(MAGIC_VERBS, known ? verb : undefined) },
        metadata: {}
      };
    }
    const info = this.executor.inspect(blankMagics(req.code), req.cursor_pos);
    if (!info) return { status: 'ok', found: false, data: {}, metadata: {} };
    return { status: 'ok', found: true, data: { 'text/plain': printQuickInfo(info) }, metadata: {} };
  }

  close(): void {
    this.executor.close();
  }
}
