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
import { NiftiImage } from '../../nifti';
import { ambientSignal, runWithSignal } from '../../progress';
import { isDisplayable, MIME_BUNDLE, setDisplaySink } from '../display/display';
import { niftiSummary } from '../display/nifti-summary';
import { completeMagic, isMagicVerb, magicHelp, magicValueBundle } from '../magic';
import { blankMagics, magicBeforeCursor, prepareCell, rewriteMagics } from './cell-rewrite';
import { errorContent, Failure } from './error-report';
import { AssignedKeeper } from './keep-assigned';
import { StreamBuffer } from './stream-buffer';
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
} from '../../verbs/jupyter/wire';

export { errorContent };
export type { Failure };

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

interface RunningCell {
  results: unknown[];
  failures: Failure[];
  controller: AbortController;
  graceTimer: NodeJS.Timeout | null;
}

/** A value as a MIME bundle: a displayable's own bundle (with text/plain ensured), else inspected text. */
export function bundleOf(value: unknown): MimeBundle {
  // A magic already showed its result; as the cell's value it is one line naming it (magic/run-magic.ts).
  const fromMagic = magicValueBundle(value);
  if (fromMagic) return fromMagic;
  if (isDisplayable(value)) {
    const b = value[MIME_BUNDLE]();
    const name = (value as object).constructor?.name ?? 'display';
    return { data: { 'text/plain': `<${name}>`, ...b.data }, metadata: b.metadata };
  }
  if (value instanceof NiftiImage) return { data: { 'text/plain': niftiSummary(value) }, metadata: {} };
  return { data: { 'text/plain': util.inspect(value, { depth: 4, breakLength: 100 }) }, metadata: {} };
}

/**
 * Where inspection (Shift-Tab) should look: at the cursor, or — when the cursor sits in a call's
 * argument list, as after typing `ns.models.load(` — at the callee's name before the parenthesis.
 */
export function inspectPositions(code: string, cursor: number): number[] {
  const out = [cursor];
  let depth = 0;
  for (let i = cursor - 1; i >= 0; i--) {
    const c = code[i];
    if (c === ')') depth++;
    else if (c === '(') {
      if (depth === 0) {
        let j = i;
        while (j > 0 && /\s/.test(code[j - 1])) j--;
        if (j > 0 && /[\w$]/.test(code[j - 1])) out.push(j - 1);
        break;
      }
      depth--;
    } else if (c === ';' && depth === 0) break;
  }
  return out;
}

export class KernelHandler {
  private executionCount = 0;
  private cell: RunningCell | null = null;
  /** The channel of the latest request: output written after a cell ends still lands in that cell. */
  private lastOutput: OutputChannel | null = null;
  /** Coalesced stdout/stderr of the latest request (stream-buffer.ts). */
  private streams: StreamBuffer | null = null;
  private readonly executor: Executor;

  /**
   * `createExecutor` gets the console through which tslab reports results and failures; `prepare`
   * rewrites a cell's source before tslab sees it (magics, tslab workarounds); `keeper`, when given,
   * keeps the names a failed cell assigned (keep-assigned.ts; its converter must be the executor's).
   */
  constructor(
    createExecutor: (console: ConsoleInterface) => Executor,
    private readonly prepare: (code: string) => string = prepareCell,
    private readonly keeper: AssignedKeeper | null = null
  ) {
    this.executor = createExecutor({
      log: (value: unknown) => this.cell?.results.push(value),
      error: (first: unknown, ...rest: unknown[]) => {
        const failure: Failure =
          first === DIAGNOSTIC_FORMAT
            ? {
                kind: 'diagnostic',
                text: util.format(first, ...rest),
                line: Number(rest[1]),
                column: Number(rest[2]),
                message: String(rest[3])
              }
            : { kind: 'thrown', value: first };
        if (this.cell) this.cell.failures.push(failure);
        else this.writeStream('stderr', util.format(first, ...rest) + '\n');
      }
    });
  }

  /**
   * Whether the caller runs inside a cell that was interrupted and has already been reported:
   * work that cell left behind (released by tslab before reaching a safe point) prints nothing more.
   */
  private fromFinishedInterruptedCell(): boolean {
    const signal = ambientSignal();
    return signal !== undefined && signal.aborted && signal !== this.cell?.controller.signal;
  }

  /** Routes text written to process.stdout/stderr into the latest cell's output. */
  writeStream(name: 'stdout' | 'stderr', text: string): boolean {
    if (!this.lastOutput || !this.streams) return false;
    if (this.fromFinishedInterruptedCell()) return true;
    this.streams.write(name, text);
    return true;
  }

  async execute(req: ExecuteRequest, output: OutputChannel): Promise<ExecuteReply> {
    const quiet = req.silent;
    // Text still buffered from the previous request belongs to that request.
    this.streams?.flush();
    const streams = new StreamBuffer(content => !quiet && output({ msgType: 'stream', content }));
    // Any other output first sends the text printed before it, so the order is kept.
    const publish: OutputChannel = quiet
      ? () => undefined
      : message => {
          streams.flush();
          output(message);
        };
    if (req.store_history !== false && !quiet) this.executionCount++;
    const count = this.executionCount;
    if (!quiet) publish({ msgType: 'execute_input', content: { code: req.code, execution_count: count } });
    this.lastOutput = quiet ? null : output;
    this.streams = quiet ? null : streams;
    const visible = (send: () => void) => {
      if (!this.fromFinishedInterruptedCell()) send();
    };
    setDisplaySink({
      display: (bundle, displayId) =>
        visible(() =>
          publish({
            msgType: 'display_data',
            content: { ...bundle, transient: displayId ? { display_id: displayId } : {} }
          })
        ),
      update: (bundle, displayId) =>
        visible(() =>
          publish({
            msgType: 'update_display_data',
            content: { ...bundle, transient: { display_id: displayId } }
          })
        )
    });
    const cell: RunningCell = {
      results: [],
      failures: [],
      controller: new AbortController(),
      graceTimer: null
    };
    this.cell = cell;
    this.keeper?.beforeCell(this.executor.locals);
    let ok: boolean;
    try {
      ok = await runWithSignal(cell.controller.signal, () => this.executor.execute(this.prepare(req.code)));
    } finally {
      if (cell.graceTimer) clearTimeout(cell.graceTimer);
      this.cell = null;
    }
    streams.flush();
    if (ok && cell.failures.length === 0) {
      const last = cell.results[cell.results.length - 1];
      if (cell.results.length && last !== undefined) {
        publish({ msgType: 'execute_result', content: { execution_count: count, ...bundleOf(last) } });
      }
      return { status: 'ok', execution_count: count, user_expressions: {}, payload: [] };
    }
    // A cell that failed while running keeps what it assigned before the error (IPython's rule).
    if (cell.failures.every(f => f.kind === 'thrown') && this.keeper?.afterFailure(this.executor.locals)) {
      await this.executor.execute('');
    }
    const error = errorContent(cell.failures, req.code);
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
      const known = verb !== undefined && isMagicVerb(verb);
      return {
        status: 'ok',
        found: true,
        data: { 'text/plain': magicHelp(undefined, known ? verb : undefined) },
        metadata: {}
      };
    }
    const code = blankMagics(req.code);
    const info = inspectPositions(code, req.cursor_pos)
      .map(pos => this.executor.inspect(code, pos))
      .find(i => i !== undefined && i !== null);
    if (!info) return { status: 'ok', found: false, data: {}, metadata: {} };
    return { status: 'ok', found: true, data: { 'text/plain': printQuickInfo(info) }, metadata: {} };
  }

  close(): void {
    this.executor.close();
  }
}
