#!/usr/bin/env node
/**
 * The `neurostorm` executable, generated from the verb table (kernel/verbs): looks the verb up,
 * checks its arguments against the verb's schema (usage errors exit 2 before any work), runs it
 * with a progress bar on stderr and an interrupt on Ctrl-C, and presents the result (present.ts).
 */
import { AbortedError, NeuroStormError, UsageError } from '../errors';
import { packageVersion } from '../version';
import { findVerb, helpText, offeredBy, parseVerbArgs, usageLine, VERBS, verbHelp } from '../verbs';
import { presentJson, presentText } from './present';
import { progressBar, ProgressSink } from './progress-bar';
import { CLI_STYLE } from './style';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /**
   * Aborts the running verb at its next safe point (the executable wires SIGINT/SIGTERM here, with
   * the signal's name as the reason); a verb stopped so exits 130 (SIGINT) or 143 (SIGTERM).
   */
  signal?: AbortSignal;
  /** In-place writes to a terminal's stderr; absent for logs (plain progress lines then). */
  tty?: ProgressSink['tty'];
}

function mainHelp(): string {
  return [
    `neurostorm ${packageVersion()}: NeuroSTORM fMRI foundation model tools`,
    '',
    helpText(VERBS, CLI_STYLE).replace(/^usage: .*\n\n/, 'usage: neurostorm <verb> [flags]   (neurostorm <verb> --help for its flags)\n\n'),
    '',
    'flags: --help, -h   this help;  --version, -V   the version'
  ].join('\n');
}

/** Runs one CLI invocation; resolves to its exit code (never throws). */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(packageVersion());
    return 0;
  }
  const verb = findVerb(VERBS.filter(v => offeredBy(v, 'cli')), name);
  if (!verb) {
    io.err(`neurostorm: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(verbHelp(verb, CLI_STYLE));
    return 0;
  }
  const bar = progressBar({ err: io.err, tty: io.tty });
  try {
    const { input, extra } = parseVerbArgs(verb, rest, CLI_STYLE);
    const result = await verb.call(input, { env: io.env, signal: io.signal, onProgress: bar.onProgress });
    bar.end();
    const shown = extra.json ? presentJson(result) : presentText(result);
    if (shown.out !== undefined) io.out(shown.out);
    if (shown.err !== undefined) io.err(shown.err);
    return shown.code;
  } catch (err) {
    bar.end();
    if (err instanceof UsageError) {
      io.err(`neurostorm ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof AbortedError && io.signal?.aborted) {
      // Stopped by the user at a safe point: the shell's code for the signal (128 + its number).
      io.err(`neurostorm ${name}: ${err.message}`);
      return io.signal.reason === 'SIGTERM' ? 143 : 130;
    }
    if (err instanceof NeuroStormError) {
      io.err(`neurostorm ${name}: ${err.name} [${err.code}]: ${err.message}`);
      if (io.env.NEUROSTORM_DEBUG && err.stack) io.err(err.stack);
      return 1;
    }
    io.err(`neurostorm ${name}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}

/** The usage line of a CLI verb (for other tools and docs). */
export function cliUsage(name: string): string | undefined {
  const verb = findVerb(VERBS, name);
  return verb && offeredBy(verb, 'cli') ? usageLine(verb, CLI_STYLE) : undefined;
}

/** How long a verb has to stop at a safe point after the first interrupt before the process exits. */
const INTERRUPT_GRACE_MS = 10_000;

if (require.main === module) {
  // The first Ctrl-C (or SIGTERM) stops the verb at its next safe point, so files written so far
  // stay complete and a training run leaves a resumable checkpoint; a second one, or a verb that
  // has not stopped within the grace period, exits at once.
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    const code = signal === 'SIGINT' ? 130 : 143;
    if (controller.signal.aborted) process.exit(code);
    process.stderr.write(`\nneurostorm: ${signal}: stopping at the next safe point (again to exit now)\n`);
    controller.abort(signal);
    setTimeout(() => process.exit(code), INTERRUPT_GRACE_MS).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const io: CliIO = {
    out: t => process.stdout.write(t + '\n'),
    err: t => process.stderr.write(t + '\n'),
    env: process.env,
    signal: controller.signal,
    tty: process.stderr.isTTY ? { write: t => process.stderr.write(t), columns: process.stderr.columns } : undefined
  };
  void runCli(process.argv.slice(2), io).then(code => {
    process.exitCode = code;
  });
}
