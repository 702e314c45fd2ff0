/**
 * `lab [FOLDER]`: one command from install to a running JupyterLab on FOLDER with our kernel and
 * extension (kernel/verbs/jupyter/lab.ts); Ctrl+C stops it cleanly.
 */
import { LabResult } from '../results';
import { Verb } from '../verb';
import { runLab } from '../jupyter/lab';

export const LAB_VERB: Verb<LabResult> = {
  name: 'lab',
  summary: 'install the kernel and extension, then open JupyterLab on FOLDER (Ctrl+C stops it)',
  positionals: [{ name: 'FOLDER', description: 'the folder to open (default: the current one)', path: 'dir', optional: true }],
  flags: {
    port: { type: 'number', integer: true, min: 0, max: 65535, default: 0, description: 'port on 127.0.0.1 (0: a free one)' },
    browser: { type: 'boolean', default: true, description: 'open a web browser (jupyter lab only; --no-browser prints the URL)' },
    frontend: {
      type: 'string',
      choices: ['auto', 'jupyterlab', 'bundled'],
      default: 'auto',
      description: 'your jupyter lab, or the npm-assembled frontend on jupyter_server (auto: jupyter lab when installed)'
    },
    prefix: { type: 'string', path: 'dir', metavar: 'PREFIX', description: 'install into PREFIX/share/jupyter instead of the user data directory' }
  },
  frontEnds: ['cli'],
  takesBody: false,
  call: async ({ positionals, flags }, ctx) => {
    const session = await runLab({
      folder: positionals[0] ?? '.',
      port: flags.port as number,
      browser: flags.browser !== false,
      frontend: flags.frontend as 'auto' | 'jupyterlab' | 'bundled',
      prefix: typeof flags.prefix === 'string' ? flags.prefix : undefined,
      env: ctx.env,
      signal: ctx.signal,
      onReady: url => ctx.onProgress?.({ label: 'lab', step: 1, totalSteps: 1, message: `JupyterLab at ${url} (Ctrl+C stops it)` })
    });
    return { kind: 'lab', frontend: session.frontend, folder: session.folder, url: session.url, location: session.installed, exitCode: session.exitCode };
  }
};
