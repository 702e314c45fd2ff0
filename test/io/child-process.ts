/**
 * Runs a snippet of JavaScript in a fresh `node` process that can `require` the kernel's TypeScript
 * sources directly (each file is transpiled on load with typescript.transpileModule: no build, no
 * type check), and reports the child's peak RSS. Memory bounds of hostile inputs are asserted on
 * the child, so the jest worker's own heap does not blur them and an out-of-memory kill shows up as
 * an exit status instead of taking the test runner down. The transpiling hook is the one the
 * training tests use (test/train/ts-register.js).
 *
 * Inside the snippet: `kernel(relPath)` requires a kernel module (e.g. 'models/weights/torch-file'),
 * `report(value)` records the JSON result; the snippet body may use `await`.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
/** `node -r` this to require .ts files (transpiled per file, as ts-jest does). */
export const TS_REGISTER = path.join(ROOT, 'test', 'train', 'ts-register.js');

const PRELUDE = `
const path = require('path');
const kernel = rel => require(path.join(${JSON.stringify(path.join(ROOT, 'kernel'))}, rel));
let reported;
const report = value => { reported = value; };
const errorInfo = err => ({ name: err && err.name, code: err && err.code, message: String(err && err.message), file: err && err.file });
// Peak RSS of THIS process image in MiB. Linux's getrusage maxRSS survives exec: a child forked from
// a 3.8 GB jest worker reports 3.8 GB before doing anything. VmHWM belongs to the exec'd image only.
const peakRss = () => {
  try {
    const m = /^VmHWM:\\s+(\\d+) kB$/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch (e) {}
  return process.resourceUsage().maxRSS / 1024;
};
`;

export interface ChildResult<T> {
  /** Exit status (134 / null with a signal when V8 or the kernel killed it for memory). */
  status: number | null;
  signal: NodeJS.Signals | null;
  /** What the snippet passed to report(). */
  value: T;
  /** Peak resident set size of the child, MiB (/proc VmHWM; getrusage ru_maxrss elsewhere). */
  peakRssMb: number;
  /** Peak RSS right before the snippet body ran (node + typescript + the required modules). */
  baselineRssMb: number;
  stderr: string;
}

/**
 * Runs `body` (an async function body) in a child node. `preload` lines run before the baseline
 * is taken (require the modules the body uses there, so their transpilation is not counted).
 */
export function runInChild<T>(body: string, options: { preload?: string; env?: Record<string, string>; timeoutMs?: number } = {}): ChildResult<T> {
  const script = `${PRELUDE}
(async () => {
  ${options.preload ?? ''}
  if (global.gc) global.gc();
  const baseline = peakRss();
  try {
    ${body}
  } finally {
    process.stdout.write('\\n@@CHILD@@' + JSON.stringify({ value: reported === undefined ? null : reported, baseline, peak: peakRss() }) + '\\n');
  }
})().catch(err => { console.error(err); process.exit(3); });
`;
  const r = spawnSync(process.execPath, ['-r', TS_REGISTER, '--expose-gc', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: options.timeoutMs ?? 120000,
    maxBuffer: 64 * 2 ** 20
  });
  const marker = r.stdout?.lastIndexOf('@@CHILD@@') ?? -1;
  const parsed = marker >= 0 ? (JSON.parse(r.stdout.slice(marker + 9).trim()) as { value: T; baseline: number; peak: number }) : null;
  return {
    status: r.status,
    signal: r.signal,
    value: (parsed?.value ?? null) as T,
    peakRssMb: parsed?.peak ?? NaN,
    baselineRssMb: parsed?.baseline ?? NaN,
    stderr: r.stderr ?? ''
  };
}
