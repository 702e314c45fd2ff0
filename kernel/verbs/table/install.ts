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

/** A verb writing or removing our Jupyter pieces in the target data directory. */
function targetVerb(
  action: InstallResult['action'],
  summary: string,
  apply: (target: InstallTarget, env: NodeJS.ProcessEnv) => Promise<InstallResult['location']>
): Verb<InstallResult> {
  return {
    name: action,
    summary,
    positionals: [],
    flags: TARGET_FLAGS,
    frontEnds: ['cli'],
    takesBody: false,
    call: async (input, ctx) => ({ kind: 'install', action, location: await apply(targetOf(input), ctx.env) })
  };
}

export const INSTALL_VERB = targetVerb(
  'install',
  'install the NeuroSTORM kernelspec and the JupyterLab extension (no Python needed)',
  installJupyter
);

export const UNINSTALL_VERB = targetVerb('uninstall', 'remove the NeuroSTORM kernelspec and JupyterLab extension', uninstallJupyter);
