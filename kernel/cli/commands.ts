/**
 * The `neurostorm` command table: adding a command is one entry here (name, usage, flags, run).
 */
import { FlagSchema, ParsedFlags } from './flags';
import { doctorReport, formatDoctorReport } from './doctor';
import { INSTALL_COMMAND, RUN_COMMAND, UNINSTALL_COMMAND } from '../notebook/cli-commands';
import { check, formatCheckReport, synth, SYNTH_DEFAULTS } from '../data';
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
    flags: {
      out: { type: 'string', alias: 'o', description: 'output folder (new or empty)', required: true },
      subjects: { type: 'number', description: 'subjects', default: SYNTH_DEFAULTS.subjects },
      sessions: { type: 'number', description: 'sessions per subject', default: SYNTH_DEFAULTS.sessions },
      frames: { type: 'number', description: 'frames per run', default: SYNTH_DEFAULTS.frames },
      tr: { type: 'number', description: 'repetition time in seconds', default: SYNTH_DEFAULTS.tr },
      seed: {
        type: 'number',
        description: 'random seed (same seed, same dataset)',
        default: SYNTH_DEFAULTS.seed
      },
      effect: {
        type: 'number',
        description: 'one size for all effects (sex, age, diagnosis, phenotype, fingerprint); 0 = none'
      },
      task: { type: 'boolean', description: 'task blocks (labels in events.tsv) instead of rest' },
      atlas: { type: 'string', description: 'label atlas NIfTI (default: AAL3 from ../shared/data/real)' },
      mask: { type: 'string', description: 'MNI brain mask NIfTI (default: from ../shared/data/real)' },
      overwrite: { type: 'boolean', description: 'write into a non-empty folder' }
    },
    run: async ({ flags }, io) => {
      const e = flags.effect as number | undefined;
      const result = await synth({
        out: flags.out as string,
        subjects: flags.subjects as number,
        sessions: flags.sessions as number,
        frames: flags.frames as number,
        tr: flags.tr as number,
        seed: flags.seed as number,
        effects: e === undefined ? undefined : { sex: e, age: e, diagnosis: e, phenotype: e, fingerprint: e },
        task: flags.task === true,
        atlas: flags.atlas as string | undefined,
        mask: flags.mask as string | undefined,
        overwrite: flags.overwrite === true,
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
