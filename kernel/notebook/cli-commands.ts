/** The `neurostorm install`, `uninstall` and `run` commands (entries of the table in kernel/cli/commands.ts). */
import * as path from 'path';
import type { CliCommand } from '../cli/commands';
import type { ParsedFlags } from '../cli/flags';
import { UsageError } from '../errors';
import { installJupyter, InstallTarget, uninstallJupyter } from './install';
import { defaultOutputPath, parseParameters, runNotebook } from './notebook-run';

const TARGET_FLAGS = {
  user: { type: 'boolean', description: 'the user data directory (the default)' },
  prefix: { type: 'string', description: 'PREFIX/share/jupyter instead (a virtual environment, a conda env)' }
} as const;

/** `--user` / `--prefix P` of install and uninstall; they take no positional arguments. */
function targetOf({ flags, positionals }: ParsedFlags, usage: string): InstallTarget {
  if (positionals.length)
    throw new UsageError(`unexpected argument "${positionals[0]}"`, { hint: `usage: ${usage}` });
  return { user: flags.user === true, prefix: typeof flags.prefix === 'string' ? flags.prefix : undefined };
}

export const INSTALL_COMMAND: CliCommand = {
  name: 'install',
  summary: 'install the NeuroSTORM kernelspec and the JupyterLab extension (no Python needed)',
  usage: 'neurostorm install [--user | --prefix PREFIX]',
  flags: TARGET_FLAGS,
  run: async (args, io) => {
    const where = await installJupyter(targetOf(args, INSTALL_COMMAND.usage), io.env);
    io.out(`kernelspec   ${where.kernelspec}\nlabextension ${where.labextension}`);
    return where.kernelspecInstalled && where.labextensionInstalled ? 0 : 1;
  }
};

export const UNINSTALL_COMMAND: CliCommand = {
  name: 'uninstall',
  summary: 'remove the NeuroSTORM kernelspec and JupyterLab extension',
  usage: 'neurostorm uninstall [--user | --prefix PREFIX]',
  flags: TARGET_FLAGS,
  run: async (args, io) => {
    const where = await uninstallJupyter(targetOf(args, UNINSTALL_COMMAND.usage), io.env);
    const was = (b: boolean) => (b ? 'removed' : 'was not installed');
    io.out(
      `kernelspec   ${where.kernelspec} ${was(where.kernelspecInstalled)}\nlabextension ${where.labextension} ${was(where.labextensionInstalled)}`
    );
    return 0;
  }
};

export const RUN_COMMAND: CliCommand = {
  name: 'run',
  summary: 'execute a notebook headless on the NeuroSTORM kernel and save its outputs',
  usage: 'neurostorm run NOTEBOOK.ipynb [-p key=value ...] [-o OUT.ipynb] [--timeout SECONDS]',
  flags: {
    parameter: {
      type: 'list',
      alias: 'p',
      description: 'key=value put after the cell tagged "parameters" (value parsed as JSON when it is JSON)'
    },
    output: {
      type: 'string',
      alias: 'o',
      description: 'where to save the executed notebook (default: NOTEBOOK.run.ipynb beside it)'
    },
    timeout: { type: 'number', default: 0, description: 'per-cell limit in seconds, 0 for none' },
    quiet: { type: 'boolean', alias: 'q', description: 'do not print cell progress' }
  },
  run: async ({ flags, positionals }, io) => {
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length ? `one notebook at a time, got ${positionals.length}` : 'no notebook given',
        { hint: `usage: ${RUN_COMMAND.usage}` }
      );
    }
    const input = path.resolve(positionals[0]);
    const output = path.resolve(typeof flags.output === 'string' ? flags.output : defaultOutputPath(input));
    const started = Date.now();
    const result = await runNotebook(input, output, {
      parameters: parseParameters((flags.parameter as string[] | undefined) ?? []),
      timeoutSeconds: flags.timeout as number,
      env: io.env,
      onCell: flags.quiet ? undefined : index => io.err(`neurostorm run: cell ${index}`)
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.failure) {
      const f = result.failure;
      io.err(
        [
          `neurostorm run: cell ${f.cellIndex} failed: ${f.ename}: ${f.evalue}`,
          ...f.traceback,
          `outputs so far saved to ${output}`
        ].join('\n')
      );
      return 1;
    }
    io.out(`${path.relative(process.cwd(), output) || output}: all cells ran (${seconds} s)`);
    return 0;
  }
};
