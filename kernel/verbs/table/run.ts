/**
 * `run NOTEBOOK.ipynb`: executes a notebook headless on the NeuroSTORM kernel and saves its outputs
 * (also when a cell fails: the saved notebook then ends at that cell's traceback).
 */
import * as path from 'path';
import { NotebookRunResult } from '../results';
import { Verb } from '../verb';
import { defaultOutputPath, parseParameters, runNotebook } from '../jupyter/notebook-run';

export const RUN_VERB: Verb<NotebookRunResult> = {
  name: 'run',
  summary: 'execute a notebook headless on the NeuroSTORM kernel and save its outputs',
  positionals: [{ name: 'NOTEBOOK.ipynb', description: 'the notebook to execute', path: 'file' }],
  flags: {
    parameter: {
      type: 'list',
      alias: 'p',
      metavar: 'KEY=VALUE',
      description: 'put after the cell tagged "parameters" (value parsed as JSON when it is JSON)'
    },
    output: {
      type: 'string',
      alias: 'o',
      path: 'file',
      metavar: 'OUT.ipynb',
      description: 'where to save the executed notebook (default: NOTEBOOK.run.ipynb beside it)'
    },
    timeout: { type: 'number', min: 0, metavar: 'SECONDS', default: 0, description: 'per-cell limit in seconds, 0 for none' },
    quiet: { type: 'boolean', alias: 'q', description: 'do not report cell progress' }
  },
  frontEnds: ['cli'],
  takesBody: false,
  call: async ({ positionals, flags }, ctx) => {
    const input = path.resolve(positionals[0]);
    const output = path.resolve(typeof flags.output === 'string' ? flags.output : defaultOutputPath(input));
    const started = Date.now();
    const result = await runNotebook(input, output, {
      parameters: parseParameters((flags.parameter as string[] | undefined) ?? []),
      timeoutSeconds: flags.timeout as number,
      env: ctx.env,
      onCell:
        flags.quiet || !ctx.onProgress
          ? undefined
          : (index, ordinal, total) => ctx.onProgress?.({ label: 'run', step: ordinal, totalSteps: total, message: `cell ${index}` })
    });
    const f = result.failure;
    return {
      kind: 'notebook-run',
      input,
      output,
      seconds: (Date.now() - started) / 1000,
      failure: f ? { cellIndex: f.cellIndex, ename: f.ename, evalue: f.evalue, traceback: f.traceback } : null
    };
  }
};
