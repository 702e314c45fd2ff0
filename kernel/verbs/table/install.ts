/** `install` / `uninstall`: our kernelspec and labextension in a Jupyter data directory (no Python). */
import { InstallResult } from '../results';
import { Verb, VerbInput } from '../verb';
import { FlagSchema } from '../flags';
import { installJupyter, InstallTarget, uninstallJupyter } from '../jupyter/install';

const TARGET_FLAGS: FlagSchema = {
  user: { type: 'boolean', description: 'the user data directory (the default)' },
  prefix: { type: 'string', path: 'dir', metavar: 'PREFIX', description: 'PREFIX/share/jupyter instead (a virtual environment, a conda env)' }
};

function targetOf({ flags }: VerbInput): InstallTarget {
  return { user: flags.user === true, prefix: typeof flags.prefix === 'string' ? flags.prefix : undefined };
}

export const INSTALL_VERB: Verb<InstallResult> = {
  name: 'install',
  summary: 'install the NeuroSTORM kernelspec and the JupyterLab extension (no Python needed)',
  positionals: [],
  flags: TARGET_FLAGS,
  frontEnds: ['cli'],
  takesBody: false,
  call: async (input, ctx) => ({
    kind: 'install',
    action: 'install',
    location: await installJupyter(targetOf(input), ctx.env)
  })
};

export const UNINSTALL_VERB: Verb<InstallResult> = {
  name: 'uninstall',
  summary: 'remove the NeuroSTORM kernelspec and JupyterLab extension',
  positionals: [],
  flags: TARGET_FLAGS,
  frontEnds: ['cli'],
  takesBody: false,
  call: async (input, ctx) => ({
    kind: 'install',
    action: 'uninstall',
    location: await uninstallJupyter(targetOf(input), ctx.env)
  })
};
