/**
 * How a failed cell's error reads in the notebook (the ename/evalue/traceback triple).
 *
 * - our typed errors (NeuroStormError): `Name [code]: message`, then `file:` and `hint:` lines —
 *   no stack, the message is the report;
 * - Node's file-system errors (raw `ENOENT: ... stat '...'`): a plain sentence naming the path;
 * - anything else: `Name: message` and the frames of user code only (no Node, tslab, compiled-cell
 *   `evalmachine` or neurostorm-lab frames);
 * - compiler errors inside a `%neurostorm` line's `{placeholder}`: named by the placeholder.
 * The full stack of any error comes back on request: `ns.notebook.showTracebacks(true)` or
 * NEUROSTORM_TRACEBACK=1.
 */
import * as path from 'path';
import * as util from 'util';
import { AbortedError, NeuroStormError } from '../../errors';
import { placeholderAt } from './cell-rewrite';
import { ErrorContent } from '../../verbs/jupyter/wire';

export type Failure =
  | { kind: 'diagnostic'; text: string; line?: number; column?: number; message?: string }
  | { kind: 'thrown'; value: unknown };

/** Errors tslab and Node raise when a cell is stopped from outside (executor.interrupt, breakOnSigint). */
const RELEASED = /^Interrupted asynchronously/;
const SIGINT_STOPPED = /^Script execution was interrupted by `SIGINT`/;

let fullTracebacks = process.env.NEUROSTORM_TRACEBACK === '1';

/** Whether failed cells show every stack frame (default: only the report, as above). */
export function showTracebacks(on = true): void {
  fullTracebacks = on;
}

/** The compiled package's root (lib/kernel or kernel/): frames in it are ours, not the user's. */
const PACKAGE_DIR = path.resolve(__dirname, '..', '..');

function isInternalFrame(line: string): boolean {
  return /\(node:|at node:|node_modules[\\/]|<anonymous>\)?$/.test(line) || line.includes(PACKAGE_DIR + path.sep);
}

/**
 * A frame of a function the user wrote in a cell, as `at explode (cell)`: tslab runs cells as
 * `evalmachine.<anonymous>` and its line numbers count compiled code, so they would mislead. The
 * cell's own top level (`at evalmachine.<anonymous>:3:7`, no function name) says nothing: dropped.
 */
function cellFrame(line: string): string | null {
  const named = /^(\s+at )(.+?) \(evalmachine\.<anonymous>:\d+:\d+\)$/.exec(line);
  return named ? `${named[1]}${named[2]} (cell)` : null;
}

function frames(stack: string | undefined, all: boolean): string[] {
  const lines = (stack ?? '').split('\n').filter(l => /^\s+at /.test(l));
  if (all) return lines.filter(l => !/\(node:|at node:/.test(l));
  return lines.flatMap(l => {
    if (l.includes('evalmachine.<anonymous>')) {
      const cell = cellFrame(l);
      return cell ? [cell] : [];
    }
    return isInternalFrame(l) ? [] : [l];
  });
}

/** What Node's system error codes mean, in words (the ones file access raises). */
const SYSTEM_ERRORS: Record<string, [ename: string, words: string]> = {
  ENOENT: ['FileNotFoundError', 'no such file or directory'],
  EACCES: ['PermissionError', 'permission denied'],
  EPERM: ['PermissionError', 'operation not permitted'],
  EISDIR: ['IsADirectoryError', 'is a directory, not a file'],
  ENOTDIR: ['NotADirectoryError', 'a part of the path is not a directory'],
  EEXIST: ['FileExistsError', 'already exists'],
  ENOSPC: ['DiskFullError', 'no space left on the device'],
  EMFILE: ['OSError', 'too many open files']
};

interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
}

function isSystemError(value: Error): value is SystemError {
  const code = (value as Partial<SystemError>).code;
  return typeof code === 'string' && code in SYSTEM_ERRORS;
}

/** An Error of any realm (a cell's vm, a test sandbox): `instanceof Error` misses those. */
function isError(value: unknown): value is Error {
  return value instanceof Error || util.types.isNativeError(value);
}

/** The message of a typed error without the `file: ` prefix and ` (hint)` suffix errors.ts adds. */
function bareMessage(err: NeuroStormError): string {
  let m = err.message;
  if (err.file && m.startsWith(`${err.file}: `)) m = m.slice(err.file.length + 2);
  if (err.hint && m.endsWith(` (${err.hint})`)) m = m.slice(0, -(err.hint.length + 3));
  return m;
}

function diagnosticContent(failures: Failure[], code: string | undefined): ErrorContent {
  const texts = failures.map(f => {
    if (f.kind !== 'diagnostic' || code === undefined || f.line === undefined || f.column === undefined)
      return f.kind === 'diagnostic' ? f.text : '';
    const span = placeholderAt(code, f.line, f.column);
    return span ? `%neurostorm line ${f.line}: placeholder ${span.written}: ${f.message ?? f.text}` : f.text;
  });
  return { ename: 'CompileError', evalue: texts[0], traceback: texts };
}

/** The error triple for a cell's failures (compiler diagnostics first, as tslab reports them). */
export function errorContent(failures: readonly Failure[], code?: string): ErrorContent {
  const diagnostics = failures.filter(f => f.kind === 'diagnostic');
  if (diagnostics.length) return diagnosticContent(diagnostics, code);
  const thrown = failures.find((f): f is { kind: 'thrown'; value: unknown } => f.kind === 'thrown');
  const value = thrown?.value;
  if (!isError(value)) {
    const text = thrown ? util.inspect(value) : 'the cell failed without an error value';
    return { ename: 'Error', evalue: text, traceback: [`Uncaught ${text}`] };
  }
  if (SIGINT_STOPPED.test(value.message)) {
    const evalue = 'interrupted';
    return { ename: 'AbortedError', evalue, traceback: [`AbortedError: ${evalue}`] };
  }
  if (RELEASED.test(value.message)) {
    const evalue =
      'interrupted; the cell was released before it reached a safe point, and what it started stops at its next one (it prints nothing more)';
    return { ename: 'AbortedError', evalue, traceback: [`AbortedError: ${evalue}`] };
  }
  if (value instanceof NeuroStormError) {
    const message = bareMessage(value);
    const lines = [`${value.name} [${value.code}]: ${message}`];
    if (value.file) lines.push(`  file: ${value.file}`);
    if (value.hint) lines.push(`  hint: ${value.hint}`);
    if (fullTracebacks && !(value instanceof AbortedError)) lines.push(...frames(value.stack, true));
    return { ename: value.name, evalue: value.message, traceback: lines };
  }
  if (isSystemError(value)) {
    const [ename, words] = SYSTEM_ERRORS[value.code];
    const evalue = value.path ? `${words}: ${value.path}` : words;
    const lines = [`${ename}: ${evalue}`];
    if (value.syscall) lines.push(`  (${value.syscall} failed with ${value.code})`);
    if (fullTracebacks) lines.push(...frames(value.stack, true));
    return { ename, evalue, traceback: lines };
  }
  const head = `${value.name}: ${value.message}`;
  return { ename: value.name, evalue: value.message, traceback: [head, ...frames(value.stack, fullTracebacks)] };
}
