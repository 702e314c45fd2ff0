#!/usr/bin/env node
/** The `neurostorm` executable: dispatches to the command table in commands.ts. */
import { COMMANDS, CliIO } from './commands';
import { formatFlagHelp, parseFlags } from './flags';
import { NeuroStormError, UsageError } from '../errors';
import { packageVersion } from '../version';

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map(c => c.name.length)) + 2;
  return [
    `neurostorm ${packageVersion()}: NeuroSTORM fMRI foundation model tools`,
    '',
    'usage: neurostorm <command> [flags]   (neurostorm <command> --help for its flags)',
    '',
    'commands:',
    ...COMMANDS.map(c => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'flags: --help, -h   this help;  --version, -V   the version'
  ].join('\n');
}

/** Runs one CLI invocation; resolves to its exit code (never throws). */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(packageVersion());
    return 0;
  }
  const command = COMMANDS.find(c => c.name === name);
  if (!command) {
    io.err(`neurostorm: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${command.usage}\n\n${command.summary}\n\n${formatFlagHelp(command.flags)}`);
    return 0;
  }
  try {
    return await command.run(parseFlags(rest, command.flags, `usage: ${command.usage}`), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`neurostorm ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof NeuroStormError) {
      io.err(`neurostorm ${name}: ${err.name} [${err.code}]: ${err.message}`);
      return 1;
    }
    io.err(`neurostorm ${name}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}

if (require.main === module) {
  const io: CliIO = {
    out: t => process.stdout.write(t + '\n'),
    err: t => process.stderr.write(t + '\n'),
    env: process.env
  };
  runCli(process.argv.slice(2), io).then(code => {
    process.exitCode = code;
  });
}
