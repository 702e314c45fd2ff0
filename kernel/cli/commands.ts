/**
 * The `neurostorm` command table: adding a command is one entry here (name, usage, flags, run).
 */
import { FlagSchema, ParsedFlags } from './flags';
import { doctorReport, formatDoctorReport } from './doctor';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSchema;
  /** Resolves to the process exit code. */
  run: (args: ParsedFlags, io: CliIO) => Promise<number>;
}

export const COMMANDS: CliCommand[] = [
  {
    name: 'doctor',
    summary: 'Node, onnxruntime-node and execution providers, CPUs, memory, GPUs, Jupyter install state',
    usage: 'neurostorm doctor [--json]',
    flags: { json: { type: 'boolean', description: 'print the report as JSON' } },
    run: async ({ flags }, io) => {
      const report = await doctorReport(io.env);
      io.out(flags.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
      return report.providers.some(p => p.name === 'cpu' && p.usable) ? 0 : 1;
    }
  }
];
