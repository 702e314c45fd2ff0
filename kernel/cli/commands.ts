/**
 * The `neurostorm` command table: adding a command is one entry here (name, usage, flags, run).
 */
import { FlagSchema, ParsedFlags } from './flags';
import { doctorReport, formatDoctorReport } from './doctor';
import { INSTALL_COMMAND, RUN_COMMAND, UNINSTALL_COMMAND } from '../notebook/cli-commands';
import { check, formatCheckReport, synth } from '../data';
import { SYNTH_FLAGS, synthOptionsFromFlags } from './synth-flags';
import { ProgressEvent } from '../progress';

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
  },
  INSTALL_COMMAND,
  UNINSTALL_COMMAND,
  RUN_COMMAND,
  {
    name: 'synth',
    summary: 'write the synthetic BIDS cohort (MNI 2 mm, known sex/age/diagnosis/phenotype effects)',
    usage:
      'neurostorm synth --out DIR [--subjects N] [--sessions N] [--frames N] [--seed S] [--task] [--atlas F --mask F]',
    flags: { ...SYNTH_FLAGS, out: { ...SYNTH_FLAGS.out, required: true } },
    run: async ({ flags }, io) => {
      const result = await synth({
        ...synthOptionsFromFlags(flags),
        onProgress: (p: ProgressEvent) => io.err(`synth ${p.step}/${p.totalSteps} ${p.message ?? ''}`)
      });
      io.out(`wrote ${result.runs.length} runs of ${result.participants.length} subjects to ${result.root}`);
      return 0;
    }
  },
  {
    name: 'check',
    summary: 'validate a BIDS dataset against what NeuroSTORM expects (pass/warn/fail per run)',
    usage: 'neurostorm check DATASET [--mask F] [--json]',
    flags: {
      mask: { type: 'string', description: 'MNI brain mask for the coverage check' },
      json: { type: 'boolean', description: 'print the report as JSON' }
    },
    run: async ({ flags, positionals }, io) => {
      if (positionals.length !== 1) {
        io.err('usage: neurostorm check DATASET [--mask F] [--json]');
        return 2;
      }
      const report = await check(positionals[0], {
        mask: flags.mask as string | undefined,
        onProgress: (p: ProgressEvent) => io.err(`check ${p.step}/${p.totalSteps} ${p.message ?? ''}`)
      });
      io.out(flags.json ? JSON.stringify(report, null, 2) : formatCheckReport(report));
      return report.summary.fail > 0 ? 1 : 0;
    }
  }
];
